"""Campaign reports: every figure from reports.definitions, over the rollup read model.

`campaign_report` answers a `CampaignReportQuery` through the cached runner and returns a
`CampaignReport` (plain numbers); `campaign_document` turns it into the `ReportDocument` every
renderer reads. `tier_comparison` pools the creators of an organisation's campaigns in one
currency. Figures are defined in docs/metrics.md (Campaign metrics).
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.campaigns import service as campaigns_service
from microreach.campaigns.money import CURRENCIES, check_currency
from microreach.creators.enums import Platform
from microreach.kit.clock import as_utc, utcnow
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError
from microreach.reports import comparison, definitions, repository
from microreach.reports import emv as valuation
from microreach.reports.definitions import Metrics, PostCounts, Totals
from microreach.reports.document import ReportDocument
from microreach.reports.runner import (
    CachedRunner,
    CampaignReportQuery,
    OrgTierComparisonQuery,
    SqlRunner,
)
from microreach.reports.schemas import EmvTableIn, PostMetricsIn
from microreach.science.tiers import tier_for

ACCEPTED = "accepted"
MISSED = "missed"
MICRO = "micro"
LARGER_TIERS = frozenset({"mid", "macro", "mega"})
TOP = 10
GROWTH_POSTS = 10
TierGroup = Literal["nano", "micro", "larger"]


# The report (plain numbers; cached)


@dataclass(frozen=True, slots=True)
class PostLine:
    post_id: uuid.UUID
    creator_id: uuid.UUID
    handle: str
    platform: str
    url: str | None
    post_type: str
    posted_at: datetime
    deleted: bool
    counts: PostCounts
    engagements: int | None
    engagement_rate_followers: float | None
    engagement_rate_views: float | None
    reach: int
    reach_estimated: bool
    snapshots: int
    captured_at: datetime | None
    source: str | None
    growth: tuple[tuple[datetime, int | None], ...]
    """(capture time, engagements) of every snapshot, oldest first: the growth curve; kept
    for the GROWTH_POSTS posts with the most engagements, empty for the others."""


@dataclass(frozen=True, slots=True)
class CreatorLine:
    creator_id: uuid.UUID
    handle: str
    platform: str
    followers: int
    tier: str
    group: TierGroup
    gifted_only: bool
    deliverables: int
    missed: int
    fee_committed: int
    fee_performance: int
    gift_value: int
    totals: Totals
    metrics: Metrics
    emv: valuation.Emv | None


@dataclass(frozen=True, slots=True)
class GroupLine:
    key: str
    metrics: Metrics
    emv: valuation.Emv | None


@dataclass(frozen=True, slots=True)
class CampaignReport:
    campaign_id: uuid.UUID
    name: str
    status: str
    currency: str
    starts_on: date
    ends_on: date
    generated_at: datetime
    data_as_of: datetime | None
    clicks_until: datetime | None
    newest_snapshot: datetime | None
    newest_conversion: datetime | None
    overall: Metrics
    emv: valuation.Emv | None
    emv_table: valuation.ValueTable | None
    creators: tuple[CreatorLine, ...]
    posts: tuple[PostLine, ...]
    platforms: tuple[GroupLine, ...]
    tiers: tuple[GroupLine, ...]
    clicks_by_day: tuple[tuple[date, int, int], ...]
    engagements_by_day: tuple[tuple[date, int], ...]
    conversions_by_day: tuple[tuple[date, int, int], ...]
    breakdowns: dict[str, tuple[tuple[str, int, int], ...]]
    comparisons: tuple[comparison.Comparison, ...]
    other_currency_revenue: dict[str, int]
    unmatched_deliverables: int
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class OrgComparison:
    currency: str
    campaigns: tuple[tuple[uuid.UUID, str], ...]
    excluded: tuple[tuple[uuid.UUID, str, str], ...]
    creators: int
    comparisons: tuple[comparison.Comparison, ...]
    generated_at: datetime


def tier_group(followers: int) -> tuple[str, TierGroup]:
    """The brief's tier name and its comparison group (micro: 1K-100K; larger: 100K+)."""
    name = tier_for(followers, None, "brief").name
    if name == MICRO:
        return name, "micro"
    return name, "larger" if name in LARGER_TIERS else "nano"


