"""Tables of the connectors domain: OAuth connections and attempts, daily API quota use,
refresh state."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.connectors.enums import ConnectionStatus
from microreach.creators.enums import Platform
from microreach.db.base import Base, PortableJSON, StrEnumType, Timestamps, UUIDPrimaryKey
from microreach.kit.clock import utcnow


class PlatformConnection(UUIDPrimaryKey, Timestamps, Base):
    """A creator's authorisation of one platform account; tokens only ever stored encrypted."""

    __tablename__ = "platform_connections"

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), unique=True
    )
    platform: Mapped[Platform] = mapped_column(StrEnumType(Platform))
    # The platform's id of the person who authorised (IG user id, TikTok open_id, channel id).
    external_user_id: Mapped[str] = mapped_column(sa.String(100))
    access_token: Mapped[str] = mapped_column(sa.Text)  # Fernet token (connectors.tokens)
    refresh_token: Mapped[str | None] = mapped_column(sa.Text)
    expires_at: Mapped[datetime | None]
    refresh_expires_at: Mapped[datetime | None]
    scopes: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    status: Mapped[ConnectionStatus] = mapped_column(
        StrEnumType(ConnectionStatus), default=ConnectionStatus.ACTIVE
    )
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # The creator user who connected from the portal (None for connections made otherwise).
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    connected_at: Mapped[datetime | None]


class OAuthAttempt(UUIDPrimaryKey, Base):
    """One press of a connect button: what its callback must match. The `state` sent to the
    platform is a signed, expiring token naming this row; the row binds it to the person's
    server-side session and is spent by the first callback (`used_at`)."""

    __tablename__ = "oauth_attempts"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[str] = mapped_column(
        sa.String(64), sa.ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[Platform] = mapped_column(StrEnumType(Platform))
    verifier: Mapped[str | None] = mapped_column(sa.Text)  # PKCE verifier, Fernet-encrypted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiQuotaUsage(Base):
    """Units of a platform's daily quota spent on one quota day (the platform's day)."""

    __tablename__ = "api_quota_usage"

    platform: Mapped[Platform] = mapped_column(StrEnumType(Platform), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    units: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AccountRefreshState(Base):
    """When an account was last tried, what went wrong and when to try again."""

    __tablename__ = "account_refresh_state"

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    last_attempt_at: Mapped[datetime]
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
