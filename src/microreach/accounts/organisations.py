"""Organisation rules: creation and agency brands, members and roles, invitations, API keys."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.orm import Session

from microreach.accounts import repository
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import OrganisationKind, Role, UserKind
from microreach.accounts.models import ApiKey, Invitation, Membership, Organisation, User
from microreach.accounts.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from microreach.accounts.security import api_key_digest, new_api_key, normalise_email
from microreach.config import Settings
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from microreach.kit.signing import BadSignatureError, ExpiredTokenError, sign, unsign

INVITATION_VALID = timedelta(days=7)
INVITATION_PURPOSE = "invitation"
NAME_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 60
LAST_OWNER = "An organisation always keeps at least one owner: make someone else an owner first."


@dataclass(frozen=True, slots=True)
class InvitationLink:
    invitation: Invitation
    organisation: Organisation
    token: str


# Organisations


def create_organisation(
    session: Session,
    owner: User,
    name: str,
    kind: OrganisationKind,
    now: datetime,
    parent: Organisation | None = None,
) -> Organisation:
    """A new organisation with ``owner`` as its first owner."""
    name = check_name(name, "organisation_name")
    organisation = Organisation(
        name=name,
        slug=_free_slug(session, slugify(name)),
        kind=kind,
        parent_id=parent.id if parent else None,
        created_at=now,
    )
    repository.add(session, organisation)
    repository.add(
        session,
        Membership(
            user_id=owner.id, organisation_id=organisation.id, role=Role.OWNER, created_at=now
        ),
    )
    return organisation


def add_brand(session: Session, ctx: OrgContext, name: str, now: datetime) -> Organisation:
    """A brand under the agency ``ctx`` acts on, owned by the member who adds it."""
    ctx.require_role(Role.ADMIN, "add brands")
    if ctx.organisation.kind is not OrganisationKind.AGENCY:
        raise ForbiddenError("Only agencies have brands; this organisation is a brand.")
    return create_organisation(
        session, ctx.member_user, name, OrganisationKind.BRAND, now, parent=ctx.organisation
    )


def brands_of(session: Session, ctx: OrgContext) -> list[Organisation]:
    return repository.child_brands(session, ctx.organisation.id)


def memberships(session: Session, user: User) -> list[Membership]:
    return repository.memberships_of_user(session, user.id)


def check_name(raw: str, field: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise InvalidError("Enter a name.", field=field)
    if len(name) > NAME_MAX_LENGTH or not name.isprintable():
        raise InvalidError(f"Use at most {NAME_MAX_LENGTH} printable characters.", field=field)
    return name


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].rstrip("-") or "organisation"


def _free_slug(session: Session, base: str) -> str:
    taken = repository.slugs_like(session, base)
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


# Members and roles


def members(session: Session, ctx: OrgContext) -> list[Membership]:
    ctx.require_role(Role.VIEWER, "see the members")
    return repository.members(session, ctx.organisation.id)


def change_role(
    session: Session, ctx: OrgContext, membership_id: uuid.UUID, role_name: str
) -> Membership:
    ctx.require_role(Role.ADMIN, "change roles")
    target = _member(session, ctx, membership_id)
    role = parse_role(role_name)
    if Role.OWNER in (role, target.role) and ctx.role is not Role.OWNER:
        raise ForbiddenError("Only owners can make someone an owner or change an owner's role.")
    if target.role is Role.OWNER and role is not Role.OWNER:
        _keep_an_owner(session, ctx)
    target.role = role
    session.flush()
    return target


def remove_member(session: Session, ctx: OrgContext, membership_id: uuid.UUID) -> Membership:
    """Remove a member; anyone may leave, admins remove others, owners remove owners."""
    target = _member(session, ctx, membership_id)
    leaving = ctx.user is not None and target.user_id == ctx.user.id
    if not leaving:
        ctx.require_role(Role.ADMIN, "remove members")
        if target.role is Role.OWNER and ctx.role is not Role.OWNER:
            raise ForbiddenError("Only owners can remove an owner.")
    if target.role is Role.OWNER:
        _keep_an_owner(session, ctx)
    repository.delete(session, target)
    return target


def _member(session: Session, ctx: OrgContext, membership_id: uuid.UUID) -> Membership:
    target = repository.get_member(session, ctx.organisation.id, membership_id)
    if target is None:
        raise NotFoundError(f"{ctx.organisation.name} has no such member.")
    return target


def _keep_an_owner(session: Session, ctx: OrgContext) -> None:
    repository.lock_organisation(session, ctx.organisation.id)
    if repository.count_owners(session, ctx.organisation.id) <= 1:
        raise ConflictError(LAST_OWNER)


def parse_role(name: str) -> Role:
    try:
        return Role(name.strip().lower())
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise InvalidError(f"Choose one of {known}.", field="role") from None


# Invitations


def pending_invitations(session: Session, ctx: OrgContext, now: datetime) -> list[Invitation]:
    ctx.require_role(Role.ADMIN, "see invitations")
    return repository.pending_invitations(session, ctx.organisation.id, now)


def invite(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    email_raw: str,
    role_name: str,
    now: datetime,
) -> InvitationLink:
    """A pending membership for ``email`` and the signed link that accepts it (7 days)."""
    ctx.require_role(Role.ADMIN, "invite people")
    role = parse_role(role_name)
    if role is Role.OWNER and ctx.role is not Role.OWNER:
        raise ForbiddenError("Only owners can invite owners.")
    email = normalise_email(email_raw)
    if any(
        member.user.email == email for member in repository.members(session, ctx.organisation.id)
    ):
        raise ConflictError(f"{email} is a member already.", field="email")
    for pending in repository.pending_invitations(session, ctx.organisation.id, now):
        if pending.email == email:
            repository.delete(session, pending)
    invitation = repository.add(
        session,
        Invitation(
            organisation_id=ctx.organisation.id,
            email=email,
            role=role,
            invited_by_id=ctx.user.id if ctx.user else None,
            created_at=now,
            expires_at=now + INVITATION_VALID,
        ),
    )
    token = sign(
        settings.secret_key or "", INVITATION_PURPOSE, invitation.id.hex, invitation.expires_at
    )
    return InvitationLink(invitation=invitation, organisation=ctx.organisation, token=token)


def revoke_invitation(session: Session, ctx: OrgContext, invitation_id: uuid.UUID) -> None:
    ctx.require_role(Role.ADMIN, "revoke invitations")
    invitation = repository.get_invitation(session, ctx.organisation.id, invitation_id)
    if invitation is None or invitation.accepted_at is not None:
        raise NotFoundError(f"{ctx.organisation.name} has no such pending invitation.")
    repository.delete(session, invitation)


def open_invitation(
    session: Session, settings: Settings, token: str, now: datetime
) -> tuple[Invitation, Organisation]:
    """The pending invitation a link names; InvalidError when it is forged, expired or used."""
    try:
        payload = unsign(settings.secret_key or "", INVITATION_PURPOSE, token, now)
        invitation = repository.invitation_by_token_id(session, uuid.UUID(hex=payload))
    except ExpiredTokenError:
        raise InvalidError(
            "This invitation has expired; ask for a new one.", field="token"
        ) from None
    except (BadSignatureError, ValueError):
        raise InvalidError("This invitation link is not valid.", field="token") from None
    organisation = (
        repository.get_organisation(session, invitation.organisation_id) if invitation else None
    )
    if invitation is None or organisation is None:
        raise InvalidError("This invitation was withdrawn.", field="token")
    if invitation.accepted_at is not None:
        raise InvalidError("This invitation was accepted already.", field="token")
    return invitation, organisation


def accept_invitation(
    session: Session, settings: Settings, user: User, token: str, now: datetime
) -> Membership:
    """Make ``user`` a member as invited; the user's email must be the invited one."""
    invitation, organisation = open_invitation(session, settings, token, now)
    if user.kind is not UserKind.BRAND_USER:
        raise ForbiddenError("Creator accounts cannot join organisations.")
    if user.email != invitation.email:
        raise ForbiddenError(
            f"This invitation is for {invitation.email}; sign in with that email to accept it."
        )
    if not repository.mark_invitation_accepted(session, invitation.id, now):
        raise InvalidError("This invitation was accepted already.", field="token")
    existing = repository.membership_for(session, user.id, organisation.id)
    if existing is not None:
        return existing
    membership = Membership(
        user_id=user.id, organisation_id=organisation.id, role=invitation.role, created_at=now
    )
    repository.add(session, membership)
    return repository.membership_for(session, user.id, organisation.id) or membership


