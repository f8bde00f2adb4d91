"""Every query of the accounts domain. Organisation-owned rows are always read through the
organisation's id, so one organisation's members, invitations and keys never reach another."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from microreach.accounts.enums import ClaimStatus, Role
from microreach.accounts.models import (
    ApiKey,
    CreatorClaim,
    Invitation,
    LoginAttempt,
    Membership,
    Organisation,
    PasswordReset,
    User,
    UserSession,
)
from microreach.creators.enums import Platform
from microreach.creators.models import PlatformAccount
from microreach.db.base import Base

T = TypeVar("T", bound=Base)


def add(session: Session, row: T) -> T:
    session.add(row)
    session.flush()
    return row


def delete(session: Session, row: Base) -> None:
    session.delete(row)
    session.flush()


# Users


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(sa.select(User).where(User.email == email)).one_or_none()


# Organisations and memberships


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def get_organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    stmt = sa.select(Organisation).where(Organisation.slug == slug)
    return session.scalars(stmt).one_or_none()


def slugs_like(session: Session, base: str) -> set[str]:
    stmt = sa.select(Organisation.slug).where(Organisation.slug.startswith(base, autoescape=True))
    return set(session.scalars(stmt))


def lock_organisation(session: Session, organisation_id: uuid.UUID) -> None:
    """Serialise changes to one organisation's owners (row lock on PostgreSQL; SQLite has
    one writer at a time already)."""
    stmt = sa.select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    session.execute(stmt)


def child_brands(session: Session, agency_id: uuid.UUID) -> list[Organisation]:
    stmt = (
        sa.select(Organisation)
        .where(Organisation.parent_id == agency_id)
        .order_by(Organisation.name, Organisation.id)
    )
    return list(session.scalars(stmt))


def memberships_of_user(session: Session, user_id: uuid.UUID) -> list[Membership]:
    """The user's memberships with their organisations, by organisation name."""
    stmt = (
        sa.select(Membership)
        .join(Membership.organisation)
        .options(contains_eager(Membership.organisation))
        .where(Membership.user_id == user_id)
        .order_by(Organisation.name, Organisation.id)
    )
    return list(session.scalars(stmt))


def membership_for(
    session: Session, user_id: uuid.UUID, organisation_id: uuid.UUID
) -> Membership | None:
    stmt = (
        sa.select(Membership)
        .join(Membership.organisation)
        .options(contains_eager(Membership.organisation))
        .where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
    )
    return session.scalars(stmt).one_or_none()


def members(session: Session, organisation_id: uuid.UUID) -> list[Membership]:
    """An organisation's memberships with their users, oldest first."""
    stmt = (
        sa.select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.organisation_id == organisation_id)
        .order_by(Membership.created_at, Membership.id)
    )
    return list(session.scalars(stmt))


def get_member(
    session: Session, organisation_id: uuid.UUID, membership_id: uuid.UUID
) -> Membership | None:
    stmt = (
        sa.select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.organisation_id == organisation_id, Membership.id == membership_id)
    )
    return session.scalars(stmt).one_or_none()


def count_owners(session: Session, organisation_id: uuid.UUID) -> int:
    stmt = sa.select(sa.func.count()).where(
        Membership.organisation_id == organisation_id, Membership.role == Role.OWNER
    )
    return session.scalar(stmt) or 0


# Invitations


def pending_invitations(
    session: Session, organisation_id: uuid.UUID, now: datetime
) -> list[Invitation]:
    stmt = (
        sa.select(Invitation)
        .where(
            Invitation.organisation_id == organisation_id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.created_at, Invitation.id)
    )
    return list(session.scalars(stmt))


def get_invitation(
    session: Session, organisation_id: uuid.UUID, invitation_id: uuid.UUID
) -> Invitation | None:
    stmt = sa.select(Invitation).where(
        Invitation.organisation_id == organisation_id, Invitation.id == invitation_id
    )
    return session.scalars(stmt).one_or_none()


def invitation_by_token_id(session: Session, invitation_id: uuid.UUID) -> Invitation | None:
    """The invitation a signed link names; the signature is the authority, not a membership."""
    return session.get(Invitation, invitation_id)


def mark_invitation_accepted(session: Session, invitation_id: uuid.UUID, now: datetime) -> bool:
    """Accept once: False when another request accepted it first."""
    stmt = (
        sa.update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now)
    )
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined,no-any-return]


# Sessions


def get_session_with_user(session: Session, session_id: str) -> UserSession | None:
    stmt = (
        sa.select(UserSession)
        .join(UserSession.user)
        .options(contains_eager(UserSession.user))
        .where(UserSession.id == session_id)
    )
    return session.scalars(stmt).one_or_none()


def delete_session(session: Session, session_id: str) -> None:
    session.execute(sa.delete(UserSession).where(UserSession.id == session_id))


def delete_sessions_of_user(session: Session, user_id: uuid.UUID) -> None:
    session.execute(sa.delete(UserSession).where(UserSession.user_id == user_id))


def delete_expired_sessions(session: Session, now: datetime) -> None:
    session.execute(sa.delete(UserSession).where(UserSession.expires_at <= now))


