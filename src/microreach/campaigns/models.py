"""Tables of the campaigns domain. Every row carries ``organisation_id``: the repository reads
each table through it, so one organisation's campaigns never reach another."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.campaigns.enums import (
    CampaignStatus,
    DeliverableKind,
    DeliverableStatus,
    DraftDecision,
    Goal,
    MemberStatus,
)
from microreach.db.base import Base, PortableJSON, StrEnumType, UUIDPrimaryKey
from microreach.kit.clock import utcnow


def _org() -> Mapped[uuid.UUID]:
    return mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)


class Campaign(UUIDPrimaryKey, Base):
    """A brief: goal, dates, budget, requirements and deliverables per creator."""

    __tablename__ = "campaigns"
    __table_args__ = (
        sa.CheckConstraint("budget_minor >= 0", name="budget_not_negative"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
    )

    organisation_id: Mapped[uuid.UUID] = _org()
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[CampaignStatus] = mapped_column(
        StrEnumType(CampaignStatus), default=CampaignStatus.DRAFT
    )
    goal: Mapped[Goal] = mapped_column(StrEnumType(Goal))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    budget_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    required_hashtags: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    required_mentions: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    disclosure_required: Mapped[bool] = mapped_column(default=True)
    guidelines: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"kind": "reel", "count": 1}, ...]: what each creator delivers.
    deliverables: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    # The terms offered by default (see schemas.Terms), in minor units of ``currency``.
    default_terms: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignCreator(UUIDPrimaryKey, Base):
    """A creator's account invited to a campaign, the terms on the table and the answer."""

    __tablename__ = "campaign_creators"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "platform_account_id"),)

    organisation_id: Mapped[uuid.UUID] = _org()
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    creator_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("creators.id", ondelete="CASCADE"), index=True
    )
    platform_account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(sa.String(320))
    status: Mapped[MemberStatus] = mapped_column(
        StrEnumType(MemberStatus), default=MemberStatus.INVITED
    )
    terms: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    counter_terms: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    counter_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The creator user who answered through the link; the portal acts as them afterwards.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    invite_expires_at: Mapped[datetime]
    token_used_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]


class Deliverable(UUIDPrimaryKey, Base):
    """One piece of content a creator owes (a reel, a story), its state and its live post."""

    __tablename__ = "deliverables"

    organisation_id: Mapped[uuid.UUID] = _org()
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("campaign_creators.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DeliverableKind] = mapped_column(StrEnumType(DeliverableKind))
    due_on: Mapped[date]
    status: Mapped[DeliverableStatus] = mapped_column(
        StrEnumType(DeliverableStatus), default=DeliverableStatus.PENDING
    )
    post_url: Mapped[str | None] = mapped_column(sa.String(500))
    platform_post_id: Mapped[str | None] = mapped_column(sa.String(100))
    # The stored post, when microreach has it; otherwise the URL and the caption given.
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="SET NULL")
    )
    caption: Mapped[str | None] = mapped_column(sa.Text)
    # The last compliance check: {"passed", "missing_hashtags", "missing_mentions", ...}.
    compliance: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    posted_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContentDraft(UUIDPrimaryKey, Base):
    """One version of a deliverable's content sent for approval: text and an optional file."""

    __tablename__ = "content_drafts"

    organisation_id: Mapped[uuid.UUID] = _org()
    deliverable_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("deliverables.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    # Relative to <data dir>/uploads; served only to the organisation and the creator.
    media_path: Mapped[str | None] = mapped_column(sa.String(300))
    media_type: Mapped[str | None] = mapped_column(sa.String(100))
    media_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    media_name: Mapped[str | None] = mapped_column(sa.String(200))
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DraftComment(UUIDPrimaryKey, Base):
    """A reviewer's comment on a draft, with the decision it carried."""

    __tablename__ = "draft_comments"

    organisation_id: Mapped[uuid.UUID] = _org()
    draft_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("content_drafts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    author: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    decision: Mapped[DraftDecision] = mapped_column(StrEnumType(DraftDecision))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(UUIDPrimaryKey, Base):
    """Who changed what in a campaign. Append-only: the repository never updates or deletes."""

    __tablename__ = "campaign_audit_events"
    __table_args__ = (sa.Index("ix_campaign_audit_events_campaign_at", "campaign_id", "at"),)

    organisation_id: Mapped[uuid.UUID] = _org()
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
