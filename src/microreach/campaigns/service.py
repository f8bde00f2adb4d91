"""Campaign rules: briefs (validated), status transitions, reads scoped to the organisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.campaigns import audit, repository
from microreach.campaigns.checks import normalise_tags
from microreach.campaigns.enums import CAMPAIGN_TRANSITIONS, CampaignStatus, MemberStatus
from microreach.campaigns.models import AuditEvent, Campaign, CampaignCreator
from microreach.campaigns.money import check_amount, check_currency
from microreach.campaigns.schemas import CampaignIn
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError

EDITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.ACTIVE})


def list_campaigns(session: Session, ctx: OrgContext) -> list[Campaign]:
    return repository.campaigns_of(session, ctx.organisation.id)


def get_campaign(
    session: Session, ctx: OrgContext, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign:
    campaign = repository.get_campaign(session, ctx.organisation.id, campaign_id, lock=lock)
    if campaign is None:
        raise NotFoundError(f"{ctx.organisation.name} has no campaign {campaign_id}.")
    return campaign


def brief_values(body: CampaignIn) -> dict[str, Any]:
    """The columns of a brief, checked: dates in order, budget, currency, tags, deliverables."""
    if body.ends_on < body.starts_on:
        raise InvalidError(
            f"The campaign ends ({body.ends_on}) before it starts ({body.starts_on}).",
            field="ends_on",
        )
    currency = check_currency(body.currency)
    check_amount(body.budget_minor, "budget_minor")
    name = body.name.strip()
    if not name:
        raise InvalidError("Give the campaign a name.", field="name")
    for index, spec in enumerate(body.deliverables):
        if spec.due_on is not None and not body.starts_on <= spec.due_on <= body.ends_on:
            raise InvalidError(
                f"Deliverable {index + 1} is due {spec.due_on}, outside the campaign's dates.",
                field=f"deliverables.{index}.due_on",
            )
    return {
        "name": name,
        "goal": body.goal,
        "starts_on": body.starts_on,
        "ends_on": body.ends_on,
        "budget_minor": body.budget_minor,
        "currency": currency,
        "required_hashtags": normalise_tags(body.required_hashtags, "#", "required_hashtags"),
        "required_mentions": normalise_tags(body.required_mentions, "@", "required_mentions"),
        "disclosure_required": body.disclosure_required,
        "guidelines": body.guidelines,
        "deliverables": [spec.model_dump(mode="json") for spec in body.deliverables],
        "default_terms": body.default_terms.model_dump() if body.default_terms else {},
    }


def create_campaign(session: Session, ctx: OrgContext, body: CampaignIn, now: datetime) -> Campaign:
    ctx.require_role(Role.MEMBER, "create campaigns")
    values = brief_values(body)
    campaign = repository.add(
        session,
        Campaign(
            organisation_id=ctx.organisation.id,
            created_by_id=ctx.user.id if ctx.user else None,
            created_at=now,
            updated_at=now,
            **values,
        ),
    )
    audit.record(
        session,
        ctx.organisation.id,
        campaign.id,
        ctx.user,
        "campaign.created",
        now,
        name=campaign.name,
    )
    return campaign


def update_campaign(
    session: Session, ctx: OrgContext, campaign_id: uuid.UUID, body: CampaignIn, now: datetime
) -> Campaign:
    ctx.require_role(Role.MEMBER, "edit campaigns")
    campaign = get_campaign(session, ctx, campaign_id, lock=True)
    if campaign.status not in EDITABLE:
        raise ConflictError(
            f"The campaign is {campaign.status.value}; only draft and active campaigns can be "
            "edited."
        )
    values = brief_values(body)
    changed = {
        key: _jsonable(value)
        for key, value in values.items()
        if _jsonable(getattr(campaign, key)) != _jsonable(value)
    }
    for key, value in values.items():
        setattr(campaign, key, value)
    campaign.updated_at = now
    session.flush()
    if changed:
        audit.record(
            session,
            ctx.organisation.id,
            campaign.id,
            ctx.user,
            "campaign.edited",
            now,
            changed=changed,
        )
    return campaign


def change_status(
    session: Session,
    ctx: OrgContext,
    campaign_id: uuid.UUID,
    status: CampaignStatus,
    now: datetime,
) -> Campaign:
    ctx.require_role(Role.MEMBER, "change a campaign's status")
    campaign = get_campaign(session, ctx, campaign_id, lock=True)
    allowed = CAMPAIGN_TRANSITIONS[campaign.status]
    if status not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "nothing (it is final)"
        raise ConflictError(
            f"The campaign is {campaign.status.value}; it cannot become {status.value}. "
            f"From {campaign.status.value} it can become: {options}.",
            field="status",
        )
    before = campaign.status
    campaign.status = status
    campaign.updated_at = now
    session.flush()
    audit.record(
        session,
        ctx.organisation.id,
        campaign.id,
        ctx.user,
        "campaign.status",
        now,
        before=before.value,
        after=status.value,
    )
    return campaign


def audit_log(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> list[AuditEvent]:
    """The campaign's audit events, newest first."""
    get_campaign(session, ctx, campaign_id)
    return repository.audit_events(session, ctx.organisation.id, campaign_id)


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A creator's place in a campaign, as other domains (links) read it."""

    member_id: uuid.UUID
    organisation_id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_name: str
    campaign_status: CampaignStatus
    creator_id: uuid.UUID
    platform_account_id: uuid.UUID
    status: MemberStatus