# API keys


def api_key_request(name: str, scopes: list[str]) -> ApiKeyCreate:
    """Form values as an ApiKeyCreate; InvalidError naming the first field at fault."""
    try:
        return ApiKeyCreate.model_validate({"name": name, "scopes": scopes})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "name"
        messages = {
            "name": "Give the key a name of up to 100 characters.",
            "scopes": "Choose at least one scope.",
        }
        raise InvalidError(messages.get(field, str(error["msg"])), field=field) from None


def list_api_keys(session: Session, ctx: OrgContext) -> list[ApiKeyOut]:
    ctx.require_role(Role.ADMIN, "manage API keys")
    return [
        _key_out(key, email) for key, email in repository.api_keys(session, ctx.organisation.id)
    ]


def get_api_key(session: Session, ctx: OrgContext, key_id: uuid.UUID) -> ApiKeyOut:
    ctx.require_role(Role.ADMIN, "manage API keys")
    return _key_out(*_key(session, ctx, key_id))


def create_api_key(
    session: Session, settings: Settings, ctx: OrgContext, request: ApiKeyCreate, now: datetime
) -> ApiKeyCreated:
    """A new key; the returned secret is never stored and cannot be shown again."""
    ctx.require_role(Role.ADMIN, "manage API keys")
    secret, prefix = new_api_key()
    key = repository.add(
        session,
        ApiKey(
            organisation_id=ctx.organisation.id,
            name=request.name,
            prefix=prefix,
            secret_hash=api_key_digest(settings.secret_key or "", secret),
            scopes=[scope.value for scope in request.scopes],
            created_by_id=ctx.member_user.id,
            created_at=now,
        ),
    )
    out = _key_out(key, ctx.member_user.email)
    return ApiKeyCreated(**out.model_dump(), secret=secret)


def revoke_api_key(
    session: Session, ctx: OrgContext, key_id: uuid.UUID, now: datetime
) -> ApiKeyOut:
    ctx.require_role(Role.ADMIN, "manage API keys")
    key, email = _key(session, ctx, key_id)
    if key.revoked_at is None:
        key.revoked_at = now
        session.flush()
    return _key_out(key, email)


def _key(session: Session, ctx: OrgContext, key_id: uuid.UUID) -> tuple[ApiKey, str | None]:
    found = repository.get_api_key(session, ctx.organisation.id, key_id)
    if found is None:
        raise NotFoundError(f"{ctx.organisation.name} has no API key with id {key_id}.")
    return found


def _key_out(key: ApiKey, created_by: str | None) -> ApiKeyOut:
    return ApiKeyOut.model_validate(
        {
            "id": key.id,
            "name": key.name,
            "prefix": key.prefix,
            "scopes": key.scopes,
            "created_at": key.created_at,
            "created_by": created_by,
            "last_used_at": key.last_used_at,
            "revoked_at": key.revoked_at,
        }
    )
