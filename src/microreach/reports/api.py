"""JSON routes of the reports domain: the campaign report, the organisation's tier comparison,
the EMV value table, and metrics of a campaign post entered by hand."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.kit.clock import utcnow
from microreach.reports import emv, service
from microreach.reports.comparison import Comparison
from microreach.reports.schemas import (
    BreakdownRow,
    CampaignRef,
    CampaignReportOut,
    ComparisonOut,
    CreatorOut,
    DayClicks,
    DayConversions,
    DayEngagements,
    EmvOut,
    EmvRateOut,
    EmvTableIn,
    EmvTableOut,
    ExcludedCampaign,
    Freshness,
    GroupOut,
    GrowthPoint,
    MetricsOut,
    PostCountsOut,
    PostMetricsIn,
    PostMetricsOut,
    PostOut,
    TierComparisonOut,
)
from microreach.web.auth import org_access, require_member
from microreach.web.deps import SessionDep
from microreach.web.errors import NOT_FOUND_RESPONSES, PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/api/v1", tags=["reports"])
Reader = Annotated[OrgContext, Depends(org_access(ApiScope.REPORTS_READ))]
Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Not signed in and no API key"},
    403: {"model": Problem, "description": "The key lacks reports:read, or the role is too low"},
    **NOT_FOUND_RESPONSES,
    **PROBLEM_RESPONSES,
}


@router.get("/campaigns/{campaign_id}/report", summary="A campaign's report", responses=RESPONSES)
def campaign_report(campaign_id: uuid.UUID, ctx: Reader, session: SessionDep) -> CampaignReportOut:
    """Every metric of the campaign, per creator, post, platform and tier, the time series and
    breakdowns, EMV as a range and the micro-versus-larger comparison (docs/metrics.md)."""
    return report_out(service.campaign_report(session, ctx, campaign_id))


@router.get(
    "/reports/tier-comparison",
    summary="Micro versus larger creators across the organisation's campaigns",
    responses=RESPONSES,
)
def tier_comparison(
    ctx: Reader,
    session: SessionDep,
    currency: Annotated[
        str | None, Query(max_length=3, description="ISO 4217; default: the most used.")
    ] = None,
) -> TierComparisonOut:
    result = service.tier_comparison(session, ctx, currency)
    return TierComparisonOut(
        currency=result.currency,
        campaigns=[CampaignRef(id=i, name=n) for i, n in result.campaigns],
        excluded=[ExcludedCampaign(id=i, name=n, reason=r) for i, n, r in result.excluded],
        creators=result.creators,
        comparisons=[_comparison(c) for c in result.comparisons],
        generated_at=result.generated_at,
    )


@router.get("/reports/emv-table", summary="The EMV value table", responses=RESPONSES)
def get_emv_table(
    ctx: Reader,
    session: SessionDep,
    currency: Annotated[str, Query(max_length=3, description="ISO 4217.")] = "EUR",
) -> EmvTableOut:
    """The value of 1,000 actions per platform, low and high, in minor units of ``currency``:
    the default rows (USD, EUR, GBP) overlaid by the organisation's own."""
    return _table_out(service.emv_table(session, ctx, currency), currency.upper())


@router.put("/reports/emv-table", summary="Set the EMV value table", responses=RESPONSES)
def put_emv_table(body: EmvTableIn, ctx: Member, session: SessionDep) -> EmvTableOut:
    """Replace the organisation's rows for one currency (admins); an empty list restores the
    defaults."""
    return _table_out(service.set_emv_table(session, ctx, body, utcnow()), body.currency.upper())


@router.post(
    "/campaigns/{campaign_id}/posts/{post_id}/metrics",
    summary="Record a campaign post's metrics by hand",
    status_code=201,
    responses={
        409: {"model": Problem, "description": "A snapshot exists at that time"},
        **RESPONSES,
    },
)
def record_post_metrics(
    campaign_id: uuid.UUID,
    post_id: uuid.UUID,
    body: PostMetricsIn,
    ctx: Member,
    session: SessionDep,
) -> PostMetricsOut:
    """A snapshot with source "manual" for a post matched to one of the campaign's
    deliverables; counts left out stay unknown."""
    row = service.record_post_metrics(session, ctx, campaign_id, post_id, body, utcnow())
    return PostMetricsOut(
        post_id=row.post_id,
        captured_at=row.captured_at,
        source=row.source,
        likes=row.likes,
        comments=row.comments,
        shares=row.shares,
        saves=row.saves,
        views=row.views,
        reach=row.reach,
        impressions=row.impressions,
    )