def campaign_members(
    session: Session, ctx: OrgContext, campaign_id: uuid.UUID, *, accepted_only: bool = False
) -> list[MemberRef]:
    """The creators invited to one of the organisation's campaigns (404 for another's)."""
    campaign = get_campaign(session, ctx, campaign_id)
    return [
        _member_ref(member, campaign)
        for member in repository.members_of(session, ctx.organisation.id, campaign_id)
        if not accepted_only or member.status is MemberStatus.ACCEPTED
    ]


def organisation_members(session: Session, ctx: OrgContext) -> list[MemberRef]:
    """Every creator invited to any of the organisation's campaigns, newest campaign first."""
    return [
        _member_ref(member, campaign)
        for campaign in list_campaigns(session, ctx)
        for member in repository.members_of(session, ctx.organisation.id, campaign.id)
    ]


def accepted_memberships_of_user(session: Session, user_id: uuid.UUID) -> list[MemberRef]:
    """The campaigns a creator user accepted, through the invitations bound to that user."""
    refs = []
    for member in repository.members_of_user(session, user_id):
        if member.status is not MemberStatus.ACCEPTED:
            continue
        campaign = repository.get_campaign(session, member.organisation_id, member.campaign_id)
        if campaign is not None:
            refs.append(_member_ref(member, campaign))
    return refs


def _member_ref(member: CampaignCreator, campaign: Campaign) -> MemberRef:
    return MemberRef(
        member_id=member.id,
        organisation_id=member.organisation_id,
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        campaign_status=campaign.status,
        creator_id=member.creator_id,
        platform_account_id=member.platform_account_id,
        status=member.status,
    )


def require_status(campaign: Campaign, allowed: frozenset[CampaignStatus], action: str) -> None:
    if campaign.status not in allowed:
        names = " or ".join(sorted(s.value for s in allowed))
        raise ConflictError(f"The campaign is {campaign.status.value}; {action} needs it {names}.")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def working_account_ids(session: Session) -> set[uuid.UUID]:
    """Platform accounts of creators invited to or working in a draft or active campaign, of
    any organisation (for system jobs such as the refresh scheduler, never for a request)."""
    return repository.member_account_ids(
        session,
        (MemberStatus.INVITED, MemberStatus.COUNTERED, MemberStatus.ACCEPTED),
        (CampaignStatus.DRAFT, CampaignStatus.ACTIVE),
    )