# API keys


def api_keys(session: Session, organisation_id: uuid.UUID) -> list[tuple[ApiKey, str | None]]:
    """The organisation's keys, newest first, each with its creator's email."""
    stmt = (
        sa.select(ApiKey, User.email)
        .outerjoin(User, User.id == ApiKey.created_by_id)
        .where(ApiKey.organisation_id == organisation_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    )
    return [(key, email) for key, email in session.execute(stmt)]


def get_api_key(
    session: Session, organisation_id: uuid.UUID, key_id: uuid.UUID
) -> tuple[ApiKey, str | None] | None:
    stmt = (
        sa.select(ApiKey, User.email)
        .outerjoin(User, User.id == ApiKey.created_by_id)
        .where(ApiKey.organisation_id == organisation_id, ApiKey.id == key_id)
    )
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1])


def api_key_by_prefix(session: Session, prefix: str) -> tuple[ApiKey, Organisation] | None:
    stmt = (
        sa.select(ApiKey, Organisation)
        .join(Organisation, Organisation.id == ApiKey.organisation_id)
        .where(ApiKey.prefix == prefix)
    )
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1])


# Password resets


def get_password_reset(session: Session, reset_id: uuid.UUID) -> PasswordReset | None:
    return session.get(PasswordReset, reset_id)


def mark_reset_used(session: Session, reset_id: uuid.UUID, now: datetime) -> bool:
    """Use once: False when the link was used already (or by a concurrent request)."""
    stmt = (
        sa.update(PasswordReset)
        .where(PasswordReset.id == reset_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined,no-any-return]


def retire_resets(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    stmt = (
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    session.execute(stmt)


# Login attempts


def record_attempt(
    session: Session, email: str, client: str, now: datetime, *, succeeded: bool
) -> None:
    session.add(LoginAttempt(email=email, client=client, attempted_at=now, succeeded=succeeded))
    session.flush()


def email_failures_since(session: Session, email: str, since: datetime) -> list[datetime]:
    """Times of failed attempts for ``email`` after ``since`` and after its last success,
    oldest first."""
    last_success = (
        sa.select(sa.func.max(LoginAttempt.attempted_at))
        .where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True))
        .scalar_subquery()
    )
    stmt = (
        sa.select(LoginAttempt.attempted_at)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > since,
            sa.or_(last_success.is_(None), LoginAttempt.attempted_at > last_success),
        )
        .order_by(LoginAttempt.attempted_at)
    )
    return list(session.scalars(stmt))


def client_failures_since(session: Session, client: str, since: datetime) -> list[datetime]:
    stmt = (
        sa.select(LoginAttempt.attempted_at)
        .where(
            LoginAttempt.client == client,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > since,
        )
        .order_by(LoginAttempt.attempted_at)
    )
    return list(session.scalars(stmt))


def prune_attempts(session: Session, before: datetime) -> None:
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < before))


# Creator claims. Platform accounts belong to the creators domain; the portal only reads the
# handle, platform and stored bio of the account a creator names.


def find_platform_account(
    session: Session, platform: Platform, handle: str
) -> PlatformAccount | None:
    stmt = sa.select(PlatformAccount).where(
        PlatformAccount.platform == platform, PlatformAccount.handle == handle
    )
    return session.scalars(stmt).one_or_none()


def claims_of_user(
    session: Session, user_id: uuid.UUID
) -> list[tuple[CreatorClaim, PlatformAccount]]:
    stmt = (
        sa.select(CreatorClaim, PlatformAccount)
        .join(PlatformAccount, PlatformAccount.id == CreatorClaim.platform_account_id)
        .where(CreatorClaim.user_id == user_id)
        .order_by(CreatorClaim.created_at, CreatorClaim.id)
    )
    return [(claim, account) for claim, account in session.execute(stmt)]


def get_claim(
    session: Session, user_id: uuid.UUID, claim_id: uuid.UUID
) -> tuple[CreatorClaim, PlatformAccount] | None:
    stmt = (
        sa.select(CreatorClaim, PlatformAccount)
        .join(PlatformAccount, PlatformAccount.id == CreatorClaim.platform_account_id)
        .where(CreatorClaim.user_id == user_id, CreatorClaim.id == claim_id)
    )
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1])


def claim_for(session: Session, user_id: uuid.UUID, account_id: uuid.UUID) -> CreatorClaim | None:
    stmt = sa.select(CreatorClaim).where(
        CreatorClaim.user_id == user_id, CreatorClaim.platform_account_id == account_id
    )
    return session.scalars(stmt).one_or_none()


def verified_claim_for_account(session: Session, account_id: uuid.UUID) -> CreatorClaim | None:
    stmt = sa.select(CreatorClaim).where(
        CreatorClaim.platform_account_id == account_id,
        CreatorClaim.status == ClaimStatus.VERIFIED,
    )
    return session.scalars(stmt).first()


def count_resets_since(session: Session, user_id: uuid.UUID, since: datetime) -> int:
    stmt = sa.select(sa.func.count()).where(
        PasswordReset.user_id == user_id, PasswordReset.created_at > since
    )
    return session.scalar(stmt) or 0
