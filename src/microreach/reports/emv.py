"""Earned media value: what the campaign's measured actions would have cost as paid media.

    EMV = sum over actions a of  count(a) x value(platform, a) / 1,000

computed twice, with the low and the high value of each action, and always shown as that range
(docs/metrics.md, Earned media value). Values are integer minor units per 1,000 actions. The
default table below is an assumption with a stated basis; an organisation replaces any row of
it with its own (table ``emv_rates``). Pure: no database access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

ACTIONS = ("impressions", "views", "likes", "comments", "shares", "saves", "clicks")
ALL_PLATFORMS = "*"
DEFAULT_CURRENCIES = ("USD", "EUR", "GBP")
DEFAULT_BASIS = (
    "Typical self-serve social advertising prices (2023-2024 public rate cards and benchmark "
    "reports): CPM 5-12 for an impression, cost per view 0.01-0.03 (YouTube 0.03-0.10, "
    "TikTok 0.005-0.02), cost per engagement 0.02-0.10 for a like, 0.10-0.50 for a save, "
    "0.20-1.00 for a comment or a share, CPC 0.50-2.00 for a human click. The same nominal "
    "values are used for USD, EUR and GBP. An assumption, not a measurement: replace it with "
    "your own prices."
)


@dataclass(frozen=True, slots=True)
class Rate:
    """Value of 1,000 actions in minor units: a low and a high end."""

    low: int
    high: int


_EVERYWHERE = {
    "impressions": Rate(500, 1_200),
    "views": Rate(1_000, 3_000),
    "likes": Rate(2_000, 10_000),
    "comments": Rate(20_000, 100_000),
    "shares": Rate(20_000, 100_000),
    "saves": Rate(10_000, 50_000),
    "clicks": Rate(50_000, 200_000),
}
DEFAULT_RATES: dict[tuple[str, str], Rate] = {
    **{(ALL_PLATFORMS, action): rate for action, rate in _EVERYWHERE.items()},
    ("youtube", "views"): Rate(3_000, 10_000),
    ("tiktok", "views"): Rate(500, 2_000),
}


@dataclass(frozen=True, slots=True)
class ValueTable:
    currency: str
    rates: Mapping[tuple[str, str], Rate]
    sources: Mapping[tuple[str, str], Literal["default", "organisation"]]

    def rate(self, platform: str, action: str) -> Rate | None:
        """The platform's own row, else the every-platform row, else None (not valued)."""
        return self.rates.get((platform, action)) or self.rates.get((ALL_PLATFORMS, action))


def value_table(
    currency: str, overrides: Mapping[tuple[str, str], Rate] | None = None
) -> ValueTable | None:
    """The default rows for ``currency`` (if it has defaults) overlaid by the organisation's;
    None when neither exists (EMV is then not computed)."""
    overrides = overrides or {}
    base = DEFAULT_RATES if currency in DEFAULT_CURRENCIES else {}
    if not base and not overrides:
        return None
    rates = {**base, **overrides}
    sources: dict[tuple[str, str], Literal["default", "organisation"]] = {
        key: ("organisation" if key in overrides else "default") for key in rates
    }
    return ValueTable(currency, rates, sources)


@dataclass(frozen=True, slots=True)
class Emv:
    low: int
    high: int
    valued: tuple[str, ...]
    """The actions that had a count and a value (the others added nothing)."""


def earned_media_value(counts: Mapping[str, int | None], table: ValueTable, platform: str) -> Emv:
    """The low and high EMV of ``counts`` (action -> count, None when unknown) on ``platform``,
    in minor units of the table's currency (rounded down)."""
    low = high = 0
    valued = []
    for action in ACTIONS:
        count = counts.get(action)
        rate = table.rate(platform, action)
        if count is None or rate is None:
            continue
        low += count * rate.low
        high += count * rate.high
        valued.append(action)
    return Emv(low // 1000, high // 1000, tuple(valued))


def add(parts: list[Emv]) -> Emv:
    valued = sorted({action for part in parts for action in part.valued}, key=ACTIONS.index)
    return Emv(sum(p.low for p in parts), sum(p.high for p in parts), tuple(valued))
