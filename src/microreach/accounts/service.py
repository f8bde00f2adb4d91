"""Identity rules: sign-up, sign-in with rate limiting, server-side sessions, password resets,
API key authentication, the organisation context of a request, the demo and operator logins."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microreach.accounts import organisations, repository
from microreach.accounts.context import Identity
from microreach.accounts.enums import OrganisationKind, Role, UserKind
from microreach.accounts.errors import RateLimitedError, UnauthorizedError
from microreach.accounts.models import Membership, Organisation, PasswordReset, User
from microreach.accounts.schemas import (
    ApiKeyIdentity,
    CreatorSignUpForm,
    MembershipOut,
    MeOut,
    OrganisationOut,
    SignUpForm,
    UserOut,
)
from microreach.accounts.security import (
    check_password_policy,
    client_digest,
    hash_password,
    needs_rehash,
    normalise_email,
    spend_verify_time,
    verify_password,
)
from microreach.accounts.sessions import (  # re-exported: the domain's door for sessions
    authenticate_api_key as authenticate_api_key,
)
from microreach.accounts.sessions import end_session as end_session
from microreach.accounts.sessions import key_context as key_context
from microreach.accounts.sessions import member_context as member_context
from microreach.accounts.sessions import member_context_for as member_context_for
from microreach.accounts.sessions import resolve_session as resolve_session
from microreach.accounts.sessions import start_session as start_session
from microreach.accounts.sessions import summarise_user_agent as summarise_user_agent
from microreach.accounts.sessions import switch_organisation as switch_organisation
from microreach.config import Settings, get_settings
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError
from microreach.kit.signing import BadSignatureError, ExpiredTokenError, sign, unsign

RESET_VALID = timedelta(hours=1)
RESET_PURPOSE = "password-reset"
# A person can ask for at most this many reset mails per RESET_VALID.
RESET_MAILS_PER_HOUR = 3
# Attempts are kept this long (for audit) before pruning; the window itself is a setting.
ATTEMPT_RETENTION = timedelta(days=1)
WRONG_CREDENTIALS = "The email or the password is not right."
DEMO_EMAIL = "demo@microreach.local"
# Documented in the README: the demo installation's login; refused in production.
DEMO_PASSWORD = "microreach-demo"
DEMO_ORGANISATION = "Demo Brand"


@dataclass(frozen=True, slots=True)
class ResetLink:
    user: User
    token: str
    expires_at: datetime


# Sign-up


def sign_up(session: Session, settings: Settings, form: SignUpForm, now: datetime) -> User:
    """A brand user with a new organisation they own, or joining the organisation of an
    invitation when ``form.invitation`` carries one."""
    email = normalise_email(form.email)
    if form.invitation:
        # Checked before anything is created: a bad link must not leave a lonely user.
        invitation, _ = organisations.open_invitation(session, settings, form.invitation, now)
        if invitation.email != email:
            raise InvalidError(f"This invitation is for {invitation.email}.", field="email")
    else:
        kind = _organisation_kind(form.organisation_kind)
        organisations.check_name(form.organisation_name, "organisation_name")
    user = _new_user(session, email, form.display_name, form.password, UserKind.BRAND_USER, now)
    if form.invitation:
        organisations.accept_invitation(session, settings, user, form.invitation, now)
    else:
        organisations.create_organisation(session, user, form.organisation_name, kind, now)
    return user


def sign_up_creator(session: Session, form: CreatorSignUpForm, now: datetime) -> User:
    """A creator user for the portal; creators belong to no organisation."""
    email = normalise_email(form.email)
    return _new_user(session, email, form.display_name, form.password, UserKind.CREATOR, now)


def _new_user(
    session: Session, email: str, display_name: str, password: str, kind: UserKind, now: datetime
) -> User:
    name = organisations.check_name(display_name, "display_name")
    check_password_policy(password, email)
    if repository.get_user_by_email(session, email) is not None:
        raise _email_taken()
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=name,
        kind=kind,
        created_at=now,
    )
    try:
        with session.begin_nested():
            repository.add(session, user)
    except IntegrityError:
        raise _email_taken() from None
    return user


def _email_taken() -> ConflictError:
    return ConflictError(
        "An account with this email exists: sign in, or reset its password.", field="email"
    )


def _organisation_kind(value: str) -> OrganisationKind:
    try:
        return OrganisationKind(value.strip().lower())
    except ValueError:
        raise InvalidError("Choose brand or agency.", field="organisation_kind") from None


# Sign-in and rate limiting


def authenticate(
    session: Session,
    settings: Settings,
    email_raw: str,
    password: str,
    client_address: str,
    now: datetime,
) -> User:
    """The user whose email and password these are. Every attempt is recorded; too many
    failures for the email or the client within the window raise RateLimitedError."""
    email = normalise_email(email_raw)
    client = client_digest(settings.secret_key or "", client_address)
    check_rate_limit(session, settings, email, client, now)
    user = repository.get_user_by_email(session, email)
    if user is None:
        spend_verify_time(password)
    if user is None or not verify_password(user.password_hash, password):
        repository.record_attempt(session, email, client, now, succeeded=False)
        raise UnauthorizedError(WRONG_CREDENTIALS)
    if user.disabled:
        repository.record_attempt(session, email, client, now, succeeded=False)
        raise ForbiddenError("This account is disabled; ask an owner of your organisation.")
    repository.record_attempt(session, email, client, now, succeeded=True)
    repository.prune_attempts(session, now - max(ATTEMPT_RETENTION, _window(settings)))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def check_rate_limit(
    session: Session, settings: Settings, email: str, client: str, now: datetime
) -> None:
    window = _window(settings)
    since = now - window
    limits = (
        (repository.email_failures_since(session, email, since), settings.login_max_failures),
        (
            repository.client_failures_since(session, client, since),
            settings.login_max_client_failures,
        ),
    )
    waits = [
        # The limit lifts when the oldest failure that keeps the count at the limit leaves.
        (failures[len(failures) - limit] + window - now).total_seconds()
        for failures, limit in limits
        if len(failures) >= limit
    ]
    if waits:
        retry_after = max(1, math.ceil(max(waits)))
        minutes = math.ceil(retry_after / 60)
        raise RateLimitedError(
            f"Too many failed sign-ins: try again in {minutes} minute{'s' * (minutes != 1)}, "
            "or reset your password.",
            retry_after=retry_after,
        )


def _window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.login_window_minutes)


# Password resets


def request_password_reset(
    session: Session, settings: Settings, email_raw: str, now: datetime
) -> ResetLink | None:
    """A signed, single-use link valid for an hour; None (and nothing sent) for an unknown or
    disabled email, or when the hourly allowance of reset mails is spent."""
    email = normalise_email(email_raw)
    user = repository.get_user_by_email(session, email)
    if user is None or user.disabled:
        return None
    if repository.count_resets_since(session, user.id, now - RESET_VALID) >= RESET_MAILS_PER_HOUR:
        return None
    reset = repository.add(
        session, PasswordReset(user_id=user.id, created_at=now, expires_at=now + RESET_VALID)
    )
    token = sign(settings.secret_key or "", RESET_PURPOSE, reset.id.hex, reset.expires_at)
    return ResetLink(user=user, token=token, expires_at=reset.expires_at)


def open_reset(
    session: Session, settings: Settings, token: str, now: datetime
) -> tuple[PasswordReset, User]:
    """The reset a link names; InvalidError when forged, expired or used already."""
    try:
        reset_id = uuid.UUID(hex=unsign(settings.secret_key or "", RESET_PURPOSE, token, now))
    except ExpiredTokenError:
        raise InvalidError("This link has expired: ask for a new one.", field="token") from None
    except (BadSignatureError, ValueError):
        raise InvalidError("This link is not valid: ask for a new one.", field="token") from None
    reset = repository.get_password_reset(session, reset_id)
    user = repository.get_user(session, reset.user_id) if reset else None
    if reset is None or user is None or user.disabled:
        raise InvalidError("This link is not valid: ask for a new one.", field="token")
    if reset.used_at is not None:
        raise InvalidError("This link was used already: ask for a new one.", field="token")
    return reset, user


def reset_password(
    session: Session,
    settings: Settings,
    token: str,
    password: str,
    password_again: str,
    now: datetime,
) -> User:
    """Set a new password through a reset link, use the link up and sign out everywhere."""
    reset, user = open_reset(session, settings, token, now)
    if password != password_again:
        raise InvalidError("The two passwords are not the same.", field="password_again")
    check_password_policy(password, user.email)
    if not repository.mark_reset_used(session, reset.id, now):
        raise InvalidError("This link was used already: ask for a new one.", field="token")
    user.password_hash = hash_password(password)
    repository.retire_resets(session, user.id, now)
    repository.delete_sessions_of_user(session, user.id)
    return user


# Operators and the demo


def create_operator_user(
    session: Session, email_raw: str, password: str, organisation: str, role: Role, now: datetime
) -> tuple[User, Organisation]:
    """A brand user with ``role`` in the organisation whose name or slug is ``organisation``
    (created, with this user as owner, when there is none)."""
    email = normalise_email(email_raw)
    existing = repository.get_organisation_by_slug(
        session, organisation.strip()
    ) or repository.get_organisation_by_slug(session, organisations.slugify(organisation))
    if existing is None and role is not Role.OWNER:
        raise InvalidError(
            f"There is no organisation {organisation!r} yet; its first member must be an owner.",
            field="role",
        )
    user = _new_user(session, email, email.split("@", 1)[0], password, UserKind.BRAND_USER, now)
    if existing is None:
        kind = OrganisationKind.BRAND
        return user, organisations.create_organisation(session, user, organisation, kind, now)
    repository.add(
        session, Membership(user_id=user.id, organisation_id=existing.id, role=role, created_at=now)
    )
    return user, existing


def ensure_demo_login(session: Session, settings: Settings | None = None) -> tuple[str, str]:
    """The demo brand user (owner of Demo Brand), created on first call; returns
    (email, password). The password is fixed and documented, so this refuses production."""
    settings = settings or get_settings()
    if settings.is_production:
        raise ForbiddenError("The demo login is not available when MICROREACH_ENV=production.")
    now = utcnow()
    user = repository.get_user_by_email(session, DEMO_EMAIL)
    if user is None:
        user = _new_user(session, DEMO_EMAIL, "Demo user", DEMO_PASSWORD, UserKind.BRAND_USER, now)
    elif not verify_password(user.password_hash, DEMO_PASSWORD) or user.disabled:
        user.password_hash = hash_password(DEMO_PASSWORD)
        user.disabled = False
    if not repository.memberships_of_user(session, user.id):
        demo = repository.get_organisation_by_slug(
            session, organisations.slugify(DEMO_ORGANISATION)
        )
        if demo is None:
            organisations.create_organisation(
                session, user, DEMO_ORGANISATION, OrganisationKind.BRAND, now
            )
        else:
            repository.add(
                session,
                Membership(
                    user_id=user.id, organisation_id=demo.id, role=Role.OWNER, created_at=now
                ),
            )
    session.flush()
    return DEMO_EMAIL, DEMO_PASSWORD


_SAFE_NEXT = re.compile(r"^/(?![/\\])[^\s]*$")


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site (never //host or a scheme), else ``default``."""
    return target if target and _SAFE_NEXT.match(target) else default


def organisation_name(session: Session, organisation_id: uuid.UUID) -> str:
    """The name of an organisation, for other domains' pages and mail (campaign invitations)."""
    organisation = repository.get_organisation(session, organisation_id)
    return organisation.name if organisation is not None else ""


def describe(session: Session, identity: Identity) -> MeOut:
    """The caller as /api/v1/me shows it."""
    organisation = identity.organisation
    key = identity.api_key
    user = identity.user
    memberships = repository.memberships_of_user(session, user.id) if user else []
    return MeOut(
        via="api_key" if key is not None else "session",
        user=UserOut.model_validate(user, from_attributes=True) if user else None,
        organisation=_organisation_out(organisation) if organisation else None,
        role=identity.role if key is None else None,
        memberships=[
            MembershipOut(organisation=_organisation_out(m.organisation), role=m.role)
            for m in memberships
        ],
        api_key=ApiKeyIdentity.model_validate(key, from_attributes=True) if key else None,
    )


def _organisation_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut.model_validate(organisation, from_attributes=True)
