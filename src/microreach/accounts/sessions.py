"""Who is asking: server-side sessions (sliding expiry), API keys, and the organisation
context a request acts in."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from microreach.accounts import repository
from microreach.accounts.context import Identity, OrgContext
from microreach.accounts.enums import ApiScope, Role, UserKind
from microreach.accounts.errors import UnauthorizedError
from microreach.accounts.models import Membership, User, UserSession
from microreach.accounts.security import (
    api_key_digest,
    api_key_prefix,
    digests_match,
    new_token,
    token_digest,
)
from microreach.config import Settings
from microreach.kit.errors import ForbiddenError, InvalidError, NotFoundError

# Sliding expiry and last-use times move at most once a minute: reads stay reads.
TOUCH_INTERVAL = timedelta(seconds=60)


# Sessions


def start_session(
    session: Session, settings: Settings, user: User, user_agent: str | None, now: datetime
) -> str:
    """A new server-side session; returns the token for the cookie (stored only hashed)."""
    repository.delete_expired_sessions(session, now)
    token = new_token()
    memberships = repository.memberships_of_user(session, user.id)
    repository.add(
        session,
        UserSession(
            id=token_digest(token),
            user_id=user.id,
            organisation_id=memberships[0].organisation_id if memberships else None,
            created_at=now,
            last_seen_at=now,
            expires_at=_expiry(settings, now, now),
            user_agent=summarise_user_agent(user_agent),
        ),
    )
    return token


def resolve_session(
    session: Session, settings: Settings, token: str, now: datetime
) -> Identity | None:
    """The identity of a session cookie, sliding its expiry; None when unknown or expired."""
    row = repository.get_session_with_user(session, token_digest(token))
    if row is None:
        return None
    if row.expires_at <= now or row.user.disabled:
        repository.delete_session(session, row.id)
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        row.expires_at = _expiry(settings, row.created_at, now)
    return Identity(user=row.user, user_session=row, membership=_active_membership(session, row))


def _active_membership(session: Session, row: UserSession) -> Membership | None:
    if row.organisation_id is not None:
        membership = repository.membership_for(session, row.user_id, row.organisation_id)
        if membership is not None:
            return membership
    # Removed from the active organisation (or never had one): fall back to the first.
    memberships = repository.memberships_of_user(session, row.user_id)
    row.organisation_id = memberships[0].organisation_id if memberships else None
    return memberships[0] if memberships else None


def _expiry(settings: Settings, created_at: datetime, now: datetime) -> datetime:
    idle = now + timedelta(days=settings.session_idle_days)
    return min(idle, created_at + timedelta(days=settings.session_max_days))


def end_session(session: Session, token: str) -> None:
    repository.delete_session(session, token_digest(token))


def switch_organisation(
    session: Session, identity: Identity, organisation_id: uuid.UUID
) -> Membership:
    """Make ``organisation_id`` the active organisation of the signed-in session."""
    if identity.user is None or identity.user_session is None:
        raise UnauthorizedError("Sign in first.")
    membership = repository.membership_for(session, identity.user.id, organisation_id)
    if membership is None:
        raise InvalidError("You are not a member of that organisation.", field="organisation_id")
    identity.user_session.organisation_id = organisation_id
    session.flush()
    return membership


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def summarise_user_agent(user_agent: str | None) -> str | None:
    """'Firefox on Linux' for a browser we recognise, else the first 200 printable characters."""
    if not user_agent:
        return None
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    if browser is None and "Safari/" in user_agent:
        browser = "Safari"
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return "".join(char for char in user_agent if char.isprintable())[:200] or None


# API keys


def authenticate_api_key(session: Session, settings: Settings, raw: str, now: datetime) -> Identity:
    """The identity of ``Authorization: Bearer <raw>``; UnauthorizedError for anything but a
    live key of this installation."""
    prefix = api_key_prefix(raw)
    if prefix is None:
        raise UnauthorizedError("Expected Authorization: Bearer mr_... with a microreach API key.")
    found = repository.api_key_by_prefix(session, prefix)
    expected = api_key_digest(settings.secret_key or "", raw)
    if found is None or not digests_match(found[0].secret_hash, expected):
        raise UnauthorizedError("Unknown API key.")
    key, organisation = found
    if key.revoked_at is not None:
        raise UnauthorizedError("This API key was revoked.")
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_INTERVAL:
        key.last_used_at = now
    return Identity(api_key=key, key_organisation=organisation)


# Organisation context


def member_context(identity: Identity, role: Role = Role.VIEWER) -> OrgContext:
    """The active organisation of a signed-in member with at least ``role``."""
    if identity.user is None:
        raise UnauthorizedError("Sign in to continue.")
    if identity.membership is None:
        if identity.user.kind is UserKind.CREATOR:
            raise ForbiddenError("Creator accounts have no organisation; open the creator portal.")
        raise ForbiddenError("You are not a member of any organisation.")
    context = OrgContext(
        organisation=identity.membership.organisation,
        user=identity.user,
        role=identity.membership.role,
    )
    context.require_role(role, "do this")
    return context


def member_context_for(
    session: Session, identity: Identity, slug: str, role: Role = Role.VIEWER
) -> OrgContext:
    """The organisation named by ``slug`` for a signed-in member with at least ``role``.
    An organisation the user does not belong to is reported as not found."""
    if identity.user is None:
        raise UnauthorizedError("Sign in, or use an API key.")
    organisation = repository.get_organisation_by_slug(session, slug)
    membership = (
        repository.membership_for(session, identity.user.id, organisation.id)
        if organisation is not None
        else None
    )
    if membership is None:
        raise NotFoundError(f"You are not a member of an organisation called {slug!r}.")
    context = OrgContext(
        organisation=membership.organisation, user=identity.user, role=membership.role
    )
    context.require_role(role, "do this")
    return context


def key_context(identity: Identity, scope: ApiScope) -> OrgContext:
    """The organisation of an API key that carries ``scope``."""
    if identity.api_key is None or identity.key_organisation is None:
        raise UnauthorizedError("This needs an API key: Authorization: Bearer mr_...")
    context = OrgContext(organisation=identity.key_organisation, api_key=identity.api_key)
    context.require_scope(scope)
    return context