# Entry points


RUNNER = SqlRunner()
CACHE = CachedRunner(RUNNER)


def campaign_report(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> CampaignReport:
    _require_read(ctx)
    campaign = campaigns_service.get_campaign(session, ctx, campaign_id)
    result: CampaignReport = CACHE.run(
        session, CampaignReportQuery(ctx.organisation.id, campaign.id)
    )
    return result


def tier_comparison(session: Session, ctx: OrgContext, currency: str | None) -> OrgComparison:
    """Micro versus larger creators across the organisation's campaigns in ``currency``
    (default: the currency most of its campaigns use)."""
    _require_read(ctx)
    if currency is None:
        counts: dict[str, int] = defaultdict(int)
        for campaign in repository.campaigns_of(session, ctx.organisation.id):
            counts[campaign.currency] += 1
        currency = max(sorted(counts), key=lambda c: counts[c]) if counts else "EUR"
    else:
        currency = check_currency(currency)
    result: OrgComparison = CACHE.run(
        session, OrgTierComparisonQuery(ctx.organisation.id, currency)
    )
    return result


def _require_read(ctx: OrgContext) -> None:
    ctx.require_scope(ApiScope.REPORTS_READ)


# The runner's handlers


def run_campaign_report(session: Session, query: CampaignReportQuery) -> CampaignReport:
    campaign = repository.campaign(session, query.organisation_id, query.campaign_id)
    org, currency = query.organisation_id, campaign.currency
    members = [m for m in repository.members(session, org, campaign.id) if m.status == ACCEPTED]
    items = repository.deliverables(session, org, campaign.id, [m.id for m in members])
    post_member = {d.post_id: d.member_id for d in items if d.post_id is not None}
    post_ids = list(post_member)
    within = repository.campaign_posts(org, campaign.id)
    posts = repository.posts(session, org, campaign.id, post_ids, [m.account_id for m in members])
    latest_of = repository.latest_snapshots(session, post_ids, within)
    counts_of = repository.snapshot_counts(session, post_ids, within)
    member_of = {m.id: m for m in members}
    account_followers = {m.account_id: m.followers for m in members}

    clicks: dict[uuid.UUID | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for creator_id, is_bot, count, uniques in repository.clicks_by_creator(
        session, org, campaign.id
    ):
        entry = clicks[creator_id]
        if is_bot:
            entry[1] += count
        else:
            entry[0] += count
            entry[2] += uniques
    sales: dict[uuid.UUID | None, list[int]] = defaultdict(lambda: [0, 0])
    other_currency: dict[str, int] = defaultdict(int)
    for creator_id, conv_currency, count, revenue in repository.conversions_by_creator(
        session, org, campaign.id
    ):
        sales[creator_id][0] += count
        if conv_currency == currency:
            sales[creator_id][1] += revenue
        else:
            other_currency[conv_currency] += revenue

    table = valuation.value_table(currency, repository.emv_overrides(session, org, currency))

    # Posts
    post_lines: list[PostLine] = []
    for post in sorted(posts, key=lambda p: (p.posted_at, str(p.id))):
        member = member_of[post_member[post.id]]
        latest = latest_of.get(post.id)
        counts = PostCounts(
            followers=account_followers.get(post.account_id, member.followers),
            likes=latest.likes if latest else None,
            comments=latest.comments if latest else None,
            shares=latest.shares if latest else None,
            saves=latest.saves if latest else None,
            views=latest.views if latest else None,
            reach=latest.reach if latest else None,
            impressions=latest.impressions if latest else None,
        )
        engaged = definitions.engagements(counts)
        reach, estimated = definitions.post_reach(counts)
        post_lines.append(
            PostLine(
                post_id=post.id,
                creator_id=member.creator_id,
                handle=member.handle,
                platform=member.platform,
                url=post.url,
                post_type=post.post_type,
                posted_at=post.posted_at,
                deleted=post.deleted_at is not None,
                counts=counts,
                engagements=engaged,
                engagement_rate_followers=definitions.engagement_rate_by_followers(
                    engaged, counts.followers if engaged is not None else 0
                ),
                engagement_rate_views=definitions.engagement_rate_by_views(engaged, counts.views),
                reach=reach,
                reach_estimated=estimated,
                snapshots=counts_of.get(post.id, 0),
                captured_at=latest.captured_at if latest else None,
                source=latest.source if latest else None,
                growth=(),
            )
        )

    # Growth curves of the posts with the most engagements
    top = sorted(post_lines, key=lambda p: (-(p.engagements or 0), str(p.post_id)))[:GROWTH_POSTS]
    growth: dict[uuid.UUID, list[tuple[datetime, int | None]]] = defaultdict(list)
    for post_id, at, engaged in repository.engagement_history(session, [p.post_id for p in top]):
        growth[post_id].append((at, engaged))
    post_lines = [
        replace(p, growth=tuple(growth[p.post_id])) if p.post_id in growth else p
        for p in post_lines
    ]

    # Creators
    by_creator: dict[uuid.UUID, list[repository.MemberRow]] = defaultdict(list)
    for member in members:
        by_creator[member.creator_id].append(member)
    items_of: dict[uuid.UUID, list[repository.DeliverableRow]] = defaultdict(list)
    for item in items:
        items_of[item.member_id].append(item)
    posts_of: dict[uuid.UUID, list[PostLine]] = defaultdict(list)
    for line in post_lines:
        posts_of[line.creator_id].append(line)
    creator_lines: list[CreatorLine] = []
    for creator_id, own in by_creator.items():
        main = max(own, key=lambda m: (m.followers, m.handle))
        tier, group = tier_group(main.followers)
        human, bot, unique = clicks.get(creator_id, [0, 0, 0])
        conversions, revenue = sales.get(creator_id, [0, 0])
        committed = performance = gifts = 0
        gifted_only = True
        for member in own:
            terms = _terms(member.terms)
            mine = items_of[member.id]
            missed = sum(1 for d in mine if d.status == MISSED)
            committed += definitions.committed_fee(terms["flat_fee"], len(mine), missed)
            performance += definitions.performance_fee(
                terms["per_click"],
                terms["per_conversion"],
                terms["commission_bp"],
                human,
                conversions,
                revenue,
            )
            gifts += terms["gift_value"]
            gifted_only &= not any(
                terms[k] for k in ("flat_fee", "per_click", "per_conversion", "commission_bp")
            )
        own_posts = posts_of[creator_id]
        creator_items = [d for m in own for d in items_of[m.id]]
        spend = definitions.cost(committed, performance, gifts)
        creator_lines.append(
            CreatorLine(
                creator_id=creator_id,
                handle=main.handle,
                platform=main.platform,
                followers=main.followers,
                tier=tier,
                group=group,
                gifted_only=gifted_only,
                deliverables=len(creator_items),
                missed=sum(1 for d in creator_items if d.status == MISSED),
                fee_committed=committed,
                fee_performance=performance,
                gift_value=gifts,
                totals=(totals := _totals(own_posts)),
                metrics=_metrics(totals, 1, human, bot, unique, conversions, revenue, spend),
                emv=_emv(own_posts, human, main.platform, table),
            )
        )
    creator_lines.sort(key=lambda c: (-c.followers, c.handle))

    # The campaign, per platform and per tier
    total_human = sum(v[0] for v in clicks.values())
    total_bot = sum(v[1] for v in clicks.values())
    total_unique = sum(v[2] for v in clicks.values())
    total_conversions = sum(v[0] for v in sales.values())
    total_revenue = sum(v[1] for v in sales.values())
    total_cost = sum(c.metrics.cost for c in creator_lines)
    overall = _metrics(
        definitions.combine([c.totals for c in creator_lines]),
        len(creator_lines),
        total_human,
        total_bot,
        total_unique,
        total_conversions,
        total_revenue,
        total_cost,
    )
    campaign_emv = None
    if table is not None:
        parts = [c.emv for c in creator_lines if c.emv is not None]
        loose_clicks = clicks.get(None, [0, 0, 0])[0]
        parts.append(
            valuation.earned_media_value({"clicks": loose_clicks}, table, valuation.ALL_PLATFORMS)
        )
        campaign_emv = valuation.add(parts)
    platforms = _groups(creator_lines, lambda c: c.platform, table)
    tiers = _groups(creator_lines, lambda c: c.tier, table)

    # Time series and breakdowns
    day_clicks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for day, is_bot, count in repository.clicks_by_day(session, org, campaign.id):
        day_clicks[_as_date(day)][1 if is_bot else 0] += count
    day_sales: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for day, conv_currency, count, amount in repository.conversions_by_day(
        session, org, campaign.id
    ):
        entry = day_sales[day]
        entry[0] += count
        entry[1] += amount if conv_currency == currency else 0
    breakdowns: dict[str, dict[str, list[int]]] = {
        d: defaultdict(lambda: [0, 0]) for d in repository.DIMENSIONS
    }
    for dimension, value, is_bot, count in repository.clicks_by_dimension(session, campaign.id):
        breakdowns[dimension][value][1 if is_bot else 0] += count

    clicks_until = repository.clicks_until(session)
    snapshots = [p.captured_at for p in post_lines if p.captured_at is not None]
    newest_snapshot = max(snapshots) if snapshots else None
    newest_conversion = repository.newest_conversion(session, org, campaign.id)
    has_clicks = bool(day_clicks)
    freshness = [
        t for t in (newest_snapshot, newest_conversion, clicks_until if has_clicks else None) if t
    ]
    notes = _notes(post_lines, items, other_currency, table, currency, overall, clicks)

    return CampaignReport(
        campaign_id=campaign.id,
        name=campaign.name,
        status=str(campaign.status),
        currency=currency,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        generated_at=utcnow(),
        data_as_of=max(freshness) if freshness else None,
        clicks_until=clicks_until,
        newest_snapshot=newest_snapshot,
        newest_conversion=newest_conversion,
        overall=overall,
        emv=campaign_emv,
        emv_table=table,
        creators=tuple(creator_lines),
        posts=tuple(post_lines),
        platforms=platforms,
        tiers=tiers,
        clicks_by_day=tuple((d, v[0], v[1]) for d, v in sorted(day_clicks.items())),
        engagements_by_day=_engagement_curve(
            repository.engagement_changes(session, post_ids, within)
        ),
        conversions_by_day=tuple((d, v[0], v[1]) for d, v in sorted(day_sales.items())),
        breakdowns={
            dim: tuple(
                sorted(
                    ((k, v[0], v[1]) for k, v in values.items()), key=lambda r: (-r[1], -r[2], r[0])
                )
            )
            for dim, values in breakdowns.items()
        },
        comparisons=compare_tiers(creator_lines, currency),
        other_currency_revenue=dict(other_currency),
        unmatched_deliverables=sum(
            1 for d in items if d.post_id is None and d.post_url and d.status != MISSED
        ),
        notes=notes,
    )


def run_org_comparison(session: Session, query: OrgTierComparisonQuery) -> OrgComparison:
    included: list[tuple[uuid.UUID, str]] = []
    excluded: list[tuple[uuid.UUID, str, str]] = []
    lines: list[CreatorLine] = []
    for campaign in repository.campaigns_of(session, query.organisation_id):
        if campaign.currency != query.currency:
            excluded.append((campaign.id, campaign.name, f"in {campaign.currency}"))
            continue
        report: CampaignReport = CACHE.run(
            session, CampaignReportQuery(query.organisation_id, campaign.id)
        )
        included.append((campaign.id, campaign.name))
        lines.extend(report.creators)
    return OrgComparison(
        currency=query.currency,
        campaigns=tuple(included),
        excluded=tuple(excluded),
        creators=len(lines),
        comparisons=compare_tiers(lines, query.currency),
        generated_at=utcnow(),
    )


RUNNER.register(CampaignReportQuery, run_campaign_report)
RUNNER.register(OrgTierComparisonQuery, run_org_comparison)


# Pieces


def compare_tiers(lines: Sequence[CreatorLine], currency: str) -> tuple[comparison.Comparison, ...]:
    micro = [c for c in lines if c.group == "micro"]
    larger = [c for c in lines if c.group == "larger"]

    def units(items: list[CreatorLine], num: str, den: str) -> list[comparison.Unit]:
        return [comparison.Unit(float(_field(c, num)), float(_field(c, den))) for c in items]

    def money(value: float) -> str:
        return f"{value / 10 ** CURRENCIES.get(currency, 2):,.2f} {currency}"

    def percent(value: float) -> str:
        return f"{value * 100:.2f}%"

    def times(value: float) -> str:
        return f"{value:.2f}x"

    specs: list[
        tuple[str, str, Literal["money", "percent", "ratio"], comparison.Better, str, str, Any]
    ] = [
        ("cpe", "cost per engagement", "money", "lower", "cost", "engagements", money),
        ("cpc", "cost per click", "money", "lower", "cost", "clicks_human", money),
        (
            "conversion_rate",
            "conversion rate",
            "percent",
            "higher",
            "conversions",
            "clicks_human",
            percent,
        ),
        ("roas", "ROAS", "ratio", "higher", "revenue", "cost", times),
    ]
    return tuple(
        comparison.compare(
            key, label, unit, better, units(micro, num, den), units(larger, num, den), show
        )
        for key, label, unit, better, num, den, show in specs
    )


def _field(line: CreatorLine, name: str) -> int:
    value = getattr(line.metrics, name)
    return int(value or 0)


def _terms(raw: dict[str, Any]) -> dict[str, int]:
    def number(key: str) -> int:
        value = raw.get(key, 0)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    return {
        k: number(k)
        for k in ("flat_fee", "per_click", "per_conversion", "commission_bp", "gift_value")
    }


def _totals(posts: Sequence[PostLine]) -> Totals:
    """The totals of a creator's posts; posts live excludes deleted posts."""
    totals = definitions.post_totals([p.counts for p in posts])
    return replace(totals, posts=sum(1 for p in posts if not p.deleted))


def _metrics(
    totals: Totals,
    creators: int,
    human: int,
    bot: int,
    unique: int,
    conversions: int,
    revenue: int,
    spend: int,
) -> Metrics:
    return definitions.metrics(
        creators=creators,
        totals=totals,
        clicks_human=human,
        clicks_bot=bot,
        clicks_unique=unique,
        conversions=conversions,
        revenue=revenue,
        spend=spend,
    )


def _emv(
    posts: Sequence[PostLine], human_clicks: int, platform: str, table: valuation.ValueTable | None
) -> valuation.Emv | None:
    """A creator's EMV: the counts of their posts added per platform, valued, plus their human
    clicks valued on the platform of their largest account (rounded down per part)."""
    if table is None:
        return None
    by_platform: dict[str, list[PostCounts]] = defaultdict(list)
    for post in posts:
        by_platform[post.platform].append(post.counts)
    parts = [
        valuation.earned_media_value(
            {
                action: definitions.known_sum(getattr(c, action) for c in counts)
                for action in ("impressions", "views", "likes", "comments", "shares", "saves")
            },
            table,
            name,
        )
        for name, counts in sorted(by_platform.items())
    ]
    parts.append(valuation.earned_media_value({"clicks": human_clicks}, table, platform))
    return valuation.add(parts)


def _groups(
    creators: Sequence[CreatorLine], key: Any, table: valuation.ValueTable | None
) -> tuple[GroupLine, ...]:
    groups: dict[str, list[CreatorLine]] = defaultdict(list)
    for line in creators:
        groups[key(line)].append(line)
    out = []
    for name, members in sorted(groups.items()):
        m = [c.metrics for c in members]
        metrics = _metrics(
            definitions.combine([c.totals for c in members]),
            len(members),
            sum(x.clicks_human for x in m),
            sum(x.clicks_bot for x in m),
            sum(x.clicks_unique for x in m),
            sum(x.conversions for x in m),
            sum(x.revenue for x in m),
            sum(x.cost for x in m),
        )
        parts = [c.emv for c in members if c.emv is not None]
        out.append(GroupLine(name, metrics, valuation.add(parts) if table is not None else None))
    return tuple(out)


def _engagement_curve(changes: Sequence[tuple[date, int]]) -> tuple[tuple[date, int], ...]:
    """Engagements of all posts at the end of each UTC day, each post at its latest snapshot
    captured by then (a step curve from the first capture to the last): the running sum of
    the daily changes (repository.engagement_changes), days without a capture included."""
    if not changes:
        return ()
    change_of = dict(changes)
    day, last = changes[0][0], changes[-1][0]
    total = 0
    curve = []
    while day <= last:
        total += change_of.get(day, 0)
        curve.append((day, total))
        day += timedelta(days=1)
    return tuple(curve)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _notes(
    posts: Sequence[PostLine],
    items: Sequence[repository.DeliverableRow],
    other_currency: dict[str, int],
    table: valuation.ValueTable | None,
    currency: str,
    overall: Metrics,
    clicks: dict[uuid.UUID | None, list[int]],
) -> tuple[str, ...]:
    notes = []
    estimated = sum(1 for p in posts if p.reach_estimated)
    if estimated:
        notes.append(
            f"Reach is estimated for {estimated} of {len(posts)} posts (the platform gave no "
            f"reach): followers x {definitions.ESTIMATED_REACH_RATE:.0%}."
        )
    deleted = sum(1 for p in posts if p.deleted)
    if deleted:
        notes.append(
            f"{deleted} post(s) were deleted: their last captured counts are kept, but they are "
            "not counted as live."
        )
    unmatched = sum(1 for d in items if d.post_id is None and d.post_url and d.status != MISSED)
    if unmatched:
        notes.append(
            f"{unmatched} deliverable(s) have a post address but no stored post yet; their "
            "counts arrive with the next refresh or import."
        )
    without = sum(1 for p in posts if p.snapshots == 0)
    if without:
        notes.append(f"{without} post(s) have no metric snapshot yet.")
    for code, amount in sorted(other_currency.items()):
        notes.append(
            f"Revenue of {amount / 10 ** CURRENCIES.get(code, 2):,.2f} {code} is attributed "
            f"but not included: figures are in {currency} and currencies are never converted."
        )
    if table is None:
        notes.append(
            f"No earned media value: there is no value table in {currency}; set one "
            "(PUT /api/v1/reports/emv-table)."
        )
    if overall.cost == 0:
        notes.append(
            "The cost is zero so far: cost ratios (CPE, CPC, CPM, CPA, ROAS, ROI) are n/a."
        )
    if clicks.get(None, [0, 0, 0])[0] + clicks.get(None, [0, 0, 0])[1]:
        notes.append(
            "Clicks on campaign links without a creator count in the campaign's totals only."
        )
    return tuple(notes)


def campaign_document(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> ReportDocument:
    """The campaign report as the document the page and every export render."""
    from microreach.reports.build import campaign_document as build

    report = campaign_report(session, ctx, campaign_id)
    with _DOCUMENTS_LOCK:
        cached = _DOCUMENTS.get(id(report))
        if cached is not None and cached[0] is report:
            return cached[1]
    document = build(report)
    with _DOCUMENTS_LOCK:
        if len(_DOCUMENTS) >= CACHE.size:
            _DOCUMENTS.clear()
        _DOCUMENTS[id(report)] = (report, document)
    return document


# The document built from a cached report, kept while that report object is (same lifetime).
_DOCUMENTS: dict[int, tuple[CampaignReport, ReportDocument]] = {}
_DOCUMENTS_LOCK = threading.Lock()


def tier_comparison_document(
    session: Session, ctx: OrgContext, currency: str | None
) -> ReportDocument:
    from microreach.reports.build import comparison_document

    return comparison_document(tier_comparison(session, ctx, currency), ctx.organisation.name)


# EMV value tables


EMV_FORMULA = (
    "EMV = sum over actions of count x value per 1,000 actions / 1,000, computed with the low "
    "and the high value of each action; the platform's row, else the every-platform row (*)."
)
PLATFORM_NAMES = frozenset(p.value for p in Platform) | {valuation.ALL_PLATFORMS}


def emv_table(session: Session, ctx: OrgContext, currency: str) -> valuation.ValueTable | None:
    _require_read(ctx)
    code = check_currency(currency)
    return valuation.value_table(code, repository.emv_overrides(session, ctx.organisation.id, code))


def set_emv_table(
    session: Session, ctx: OrgContext, body: EmvTableIn, now: datetime
) -> valuation.ValueTable | None:
    """Replace the organisation's rows for the currency (an empty list restores the defaults)."""
    ctx.require_role(Role.ADMIN, "change the EMV value table")
    code = check_currency(body.currency)
    rates: dict[tuple[str, str], valuation.Rate] = {}
    for index, row in enumerate(body.rates):
        platform = row.platform.strip().lower()
        if platform not in PLATFORM_NAMES:
            known = ", ".join(sorted(PLATFORM_NAMES))
            raise InvalidError(
                f"{row.platform!r} is not a platform; use one of {known}",
                field=f"rates.{index}.platform",
            )
        if row.high_per_1000 < row.low_per_1000:
            raise InvalidError(
                f"high ({row.high_per_1000}) is below low ({row.low_per_1000})",
                field=f"rates.{index}.high_per_1000",
            )
        if (platform, row.action) in rates:
            raise InvalidError(
                f"{platform}/{row.action} is given twice", field=f"rates.{index}.action"
            )
        rates[(platform, row.action)] = valuation.Rate(row.low_per_1000, row.high_per_1000)
    repository.replace_emv_overrides(session, ctx.organisation.id, code, rates, now)
    return valuation.value_table(code, rates)


# Manual post metrics


MAX_CLOCK_SKEW = timedelta(minutes=5)


def record_post_metrics(
    session: Session,
    ctx: OrgContext,
    campaign_id: uuid.UUID,
    post_id: uuid.UUID,
    body: PostMetricsIn,
    now: datetime,
) -> repository.SnapshotRow:
    """A snapshot of a campaign post entered by hand (source "manual")."""
    ctx.require_role(Role.MEMBER, "enter post metrics")
    campaign = campaigns_service.get_campaign(session, ctx, campaign_id)
    post = repository.campaign_post(session, ctx.organisation.id, campaign.id, post_id)
    if post is None:
        raise NotFoundError(f"{campaign.name} has no post {post_id}.")
    captured_at = as_utc(body.captured_at) if body.captured_at else now
    if captured_at > now + MAX_CLOCK_SKEW:
        raise InvalidError(f"{captured_at.isoformat()} is in the future", field="captured_at")
    if captured_at < post.posted_at:
        raise InvalidError(
            f"{captured_at.isoformat()} is before the post was published "
            f"({post.posted_at.isoformat()})",
            field="captured_at",
        )
    counts = body.model_dump(exclude={"captured_at"})
    if all(value is None for value in counts.values()):
        raise InvalidError("give at least one count", field="likes")
    if not repository.insert_snapshot(session, post.id, captured_at, counts):
        raise ConflictError(
            f"the post already has a snapshot captured at {captured_at.isoformat()}",
            field="captured_at",
        )
    return repository.SnapshotRow(post.id, captured_at, source="manual", **counts)
