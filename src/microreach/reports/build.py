"""Turn report results into the `ReportDocument` every renderer reads (no figure is computed
here that reports.definitions did not define; this only arranges and labels them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from microreach.reports.comparison import Comparison
from microreach.reports.definitions import ESTIMATED_REACH_RATE, Metrics
from microreach.reports.document import (
    Cell,
    Chart,
    Column,
    Figure,
    ReportDocument,
    Series,
    Table,
    Unit,
    Verdict,
)
from microreach.reports.emv import ACTIONS
from microreach.reports.service import CampaignReport, GroupLine, OrgComparison

HELP = {
    "creators": "Accepted creators in the campaign.",
    "posts_live": "Campaign posts matched to a deliverable and not deleted.",
    "reach": "Measured reach where the platform gives it, else followers x "
    f"{ESTIMATED_REACH_RATE:.0%} (estimated); summed over posts, not de-duplicated.",
    "impressions": "Sum of the latest impressions of the posts that report them.",
    "views": "Sum of the latest views of the posts that report them.",
    "engagements": "Likes + comments + shares + saves (latest snapshot of each post).",
    "engagement_rate_followers": "Engagements / followers of the posting accounts.",
    "engagement_rate_views": "Engagements / views, over the posts that report views.",
    "clicks_total": "Every click on the campaign's tracked links, bots included.",
    "clicks_human": "Clicks not classified as bots.",
    "clicks_bot": "Clicks classified as bots or previews (never in any rate).",
    "clicks_unique": "Human clicks that were a visitor's first on that link that UTC day.",
    "ctr": "Human clicks / impressions.",
    "conversions": "Orders attributed to the campaign (promo code, then last human click).",
    "conversion_rate": "Conversions / human clicks.",
    "revenue": "Revenue of the attributed orders in the campaign's currency.",
    "cost": "Committed flat fees + performance fees (ledger rule) + stated gift value.",
    "cpe": "Cost / engagements.",
    "cpc": "Cost / human clicks.",
    "cpm": "Cost / impressions x 1,000.",
    "cpa": "Cost / conversions.",
    "roas": "Revenue / cost.",
    "roi": "(Revenue - cost) / cost.",
    "emv": "Sum over actions of count x value per 1,000 actions / 1,000, low and high.",
}
METRIC_COLUMNS: tuple[tuple[str, str, Unit], ...] = (
    ("creators", "Creators", "count"),
    ("posts_live", "Posts live", "count"),
    ("reach", "Reach", "count"),
    ("impressions", "Impressions", "count"),
    ("views", "Views", "count"),
    ("engagements", "Engagements", "count"),
    ("engagement_rate_followers", "ER (followers)", "percent"),
    ("engagement_rate_views", "ER (views)", "percent"),
    ("clicks_total", "Clicks", "count"),
    ("clicks_human", "Human clicks", "count"),
    ("clicks_bot", "Bot clicks", "count"),
    ("clicks_unique", "Unique clicks", "count"),
    ("ctr", "CTR", "percent"),
    ("conversions", "Conversions", "count"),
    ("conversion_rate", "Conversion rate", "percent"),
    ("revenue", "Revenue", "money"),
    ("cost", "Cost", "money"),
    ("cpe", "CPE", "money"),
    ("cpc", "CPC", "money"),
    ("cpm", "CPM", "money"),
    ("cpa", "CPA", "money"),
    ("roas", "ROAS", "ratio"),
    ("roi", "ROI", "percent"),
)


def _columns(*keys: tuple[str, str, Unit]) -> tuple[Column, ...]:
    return tuple(Column(key, label, unit, HELP.get(key)) for key, label, unit in keys)


def _metric_cells(metrics: Metrics) -> dict[str, Cell]:
    return {key: getattr(metrics, key) for key, _, _ in METRIC_COLUMNS}


def _emv_cells(line: object) -> dict[str, Cell]:
    value = getattr(line, "emv", None)
    return {"emv_low": value.low if value else None, "emv_high": value.high if value else None}


EMV_COLUMNS = (
    Column("emv_low", "EMV low", "money", HELP["emv"]),
    Column("emv_high", "EMV high", "money", HELP["emv"]),
)


def campaign_document(report: CampaignReport) -> ReportDocument:
    m = report.overall
    headline = [
        Figure(key, label, getattr(m, key), unit, help=HELP.get(key))
        for key, label, unit in METRIC_COLUMNS
        if key not in ("clicks_bot", "creators")
    ]
    reach_index = next(i for i, f in enumerate(headline) if f.key == "reach")
    estimated = sum(1 for p in report.posts if p.reach_estimated)
    headline[reach_index] = Figure(
        "reach",
        "Reach",
        m.reach,
        "count",
        estimated=m.reach_estimated,
        help=HELP["reach"],
        note=f"estimated for {estimated} of {len(report.posts)} posts" if estimated else None,
    )
    clicks_index = next(i for i, f in enumerate(headline) if f.key == "clicks_total")
    headline[clicks_index] = Figure(
        "clicks_total",
        "Clicks",
        m.clicks_total,
        "count",
        help=HELP["clicks_total"],
        note=f"{m.clicks_bot:,} bot clicks"
        + (f" ({m.clicks_bot / m.clicks_total:.1%})" if m.clicks_total else ""),
    )
    if report.emv is not None:
        headline.append(
            Figure(
                "emv",
                "Earned media value",
                None,
                "money",
                low=report.emv.low,
                high=report.emv.high,
                help=HELP["emv"],
                note="a range, never a single number; valued actions: "
                + (", ".join(report.emv.valued) or "none"),
            )
        )
    else:
        headline.append(Figure("emv", "Earned media value", None, "money", note="no value table"))

    tables = [
        _creators_table(report),
        _posts_table(report),
        _group_table("platforms", "By platform", "Platform", report.platforms),
        _group_table("tiers", "By follower tier", "Tier", report.tiers),
        comparison_table("tier_comparison", report.comparisons),
        _series_table(report),
        _engagement_table(report),
        *_breakdown_tables(report.breakdowns),
        _emv_table(report),
    ]
    charts = [
        Chart(
            "clicks_over_time",
            "Clicks per day",
            "line",
            "Day (UTC)",
            "Clicks",
            "count",
            (
                Series(
                    "Human", tuple((d.isoformat(), float(h)) for d, h, _ in report.clicks_by_day)
                ),
                Series(
                    "Bots", tuple((d.isoformat(), float(b)) for d, _, b in report.clicks_by_day)
                ),
            ),
            note="Bots are shown separately and never counted in rates.",
        ),
        Chart(
            "engagements_over_time",
            "Engagements (all posts, end of day)",
            "line",
            "Day (UTC)",
            "Engagements",
            "count",
            (
                Series(
                    "Engagements",
                    tuple((d.isoformat(), float(v)) for d, v in report.engagements_by_day),
                ),
            ),
            note="Each post counts with its latest snapshot captured by the end of the day.",
        ),
        _post_growth_chart(report),
        *[
            Chart(
                f"clicks_by_{dim}",
                f"Clicks by {dim}",
                "bar",
                dim.capitalize(),
                "Clicks",
                "count",
                (
                    Series("Human", tuple((v or "(unknown)", float(h)) for v, h, _ in rows[:TOP])),
                    Series("Bots", tuple((v or "(unknown)", float(b)) for v, _, b in rows[:TOP])),
                ),
            )
            for dim, rows in report.breakdowns.items()
        ],
        Chart(
            "top_creators",
            "Top creators by engagements",
            "bar",
            "Creator",
            "Engagements",
            "count",
            (
                Series(
                    "Engagements",
                    tuple(
                        (f"@{c.handle}", _float(c.metrics.engagements))
                        for c in sorted(
                            report.creators, key=lambda c: -(c.metrics.engagements or 0)
                        )[:TOP]
                    ),
                ),
            ),
        ),
        *comparison_charts(report.comparisons),
    ]
    verdicts = tuple(Verdict(c.metric, c.verdict, c.conclusive) for c in report.comparisons)
    freshness = (
        f"Clicks rolled up to {_when(report.clicks_until)}; newest post snapshot "
        f"{_when(report.newest_snapshot)}; newest conversion {_when(report.newest_conversion)}."
    )
    return ReportDocument(
        title=report.name,
        subtitle=(
            f"Campaign report, {report.starts_on.isoformat()} to {report.ends_on.isoformat()} "
            f"({report.status}), figures in {report.currency}"
        ),
        currency=report.currency,
        generated_at=report.generated_at,
        data_as_of=report.data_as_of,
        headline=tuple(headline),
        tables=tuple(tables),
        charts=tuple(charts),
        verdicts=verdicts,
        notes=(freshness, *report.notes),
    )


def comparison_document(result: OrgComparison, organisation: str) -> ReportDocument:
    notes = [
        f"Pooled over {result.creators} creator-campaign lines in {len(result.campaigns)} "
        f"campaign(s) in {result.currency}."
    ]
    notes += [
        f"Not included: {name} ({why}); currencies are never converted."
        for _, name, why in result.excluded
    ]
    return ReportDocument(
        title=f"Micro versus larger creators: {organisation}",
        subtitle=f"All campaigns in {result.currency}",
        currency=result.currency,
        generated_at=result.generated_at,
        data_as_of=None,
        tables=(comparison_table("tier_comparison", result.comparisons),),
        charts=tuple(comparison_charts(result.comparisons)),
        verdicts=tuple(Verdict(c.metric, c.verdict, c.conclusive) for c in result.comparisons),
        notes=tuple(notes),
    )


TOP = 10


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def _when(value: object) -> str:
    return "never" if value is None else value.isoformat(timespec="minutes")  # type: ignore[attr-defined]


def _creators_table(report: CampaignReport) -> Table:
    columns = (
        Column("handle", "Creator", "text"),
        Column("platform", "Platform", "text"),
        Column("followers", "Followers", "count"),
        Column("tier", "Tier", "text"),
        Column("gifted_only", "Gifted only", "text"),
        Column("fee_committed", "Flat fee (committed)", "money"),
        Column("fee_performance", "Performance fee", "money"),
        Column("gift_value", "Gift value", "money"),
        *_columns(*(c for c in METRIC_COLUMNS if c[0] != "creators")),
        *EMV_COLUMNS,
    )
    rows: list[Mapping[str, Cell]] = [
        {
            "handle": f"@{c.handle}",
            "platform": c.platform,
            "followers": c.followers,
            "tier": c.tier,
            "gifted_only": "yes" if c.gifted_only else "no",
            "fee_committed": c.fee_committed,
            "fee_performance": c.fee_performance,
            "gift_value": c.gift_value,
            **_metric_cells(c.metrics),
            **_emv_cells(c),
        }
        for c in report.creators
    ]
    return Table(
        "creators", "Creators", columns, tuple(rows), empty_message="No accepted creators yet."
    )


def _posts_table(report: CampaignReport) -> Table:
    columns = (
        Column("handle", "Creator", "text"),
        Column("platform", "Platform", "text"),
        Column("url", "Post", "text"),
        Column("posted_at", "Posted", "datetime"),
        Column("status", "Status", "text"),
        Column("likes", "Likes", "count"),
        Column("comments", "Comments", "count"),
        Column("shares", "Shares", "count"),
        Column("saves", "Saves", "count"),
        Column("views", "Views", "count"),
        Column("impressions", "Impressions", "count"),
        Column("reach", "Reach", "count", HELP["reach"]),
        Column("reach_estimated", "Reach estimated", "text"),
        Column("engagements", "Engagements", "count", HELP["engagements"]),
        Column(
            "engagement_rate_followers",
            "ER (followers)",
            "percent",
            HELP["engagement_rate_followers"],
        ),
        Column("engagement_rate_views", "ER (views)", "percent", HELP["engagement_rate_views"]),
        Column("captured_at", "Captured", "datetime", "Time of the latest snapshot."),
        Column("source", "Source", "text", "Where the latest snapshot came from."),
        Column("snapshots", "Snapshots", "count"),
    )
    rows: list[Mapping[str, Cell]] = [
        {
            "handle": f"@{p.handle}",
            "platform": p.platform,
            "url": p.url or "",
            "posted_at": p.posted_at,
            "status": "deleted" if p.deleted else "live",
            "likes": p.counts.likes,
            "comments": p.counts.comments,
            "shares": p.counts.shares,
            "saves": p.counts.saves,
            "views": p.counts.views,
            "impressions": p.counts.impressions,
            "reach": p.reach,
            "reach_estimated": "estimated" if p.reach_estimated else "measured",
            "engagements": p.engagements,
            "engagement_rate_followers": p.engagement_rate_followers,
            "engagement_rate_views": p.engagement_rate_views,
            "captured_at": p.captured_at,
            "source": p.source or "",
            "snapshots": p.snapshots,
        }
        for p in sorted(report.posts, key=lambda p: -(p.engagements or 0))
    ]
    return Table("posts", "Posts", columns, tuple(rows), empty_message="No posts yet.")


def _group_table(key: str, title: str, label: str, groups: Sequence[GroupLine]) -> Table:
    columns = (Column("group", label, "text"), *_columns(*METRIC_COLUMNS), *EMV_COLUMNS)
    rows: list[Mapping[str, Cell]] = [
        {"group": g.key, **_metric_cells(g.metrics), **_emv_cells(g)} for g in groups
    ]
    note = (
        "A creator on several platforms counts under the platform of their largest account."
        if key == "platforms"
        else "Tiers of the brief: nano under 1K, micro 1K-100K, mid 100K-500K, macro 500K-1M, "
        "mega 1M+ followers (the creator's largest account in the campaign)."
    )
    return Table(key, title, columns, tuple(rows), note=note)


def comparison_table(key: str, comparisons: Sequence[Comparison]) -> Table:
    columns = (
        Column("metric", "Metric", "text"),
        Column("micro_creators", "Micro creators", "count"),
        Column("micro", "Micro", "number"),
        Column("micro_low", "Micro low", "number"),
        Column("micro_high", "Micro high", "number"),
        Column("larger_creators", "Larger creators", "count"),
        Column("larger", "Larger", "number"),
        Column("larger_low", "Larger low", "number"),
        Column("larger_high", "Larger high", "number"),
        Column("difference", "Difference (micro - larger)", "number"),
        Column("low", "95% low", "number"),
        Column("high", "95% high", "number"),
        Column("unit", "Unit", "text"),
        Column("verdict", "Verdict", "text"),
    )
    rows: list[Mapping[str, Cell]] = [
        {
            "metric": c.label,
            "micro_creators": c.micro.creators,
            "micro": c.micro.value,
            "micro_low": c.micro.low,
            "micro_high": c.micro.high,
            "larger_creators": c.larger.creators,
            "larger": c.larger.value,
            "larger_low": c.larger.low,
            "larger_high": c.larger.high,
            "difference": c.difference,
            "low": c.low,
            "high": c.high,
            "unit": "minor units" if c.unit == "money" else c.unit,
            "verdict": c.verdict,
        }
        for c in comparisons
    ]
    return Table(
        key,
        "Micro versus larger creators",
        columns,
        tuple(rows),
        note="Micro: 1K-100K followers; larger: 100K+. Pooled ratios; 95% intervals from a "
        "seeded bootstrap over creators. Money values are minor units.",
    )


def comparison_charts(comparisons: Sequence[Comparison]) -> list[Chart]:
    charts = []
    for c in comparisons:
        unit: Unit = "money" if c.unit == "money" else c.unit
        charts.append(
            Chart(
                f"tiers_{c.metric}",
                f"{c.label.capitalize()}: micro vs larger",
                "bar",
                "Group",
                c.label,
                unit,
                (
                    Series(
                        c.label,
                        (
                            (f"micro ({c.micro.creators})", c.micro.value),
                            (f"larger ({c.larger.creators})", c.larger.value),
                        ),
                        low=(c.micro.low, c.larger.low),
                        high=(c.micro.high, c.larger.high),
                    ),
                ),
                note=c.verdict,
            )
        )
    return charts


def _series_table(report: CampaignReport) -> Table:
    sales = {d: (n, r) for d, n, r in report.conversions_by_day}
    days = sorted({d for d, _, _ in report.clicks_by_day} | set(sales))
    clicks = {d: (h, b) for d, h, b in report.clicks_by_day}
    rows: list[Mapping[str, Cell]] = [
        {
            "day": d.isoformat(),
            "human": clicks.get(d, (0, 0))[0],
            "bots": clicks.get(d, (0, 0))[1],
            "conversions": sales.get(d, (0, 0))[0],
            "revenue": sales.get(d, (0, 0))[1],
        }
        for d in days
    ]
    return Table(
        "by_day",
        "Clicks and conversions per day",
        (
            Column("day", "Day (UTC)", "date"),
            Column("human", "Human clicks", "count", HELP["clicks_human"]),
            Column("bots", "Bot clicks", "count", HELP["clicks_bot"]),
            Column("conversions", "Conversions", "count", HELP["conversions"]),
            Column("revenue", "Revenue", "money", HELP["revenue"]),
        ),
        tuple(rows),
    )


def _engagement_table(report: CampaignReport) -> Table:
    return Table(
        "engagements_by_day",
        "Engagements per day",
        (Column("day", "Day (UTC)", "date"), Column("engagements", "Engagements", "count")),
        tuple({"day": d.isoformat(), "engagements": v} for d, v in report.engagements_by_day),
    )


def _breakdown_tables(breakdowns: Mapping[str, Sequence[tuple[str, int, int]]]) -> list[Table]:
    tables = []
    for dim, rows in breakdowns.items():
        total = sum(h + b for _, h, b in rows)
        tables.append(
            Table(
                f"by_{dim}",
                f"Clicks by {dim}",
                (
                    Column("value", dim.capitalize(), "text"),
                    Column("human", "Human clicks", "count"),
                    Column("bots", "Bot clicks", "count"),
                    Column("bot_share", "Bot share", "percent", "Bot clicks / all clicks."),
                    Column("share", "Share of clicks", "percent"),
                ),
                tuple(
                    {
                        "value": value or "(unknown)",
                        "human": h,
                        "bots": b,
                        "bot_share": b / (h + b) if h + b else None,
                        "share": (h + b) / total if total else None,
                    }
                    for value, h, b in rows
                ),
            )
        )
    return tables


def _emv_table(report: CampaignReport) -> Table:
    table = report.emv_table
    rows: list[Mapping[str, Cell]] = []
    if table is not None:
        for (platform, action), rate in sorted(
            table.rates.items(),
            key=lambda kv: (kv[0][0], ACTIONS.index(kv[0][1]) if kv[0][1] in ACTIONS else 99),
        ):
            rows.append(
                {
                    "platform": "every platform" if platform == "*" else platform,
                    "action": action,
                    "low": rate.low,
                    "high": rate.high,
                    "source": table.sources[(platform, action)],
                }
            )
    return Table(
        "emv_values",
        "EMV value table (per 1,000 actions)",
        (
            Column("platform", "Platform", "text"),
            Column("action", "Action", "text"),
            Column("low", "Low per 1,000", "money"),
            Column("high", "High per 1,000", "money"),
            Column("source", "Source", "text"),
        ),
        tuple(rows),
        note="EMV = sum over actions of count x value / 1,000, with the low and the high "
        "values; the default table's basis is in docs/metrics.md.",
        empty_message=f"No value table in {report.currency}.",
    )


def _post_growth_chart(report: CampaignReport) -> Chart:
    top = sorted(report.posts, key=lambda p: -(p.engagements or 0))[:5]
    return Chart(
        "post_growth",
        "Growth of the top posts (engagements per capture)",
        "line",
        "Captured (UTC)",
        "Engagements",
        "count",
        tuple(
            Series(
                f"@{p.handle} {p.posted_at.date().isoformat()}",
                tuple((at.isoformat(timespec="minutes"), _float(v)) for at, v in p.growth),
            )
            for p in top
        ),
    )
