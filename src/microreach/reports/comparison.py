"""Micro versus larger creators: pooled ratios, a seeded bootstrap over creators, a verdict.

Each group's value is a pooled ratio (sum of numerators / sum of denominators over its
creators, e.g. CPE = total cost / total engagements). The 95% interval of each group's value
and of the difference (micro - larger) come from resampling creators with replacement within
each group (percentile bootstrap, `RESAMPLES` draws, fixed seed: the same data always gives
the same interval). The verdict says "too thin" when a group has fewer than `MIN_CREATORS`
creators or when the interval of the difference includes zero. Pure: no database access.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

MIN_CREATORS = 5
RESAMPLES = 2000
SEED = 20_261_126
Better = Literal["lower", "higher"]


@dataclass(frozen=True, slots=True)
class Unit:
    """One creator's numerator and denominator of a metric (e.g. cost and engagements)."""

    numerator: float
    denominator: float


@dataclass(frozen=True, slots=True)
class GroupValue:
    creators: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    metric: str
    label: str
    unit: Literal["money", "percent", "ratio"]
    better: Better
    micro: GroupValue
    larger: GroupValue
    difference: float | None
    low: float | None
    high: float | None
    conclusive: bool
    verdict: str


def _pooled(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return np.asarray(out, dtype=float)


def _draws(units: Sequence[Unit], rng: np.random.Generator) -> np.ndarray:
    num = np.array([u.numerator for u in units], dtype=float)
    den = np.array([u.denominator for u in units], dtype=float)
    picks = rng.integers(0, len(units), size=(RESAMPLES, len(units)))
    return _pooled(num[picks].sum(axis=1), den[picks].sum(axis=1))


def _interval(draws: np.ndarray) -> tuple[float | None, float | None]:
    valid = draws[~np.isnan(draws)]
    if len(valid) < RESAMPLES // 2:
        return None, None
    low, high = np.percentile(valid, [2.5, 97.5])
    return float(low), float(high)


def _value(units: Sequence[Unit]) -> float | None:
    den = sum(u.denominator for u in units)
    return None if den == 0 else sum(u.numerator for u in units) / den


def compare(
    metric: str,
    label: str,
    unit: Literal["money", "percent", "ratio"],
    better: Better,
    micro: Sequence[Unit],
    larger: Sequence[Unit],
    show: Callable[[float], str],
) -> Comparison:
    """Compare the pooled ``metric`` of the two groups; ``show`` formats a value for the text."""
    rng = np.random.default_rng(SEED)
    micro_value, larger_value = _value(micro), _value(larger)
    micro_draws = _draws(micro, rng) if micro else None
    larger_draws = _draws(larger, rng) if larger else None
    m_low, m_high = _interval(micro_draws) if micro_draws is not None else (None, None)
    l_low, l_high = _interval(larger_draws) if larger_draws is not None else (None, None)
    difference = low = high = None
    if micro_value is not None and larger_value is not None:
        difference = micro_value - larger_value
        if micro_draws is not None and larger_draws is not None:
            low, high = _interval(micro_draws - larger_draws)
    groups = (
        GroupValue(len(micro), micro_value, m_low, m_high),
        GroupValue(len(larger), larger_value, l_low, l_high),
    )
    conclusive, text = _verdict(label, better, groups, difference, low, high, show)
    return Comparison(
        metric, label, unit, better, groups[0], groups[1], difference, low, high, conclusive, text
    )


def _verdict(
    label: str,
    better: Better,
    groups: tuple[GroupValue, GroupValue],
    difference: float | None,
    low: float | None,
    high: float | None,
    show: Callable[[float], str],
) -> tuple[bool, str]:
    micro, larger = groups
    if micro.creators < MIN_CREATORS or larger.creators < MIN_CREATORS:
        return False, (
            f"Too little data to compare {label}: {micro.creators} micro and "
            f"{larger.creators} larger creators (at least {MIN_CREATORS} of each are needed)."
        )
    if micro.value is None or larger.value is None or difference is None:
        missing = "micro" if micro.value is None else "larger"
        return False, f"{label} is n/a for the {missing} creators (nothing to divide by yet)."
    values = f"micro {show(micro.value)} vs larger {show(larger.value)}"
    if low is None or high is None:
        return False, f"Too little data for an interval on {label} ({values})."
    interval = f"95% interval of the difference {show(low)} to {show(high)}"
    if low <= 0 <= high:
        return False, (
            f"No clear difference in {label} ({values}); the {interval} includes zero, so the "
            "data is too thin to say which group did better."
        )
    micro_better = (difference < 0) == (better == "lower")
    winner = "Micro-influencers" if micro_better else "Larger creators"
    return True, f"{winner} did better on {label} ({values}; {interval}; {better} is better)."