def _table_out(table: emv.ValueTable | None, currency: str) -> EmvTableOut:
    rates = []
    if table is not None:
        for (platform, action), rate in sorted(table.rates.items()):
            rates.append(
                EmvRateOut(
                    platform=platform,
                    action=action,
                    low_per_1000=rate.low,
                    high_per_1000=rate.high,
                    source=table.sources[(platform, action)],
                )
            )
    return EmvTableOut(
        currency=table.currency if table else currency,
        formula=service.EMV_FORMULA,
        basis=emv.DEFAULT_BASIS,
        rates=rates,
    )


def _emv(value: emv.Emv | None) -> EmvOut | None:
    return (
        None if value is None else EmvOut(low=value.low, high=value.high, valued=list(value.valued))
    )


def _comparison(c: Comparison) -> ComparisonOut:
    return ComparisonOut.model_validate(c, from_attributes=True)


def report_out(report: service.CampaignReport) -> CampaignReportOut:
    def metrics(m: object) -> MetricsOut:
        return MetricsOut.model_validate(m, from_attributes=True)

    return CampaignReportOut(
        campaign_id=report.campaign_id,
        name=report.name,
        status=report.status,
        currency=report.currency,
        generated_at=report.generated_at,
        freshness=Freshness(
            data_as_of=report.data_as_of,
            clicks_until=report.clicks_until,
            newest_snapshot=report.newest_snapshot,
            newest_conversion=report.newest_conversion,
        ),
        metrics=metrics(report.overall),
        emv=_emv(report.emv),
        creators=[
            CreatorOut(
                creator_id=c.creator_id,
                handle=c.handle,
                platform=c.platform,
                followers=c.followers,
                tier=c.tier,
                group=c.group,
                gifted_only=c.gifted_only,
                deliverables=c.deliverables,
                missed=c.missed,
                fee_committed=c.fee_committed,
                fee_performance=c.fee_performance,
                gift_value=c.gift_value,
                metrics=metrics(c.metrics),
                emv=_emv(c.emv),
            )
            for c in report.creators
        ],
        posts=[
            PostOut(
                post_id=p.post_id,
                creator_id=p.creator_id,
                handle=p.handle,
                platform=p.platform,
                url=p.url,
                posted_at=p.posted_at,
                deleted=p.deleted,
                counts=PostCountsOut.model_validate(p.counts, from_attributes=True),
                engagements=p.engagements,
                engagement_rate_followers=p.engagement_rate_followers,
                engagement_rate_views=p.engagement_rate_views,
                reach=p.reach,
                reach_estimated=p.reach_estimated,
                captured_at=p.captured_at,
                source=p.source,
                growth=[GrowthPoint(captured_at=at, engagements=v) for at, v in p.growth],
            )
            for p in report.posts
        ],
        platforms=[
            GroupOut(key=g.key, metrics=metrics(g.metrics), emv=_emv(g.emv))
            for g in report.platforms
        ],
        tiers=[
            GroupOut(key=g.key, metrics=metrics(g.metrics), emv=_emv(g.emv)) for g in report.tiers
        ],
        clicks_by_day=[DayClicks(day=d, human=h, bots=b) for d, h, b in report.clicks_by_day],
        engagements_by_day=[
            DayEngagements(day=d, engagements=v) for d, v in report.engagements_by_day
        ],
        conversions_by_day=[
            DayConversions(day=d, conversions=n, revenue=r) for d, n, r in report.conversions_by_day
        ],
        breakdowns={
            dim: [BreakdownRow(value=v, human=h, bots=b) for v, h, b in rows]
            for dim, rows in report.breakdowns.items()
        },
        tier_comparison=[_comparison(c) for c in report.comparisons],
        other_currency_revenue=report.other_currency_revenue,
        notes=list(report.notes),
    )
