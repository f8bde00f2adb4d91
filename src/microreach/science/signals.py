"""Explainable scores: signals with peer ranges and point contributions that add up to the score."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

PERCENTS = tuple(range(101))


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ALERT = "alert"
    INSUFFICIENT = "insufficient_data"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INSUFFICIENT = "insufficient_data"


# Results the scoring job stores as JSON (these, and those of growth, engagement and disclosure)
# are dataclasses without __slots__: orjson writes one that has a __dict__ about four times as
# fast. Those built many times per account (Signal, the observations) are not frozen either:
# a frozen dataclass costs several times as much to build. Nothing mutates them.
@dataclass(frozen=True)
class PeerRange:
    """What peers usually show: from ``low`` to ``high`` (10th to 90th percentile unless the
    source says otherwise), and where that range comes from."""

    low: float
    high: float
    source: str


@dataclass
class Signal:
    """One measured input of a score and the points it moved the score by."""

    key: str
    label: str
    value: float | None  # None when there is too little data to measure it
    unit: str  # share, ratio, log-ratio, per thread, count
    expected: PeerRange
    contribution: int  # signed points; base + all contributions == score
    status: Status
    as_of: datetime | None  # capture time of the newest data the value rests on
    explanation: str
    percentile: float | None = None  # among peers, when the score ranks against peers


@dataclass(frozen=True)
class Score:
    """A versioned 0-100 score, or None with the reason when the data cannot support one."""

    name: str
    version: str
    score: int | None
    base: int
    confidence: Confidence
    signals: tuple[Signal, ...]
    reason: str | None = None

    def signal(self, key: str) -> Signal:
        for signal in self.signals:
            if signal.key == key:
                return signal
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class PeerDistribution:
    """A peer group's values as percentile points (percent, value), value non-decreasing."""

    points: tuple[tuple[float, float], ...]
    source: str

    @classmethod
    def from_values(cls, values: Iterable[float], source: str) -> PeerDistribution:
        """The 0th..100th percentiles of ``values`` (linear interpolation between ranks)."""
        ordered = sorted(values)
        if not ordered:
            raise ValueError("a peer distribution needs at least one value")
        last = len(ordered) - 1
        points = []
        for percent in PERCENTS:
            position = percent * last / 100.0
            low = math.floor(position)
            high = min(low + 1, last)
            value = ordered[low] + (position - low) * (ordered[high] - ordered[low])
            points.append((float(percent), value))
        return cls(tuple(points), source)

    def percentile(self, value: float) -> float:
        """Where ``value`` falls among the peers, 0-100; a value several points share (a
        tie, such as many peers at zero) gets the middle of their percentiles."""
        values = [v for _, v in self.points]
        below = bisect_left(values, value)
        above = bisect_right(values, value)
        if below < above:
            return (self.points[below][0] + self.points[above - 1][0]) / 2
        if below == 0:
            return self.points[0][0]
        if below == len(values):
            return self.points[-1][0]
        (p0, v0), (p1, v1) = self.points[below - 1], self.points[below]
        return p0 + (p1 - p0) * (value - v0) / (v1 - v0)

    def quantile(self, percent: float) -> float:
        """The value at ``percent`` (linear between points)."""
        percents = [p for p, _ in self.points]
        i = bisect_left(percents, percent)
        if i == 0:
            return self.points[0][1]
        if i == len(percents):
            return self.points[-1][1]
        (p0, v0), (p1, v1) = self.points[i - 1], self.points[i]
        return v0 + (v1 - v0) * (percent - p0) / (p1 - p0)

    def central_range(self) -> PeerRange:
        return _central_range(self)


@lru_cache(maxsize=256)  # the same few distributions are asked for every account
def _central_range(distribution: PeerDistribution) -> PeerRange:
    return PeerRange(distribution.quantile(10), distribution.quantile(90), distribution.source)


def ramp(value: float, start: float, full: float) -> float:
    """0 up to ``start``, 1 from ``full`` on, linear between (``full`` may lie below ``start``)."""
    share = (value - start) / (full - start)
    return min(1.0, max(0.0, share))


def status_for(severity: float) -> Status:
    """Severity 0 is normal; below one half a warning; from one half an alert."""
    if severity <= 0.0:
        return Status.OK
    return Status.WARNING if severity < 0.5 else Status.ALERT


def apportion(raw: Sequence[float], target: int, scale: bool = False) -> list[int]:
    """Whole points for each raw contribution that add up to ``target`` exactly.

    Each value is floored and the missing points go to the largest remainders; ``target``
    must then be the sum rounded up or down. With ``scale`` (the score was clamped) the values
    are first scaled in proportion to sum to ``target``.
    """
    values = list(raw)
    total = sum(values)
    if scale and total != 0:
        values = [v * target / total for v in values]
    floors = [math.floor(v) for v in values]
    missing = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    if missing < 0:  # float error after scaling: take points back from the smallest remainders
        for i in order[missing:]:
            floors[i] -= 1
    for i in order[:missing]:
        floors[i] += 1
    return floors


def with_contributions(
    signals: Sequence[Signal], raw: Sequence[float], base: int, low: int = 0, high: int = 100
) -> tuple[int, tuple[Signal, ...]]:
    """The score (base plus raw contributions, rounded and kept in [low, high]) and the
    signals carrying whole-point contributions that add up to it."""
    unclamped = round(base + sum(raw))
    score = min(high, max(low, unclamped))
    points = apportion(raw, score - base, scale=score != unclamped)
    return score, tuple(
        signal if signal.contribution == p else _with_points(signal, p)
        for signal, p in zip(signals, points, strict=True)
    )


def _with_points(s: Signal, points: int) -> Signal:
    """``dataclasses.replace`` without its overhead (scoring runs this for every account)."""
    return Signal(
        s.key, s.label, s.value, s.unit, s.expected, points, s.status, s.as_of, s.explanation,
        s.percentile,
    )  # fmt: skip
