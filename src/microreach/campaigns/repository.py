"""Every query of the campaigns domain. Organisation-owned rows are read through the
organisation's id; a creator reaches rows only through an invitation bound to their user."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.campaigns.enums import CampaignStatus, DeliverableStatus, MemberStatus
from microreach.campaigns.models import (
    AuditEvent,
    Campaign,
    CampaignCreator,
    ContentDraft,
    Deliverable,
    DraftComment,
)
from microreach.db.base import Base

T = TypeVar("T", bound=Base)


def add(session: Session, row: T) -> T:
    session.add(row)
    session.flush()
    return row


# Campaigns


def campaigns_of(session: Session, organisation_id: uuid.UUID) -> list[Campaign]:
    query = (
        sa.select(Campaign)
        .where(Campaign.organisation_id == organisation_id)
        .order_by(Campaign.created_at.desc(), Campaign.id)
    )
    return list(session.scalars(query))


def get_campaign(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign | None:
    query = sa.select(Campaign).where(
        Campaign.organisation_id == organisation_id, Campaign.id == campaign_id
    )
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


# Invited creators


def members_of(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[CampaignCreator]:
    query = (
        sa.select(CampaignCreator)
        .where(
            CampaignCreator.organisation_id == organisation_id,
            CampaignCreator.campaign_id == campaign_id,
        )
        .order_by(CampaignCreator.invited_at, CampaignCreator.id)
    )
    return list(session.scalars(query))


def get_member(
    session: Session, organisation_id: uuid.UUID, member_id: uuid.UUID
) -> CampaignCreator | None:
    query = sa.select(CampaignCreator).where(
        CampaignCreator.organisation_id == organisation_id, CampaignCreator.id == member_id
    )
    return session.scalars(query).one_or_none()


def member_for_token(session: Session, member_id: uuid.UUID) -> CampaignCreator | None:
    """The invitation a signed link names: the signature, checked before, is the authority."""
    return session.get(CampaignCreator, member_id)


def member_by_account(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID, account_id: uuid.UUID
) -> CampaignCreator | None:
    query = sa.select(CampaignCreator).where(
        CampaignCreator.organisation_id == organisation_id,
        CampaignCreator.campaign_id == campaign_id,
        CampaignCreator.platform_account_id == account_id,
    )
    return session.scalars(query).one_or_none()


def members_of_user(session: Session, user_id: uuid.UUID) -> list[CampaignCreator]:
    query = (
        sa.select(CampaignCreator)
        .where(CampaignCreator.user_id == user_id)
        .order_by(CampaignCreator.invited_at.desc(), CampaignCreator.id)
    )
    return list(session.scalars(query))


def member_of_user(
    session: Session, user_id: uuid.UUID, member_id: uuid.UUID
) -> CampaignCreator | None:
    query = sa.select(CampaignCreator).where(
        CampaignCreator.user_id == user_id, CampaignCreator.id == member_id
    )
    return session.scalars(query).one_or_none()


def use_token(session: Session, member_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> bool:
    """Spend an invitation link and bind the creator; False when it was spent already."""
    result = session.execute(
        sa.update(CampaignCreator)
        .where(CampaignCreator.id == member_id, CampaignCreator.token_used_at.is_(None))
        .values(token_used_at=now, user_id=user_id)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return bool(getattr(result, "rowcount", 0) == 1)


# Deliverables, drafts and comments


def deliverables_of(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[Deliverable]:
    query = (
        sa.select(Deliverable)
        .where(
            Deliverable.organisation_id == organisation_id,
            Deliverable.campaign_id == campaign_id,
        )
        .order_by(Deliverable.member_id, Deliverable.due_on, Deliverable.kind, Deliverable.id)
    )
    return list(session.scalars(query))


def deliverables_of_member(
    session: Session, organisation_id: uuid.UUID, member_id: uuid.UUID
) -> list[Deliverable]:
    query = (
        sa.select(Deliverable)
        .where(Deliverable.organisation_id == organisation_id, Deliverable.member_id == member_id)
        .order_by(Deliverable.due_on, Deliverable.kind, Deliverable.id)
    )
    return list(session.scalars(query))


def get_deliverable(
    session: Session, organisation_id: uuid.UUID, deliverable_id: uuid.UUID
) -> Deliverable | None:
    query = sa.select(Deliverable).where(
        Deliverable.organisation_id == organisation_id, Deliverable.id == deliverable_id
    )
    return session.scalars(query).one_or_none()


def drafts_of(
    session: Session, organisation_id: uuid.UUID, deliverable_ids: Sequence[uuid.UUID]
) -> list[ContentDraft]:
    if not deliverable_ids:
        return []
    query = (
        sa.select(ContentDraft)
        .where(
            ContentDraft.organisation_id == organisation_id,
            ContentDraft.deliverable_id.in_(deliverable_ids),
        )
        .order_by(ContentDraft.deliverable_id, ContentDraft.version.desc())
    )
    return list(session.scalars(query))


def get_draft(
    session: Session, organisation_id: uuid.UUID, draft_id: uuid.UUID
) -> ContentDraft | None:
    query = sa.select(ContentDraft).where(
        ContentDraft.organisation_id == organisation_id, ContentDraft.id == draft_id
    )
    return session.scalars(query).one_or_none()


def last_draft_version(
    session: Session, organisation_id: uuid.UUID, deliverable_id: uuid.UUID
) -> int:
    query = sa.select(sa.func.max(ContentDraft.version)).where(
        ContentDraft.organisation_id == organisation_id,
        ContentDraft.deliverable_id == deliverable_id,
    )
    return session.scalar(query) or 0


def comments_of(
    session: Session, organisation_id: uuid.UUID, draft_ids: Sequence[uuid.UUID]
) -> list[DraftComment]:
    if not draft_ids:
        return []
    query = (
        sa.select(DraftComment)
        .where(
            DraftComment.organisation_id == organisation_id,
            DraftComment.draft_id.in_(draft_ids),
        )
        .order_by(DraftComment.created_at, DraftComment.id)
    )
    return list(session.scalars(query))


# Audit log: append and read, nothing else.


def audit_events(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[AuditEvent]:
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.organisation_id == organisation_id, AuditEvent.campaign_id == campaign_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id)
    )
    return list(session.scalars(query))


# System jobs (campaigns.tasks): across organisations, never reached from a request.


def overdue_deliverables(
    session: Session,
    due_before: date,
    statuses: Sequence[DeliverableStatus],
    campaign_statuses: Sequence[CampaignStatus],
    limit: int = 1000,
) -> list[Deliverable]:
    """Deliverables due before ``due_before`` still in ``statuses``, of campaigns in
    ``campaign_statuses``, locked for this transaction (rows another run holds are skipped)."""
    query = (
        sa.select(Deliverable)
        .join(Campaign, Campaign.id == Deliverable.campaign_id)
        .where(
            Deliverable.due_on < due_before,
            Deliverable.status.in_(list(statuses)),
            Campaign.status.in_(list(campaign_statuses)),
        )
        .order_by(Deliverable.due_on, Deliverable.id)
        .limit(limit)
        .with_for_update(of=Deliverable, skip_locked=True)
    )
    return list(session.scalars(query))


def member_account_ids(
    session: Session,
    member_statuses: Sequence[MemberStatus],
    campaign_statuses: Sequence[CampaignStatus],
) -> set[uuid.UUID]:
    """Platform accounts invited to or working in campaigns of those statuses (all
    organisations: the refresh scheduler's priority group)."""
    query = (
        sa.select(CampaignCreator.platform_account_id)
        .join(Campaign, Campaign.id == CampaignCreator.campaign_id)
        .where(
            CampaignCreator.status.in_(list(member_statuses)),
            Campaign.status.in_(list(campaign_statuses)),
        )
        .distinct()
    )
    return set(session.scalars(query))
