"""Tables of the accounts domain: people, organisations, who belongs where, and credentials."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microreach.accounts.enums import ClaimStatus, OrganisationKind, Role, UserKind
from microreach.db.base import Base, PortableJSON, StrEnumType, UUIDPrimaryKey
from microreach.kit.clock import utcnow


class User(UUIDPrimaryKey, Base):
    """A person who signs in: a brand or agency user, or a creator using the portal."""

    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("email"),)

    # Normalised (trimmed, lower-case) before it is stored: unique regardless of case.
    email: Mapped[str] = mapped_column(sa.String(320))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[UserKind] = mapped_column(StrEnumType(UserKind), default=UserKind.BRAND_USER)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class Organisation(UUIDPrimaryKey, Base):
    """A brand, or an agency whose brands are organisations with ``parent_id`` set to it."""

    __tablename__ = "organisations"
    __table_args__ = (sa.UniqueConstraint("slug"),)

    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[OrganisationKind] = mapped_column(
        StrEnumType(OrganisationKind), default=OrganisationKind.BRAND
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(UUIDPrimaryKey, Base):
    """A user's role in one organisation."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(StrEnumType(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")


class Invitation(UUIDPrimaryKey, Base):
    """A membership waiting for its person: accepted through a signed link by the invited email."""

    __tablename__ = "invitations"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(320))
    role: Mapped[Role] = mapped_column(StrEnumType(Role))
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]


class UserSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The organisation the pages act on; changed by "switch organisation".
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sliding: moved forward on use, never past created_at + the absolute maximum.
    expires_at: Mapped[datetime] = mapped_column(index=True)
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship(lazy="raise")


class ApiKey(UUIDPrimaryKey, Base):
    """An organisation's key for the API. The secret is shown once; only its HMAC is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (sa.UniqueConstraint("prefix"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    # The public start of the key ("mr_ab12cd34"), shown in lists and used to find the row.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PasswordReset(UUIDPrimaryKey, Base):
    """One password reset link; the link is a signed token naming this row, used at most once."""

    __tablename__ = "password_resets"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginAttempt(UUIDPrimaryKey, Base):
    """One sign-in attempt, counted by email and by client for rate limiting across processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_email_attempted_at", "email", "attempted_at"),
        sa.Index("ix_login_attempts_client_attempted_at", "client", "attempted_at"),
        sa.Index("ix_login_attempts_attempted_at", "attempted_at"),
    )

    email: Mapped[str] = mapped_column(sa.String(320))
    # A keyed hash of the client address: enough to count, not enough to know who.
    client: Mapped[str] = mapped_column(sa.String(32))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)


class CreatorClaim(UUIDPrimaryKey, Base):
    """A creator user's claim to a platform account, verified by a code placed in its bio."""

    __tablename__ = "creator_claims"
    __table_args__ = (sa.UniqueConstraint("user_id", "platform_account_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    platform_account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ClaimStatus] = mapped_column(
        StrEnumType(ClaimStatus), default=ClaimStatus.PENDING
    )
    code: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]
