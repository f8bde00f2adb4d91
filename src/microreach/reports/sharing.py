"""Read-only links to a campaign report: the ``report_shares`` table, its queries and rules.

A link carries 256 random bits; the table keeps only their HMAC-SHA256 under the installation
key (like API keys), so a database leak yields no usable link and rotating the key ends every
link. A random token rather than a ``kit.signing`` token: expiry and revocation must live in a
row anyway, and a random token says nothing about that row to whoever holds the link. Expired,
revoked and unknown links are all 404s.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.accounts.models import Organisation, User
from microreach.campaigns import service as campaigns_service
from microreach.config import Settings
from microreach.db.base import Base, UUIDPrimaryKey
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError, NotFoundError

SHARED_PATH = "/reports/shared"
DEFAULT_DAYS = 30
MAX_DAYS = 365
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_PURPOSE = b"microreach:report-share"


class ReportShare(UUIDPrimaryKey, Base):
    """A read-only link to one campaign's report, until it expires or is revoked."""

    __tablename__ = "report_shares"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def status_of(share: ReportShare, now: datetime) -> ShareStatus:
    if share.revoked_at is not None:
        return ShareStatus.REVOKED
    return ShareStatus.EXPIRED if share.expires_at <= now else ShareStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class NewShare:
    share: ReportShare
    token: str
    """Shown once; only its digest is stored."""
    url: str


@dataclass(frozen=True, slots=True)
class OpenShare:
    share: ReportShare
    ctx: OrgContext
    """The sharing organisation, read-only (no user, viewer role)."""


def token_digest(secret_key: str, token: str) -> str:
    key = hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def share_url(settings: Settings, token: str) -> str:
    return f"{settings.resolved_public_url.rstrip('/')}{SHARED_PATH}/{token}"


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidError(f"{days} is not a number of days from 1 to {MAX_DAYS}.", field="days")
    return days


def _require_sharer(ctx: OrgContext) -> None:
    # An API key with reports:read may share what it can read; a person needs the member role.
    if ctx.api_key is None:
        ctx.require_role(Role.MEMBER, "share or revoke report links")


def create_share(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    campaign_id: uuid.UUID,
    days: int,
    now: datetime,
) -> NewShare:
    """A new link to the campaign's report, valid for ``days``."""
    _require_sharer(ctx)
    check_days(days)
    campaign = campaigns_service.get_campaign(session, ctx, campaign_id)
    token = secrets.token_urlsafe(32)
    share = ReportShare(
        organisation_id=ctx.organisation.id,
        campaign_id=campaign.id,
        token_hash=token_digest(settings.secret_key or "", token),
        expires_at=now + timedelta(days=days),
        created_by_id=ctx.user.id if ctx.user is not None else None,
        created_at=now,
    )
    session.add(share)
    session.flush()
    return NewShare(share, token, share_url(settings, token))


@dataclass(frozen=True, slots=True)
class ListedShare:
    share: ReportShare
    created_by: str | None
    """The email of the member who made it; None for an API key or a removed user."""


def list_shares(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> list[ListedShare]:
    """The campaign's links, newest first (active, expired and revoked)."""
    campaigns_service.get_campaign(session, ctx, campaign_id)
    query = (
        sa.select(ReportShare, User.email)
        .outerjoin(User, User.id == ReportShare.created_by_id)
        .where(
            ReportShare.organisation_id == ctx.organisation.id,
            ReportShare.campaign_id == campaign_id,
        )
        .order_by(ReportShare.created_at.desc(), ReportShare.id)
    )
    return [ListedShare(share, email) for share, email in session.execute(query)]


def creator_email(session: Session, share: ReportShare) -> str | None:
    if share.created_by_id is None:
        return None
    return session.scalar(sa.select(User.email).where(User.id == share.created_by_id))


def get_share(session: Session, ctx: OrgContext, share_id: uuid.UUID) -> ReportShare:
    query = sa.select(ReportShare).where(
        ReportShare.organisation_id == ctx.organisation.id, ReportShare.id == share_id
    )
    share = session.scalars(query).one_or_none()
    if share is None:
        raise NotFoundError(f"{ctx.organisation.name} has no report link {share_id}.")
    return share


def revoke_share(
    session: Session, ctx: OrgContext, share_id: uuid.UUID, now: datetime
) -> ReportShare:
    """Ends the link now; revoking a revoked link keeps the first time."""
    _require_sharer(ctx)
    share = get_share(session, ctx, share_id)
    if share.revoked_at is None:
        share.revoked_at = now
        session.flush()
    return share


def open_share(session: Session, settings: Settings, token: str, now: datetime) -> OpenShare:
    """The share a link names, while it is valid; NotFoundError (404) saying why otherwise."""
    share = None
    if TOKEN_PATTERN.fullmatch(token):
        digest = token_digest(settings.secret_key or "", token)
        query = sa.select(ReportShare).where(ReportShare.token_hash == digest)
        share = session.scalars(query).one_or_none()
    if share is None:
        raise NotFoundError("This report link does not exist. Check that it was copied whole.")
    status = status_of(share, now)
    if status is ShareStatus.REVOKED:
        raise NotFoundError("This report link was revoked. Ask whoever shared it for a new one.")
    if status is ShareStatus.EXPIRED:
        raise NotFoundError(
            f"This report link expired on {share.expires_at:%Y-%m-%d}. "
            "Ask whoever shared it for a new one."
        )
    organisation = session.get(Organisation, share.organisation_id)
    if organisation is None:  # pragma: no cover - the foreign key cascades
        raise NotFoundError("This report link does not exist.")
    return OpenShare(share, OrgContext(organisation, role=Role.VIEWER))
