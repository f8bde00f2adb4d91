"""The earnings ledger: what each creator earned in a campaign, and the CSV payout export.

Definitions (docs/metrics.md, Campaign earnings), all in integer minor units:
- fixed earned = flat fee x verified deliverables // deliverables (the whole fee once every
  deliverable is verified; a campaign without deliverables earns the fee when it completes);
- performance earned = clicks x per click + conversions x per conversion
  + revenue x commission_bp // 10,000, from ``performance.attributed_performance``;
- gifts are listed with their value but are not cash: they are not in the total.
No payment is made: the export is for the brand's own payout run.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.models import User
from microreach.campaigns import repository, service
from microreach.campaigns.enums import CampaignStatus, DeliverableStatus, MemberStatus
from microreach.campaigns.models import Campaign, CampaignCreator, Deliverable
from microreach.campaigns.money import plain_amount
from microreach.campaigns.performance import attributed_performance
from microreach.campaigns.schemas import LedgerLine, Terms
from microreach.creators import service as creators_service

BASIS_POINTS = 10_000
CSV_COLUMNS = (
    "campaign",
    "creator_id",
    "platform",
    "handle",
    "email",
    "currency",
    "agreed_fee",
    "deliverables",
    "verified",
    "fixed_earned",
    "clicks",
    "conversions",
    "revenue",
    "performance_earned",
    "total_earned",
    "gift",
    "gift_value",
)


def fixed_earned(flat_fee: int, verified: int, total: int, completed: bool) -> int:
    if total == 0:
        return flat_fee if completed else 0
    return flat_fee * verified // total


def performance_earned(terms: Terms, clicks: int, conversions: int, revenue: int) -> int:
    commission = revenue * terms.commission_bp // BASIS_POINTS
    return clicks * terms.per_click + conversions * terms.per_conversion + commission


def campaign_ledger(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> list[LedgerLine]:
    campaign = service.get_campaign(session, ctx, campaign_id)
    members = repository.members_of(session, ctx.organisation.id, campaign.id)
    items = repository.deliverables_of(session, ctx.organisation.id, campaign.id)
    return _lines(session, campaign, members, items)


def creator_ledger(session: Session, user: User) -> list[tuple[str, LedgerLine]]:
    """The creator's lines across campaigns, with each campaign's name."""
    lines = []
    for member in repository.members_of_user(session, user.id):
        campaign = repository.get_campaign(session, member.organisation_id, member.campaign_id)
        if campaign is None or member.status is not MemberStatus.ACCEPTED:
            continue
        items = repository.deliverables_of_member(session, member.organisation_id, member.id)
        lines += [(campaign.name, line) for line in _lines(session, campaign, [member], items)]
    return lines


def _lines(
    session: Session,
    campaign: Campaign,
    members: list[CampaignCreator],
    items: list[Deliverable],
) -> list[LedgerLine]:
    accepted = [m for m in members if m.status is MemberStatus.ACCEPTED]
    accounts = creators_service.accounts_by_ids(session, [m.platform_account_id for m in accepted])
    completed = campaign.status in (CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED)
    lines = []
    for member in accepted:
        terms = Terms.model_validate(member.terms)
        own = [d for d in items if d.member_id == member.id]
        verified = sum(1 for d in own if d.status is DeliverableStatus.VERIFIED)
        done = attributed_performance(
            session, campaign.organisation_id, campaign.id, member.creator_id, campaign.currency
        )
        fixed = fixed_earned(terms.flat_fee, verified, len(own), completed)
        performance = performance_earned(terms, done.clicks, done.conversions, done.revenue_minor)
        account = accounts.get(member.platform_account_id)
        lines.append(
            LedgerLine(
                member_id=member.id,
                creator_id=member.creator_id,
                handle=account.handle if account else "",
                platform=account.platform.value if account else "",
                email=member.email,
                currency=campaign.currency,
                agreed_fee=terms.flat_fee,
                deliverables=len(own),
                verified=verified,
                fixed_earned=fixed,
                clicks=done.clicks,
                conversions=done.conversions,
                revenue=done.revenue_minor,
                performance_earned=performance,
                total_earned=fixed + performance,
                gift=terms.gift,
                gift_value=terms.gift_value,
            )
        )
    return lines


def payout_csv(campaign_name: str, lines: Iterable[LedgerLine]) -> str:
    """One row per creator; amounts as decimals in the campaign's currency (no floats)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        money = {
            key: plain_amount(getattr(line, key), line.currency)
            for key in (
                "agreed_fee",
                "fixed_earned",
                "revenue",
                "performance_earned",
                "total_earned",
                "gift_value",
            )
        }
        writer.writerow(
            [
                _safe(campaign_name),
                line.creator_id,
                line.platform,
                _safe(line.handle),
                _safe(line.email),
                line.currency,
                money["agreed_fee"],
                line.deliverables,
                line.verified,
                money["fixed_earned"],
                line.clicks,
                line.conversions,
                money["revenue"],
                money["performance_earned"],
                money["total_earned"],
                _safe(line.gift),
                money["gift_value"],
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """Defuse spreadsheet formulas (CSV injection): a leading = + - @ becomes text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
