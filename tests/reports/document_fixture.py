"""A hand-built ReportDocument with every unit, an interval, an estimate, a gap, a formula-like
text and an empty table: what the render tests and the page tests render."""

from __future__ import annotations

from datetime import UTC, datetime

from microreach.reports.document import (
    Chart,
    Column,
    Figure,
    ReportDocument,
    Series,
    Table,
    Verdict,
)

AS_OF = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
GENERATED = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)

CREATORS = Table(
    key="creators",
    title="Per creator",
    columns=(
        Column("handle", "Creator", "text"),
        Column("tier", "Tier", "text"),
        Column("engagements", "Engagements", "count", help="Likes, comments, shares and saves."),
        Column("cost", "Cost", "money", help="Agreed fees plus ledger earnings."),
        Column("cpe", "CPE", "money", help="Cost divided by engagements."),
        Column("er", "Engagement rate", "percent", help="Engagements / followers."),
        Column("roas", "ROAS", "ratio", help="Revenue / cost."),
        Column("last_capture", "Last capture", "datetime"),
    ),
    rows=(
        {
            "handle": "@sunny.runs",
            "tier": "micro",
            "engagements": 12345,
            "cost": 123456,
            "cpe": 10.0003,
            "er": 0.0342,
            "roas": 2.5,
            "last_capture": AS_OF,
        },
        {
            "handle": '=HYPERLINK("http://evil.example")',
            "tier": "macro",
            "engagements": 980,
            "cost": 0,
            "cpe": None,
            "er": 0.0051,
            "roas": None,
            "last_capture": None,
        },
    ),
    note="Creators with no live post yet show n/a for rates.",
)
EMPTY = Table(
    key="posts",
    title="Per post",
    columns=(Column("url", "Post", "text"), Column("views", "Views", "count")),
    rows=(),
    empty_message="No live posts yet.",
)
CLICKS = Chart(
    key="clicks_over_time",
    title="Clicks over time",
    kind="line",
    x_label="Day",
    y_label="Clicks",
    unit="count",
    series=(
        Series("Human clicks", (("2026-03-01", 120.0), ("2026-03-02", None), ("2026-03-03", 95.0))),
        Series("Bot clicks", (("2026-03-01", 7.0), ("2026-03-02", 3.0), ("2026-03-03", 11.0))),
    ),
)
CPE_BY_TIER = Chart(
    key="cpe_by_tier",
    title="Cost per engagement by tier",
    kind="bar",
    x_label="Tier",
    y_label="Cost per engagement",
    unit="money",
    series=(
        Series(
            "CPE",
            (("micro", 12.0), ("macro", 47.5)),
            low=(9.0, 30.0),
            high=(15.5, 66.25),
        ),
    ),
    note="Bars show the 95% interval (bootstrap over creators).",
)


def document(currency: str = "EUR") -> ReportDocument:
    return ReportDocument(
        title="Spring running shoes",
        subtitle="Campaign report, 1 Mar 2026 to 30 Apr 2026",
        currency=currency,
        generated_at=GENERATED,
        data_as_of=AS_OF,
        headline=(
            Figure("reach", "Reach", 45678.0, "count", estimated=True, help="People reached."),
            Figure(
                "emv",
                "Earned media value",
                250000.0,
                "money",
                low=180000.0,
                high=320000.0,
                help="Actions times value per action.",
            ),
            Figure("er", "Engagement rate", 0.0342, "percent", low=0.031, high=0.0377),
            Figure("roas", "ROAS", None, "ratio", note="No revenue yet."),
        ),
        tables=(CREATORS, EMPTY),
        charts=(CLICKS, CPE_BY_TIER),
        verdicts=(
            Verdict("CPE", "Micro creators cost less per engagement than macro.", True),
            Verdict("ROAS", "Too few conversions to compare tiers.", False),
        ),
        notes=("Clicks exclude bots unless marked.",),
    )
