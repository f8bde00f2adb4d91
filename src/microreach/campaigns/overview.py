"""Everything the campaign page shows, read in one call: brief, creators and their states,
deliverables, drafts with comments, the ledger and the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.campaigns import deliverables, invitations, ledger, service
from microreach.campaigns.models import AuditEvent, Campaign, Deliverable
from microreach.campaigns.schemas import DraftOut, LedgerLine, MemberOut


@dataclass(frozen=True, slots=True)
class CampaignPage:
    campaign: Campaign
    members: list[MemberOut]
    deliverables: list[Deliverable]
    drafts: list[DraftOut]
    ledger: list[LedgerLine]
    audit: list[AuditEvent]


def campaign_page(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> CampaignPage:
    campaign = service.get_campaign(session, ctx, campaign_id)
    items = deliverables.deliverables(session, ctx, campaign_id)
    return CampaignPage(
        campaign=campaign,
        members=invitations.members(session, ctx, campaign_id),
        deliverables=items,
        drafts=deliverables.drafts_for(session, ctx.organisation.id, [d.id for d in items]),
        ledger=ledger.campaign_ledger(session, ctx, campaign_id),
        audit=service.audit_log(session, ctx, campaign_id),
    )
