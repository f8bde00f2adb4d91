"""Follower and engagement growth, and anomalies in follower series (spikes, purges, churn)."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from statistics import median

from microreach.science.engagement import (
    MIN_POST_AGE,
    Exclusion,
    RateStats,
    count_engagements,
    rate_stats,
    select_posts,
)
from microreach.science.observations import AccountObservation, FollowerPoint, PostObservation

GROWTH_VERSION = "1"
WINDOWS_DAYS = (7, 30, 90)
_DAY = timedelta(days=1)
ENGAGEMENT_GROWTH_POSTS = 6  # compared with the 6 before them: 12 posts, what scoring reads
# Follower anomalies: a step (or run of steps) is a spike or a drop when its per-day log-change
# is more than SPIKE_MADS robust standard deviations from the account's median AND the jump
# beyond the account's own trend over that gap is at least MIN_JUMP.
SPIKE_MADS = 8.0
MIN_JUMP = 0.10
MIN_DAILY_SD = 0.0005  # floor of the per-day spread: 0.05% a day, about 0.35% a week
MIN_STEPS = 3
MAD_TO_SD = 1.4826
HIGH_JUMP, MEDIUM_JUMP = 0.30, 0.15
# Follow/unfollow churn: `following` changes by at least a quarter (log-symmetric), in
# alternating directions, at least CHURN_REVERSALS times over at least CHURN_SWINGS swings.
CHURN_SWING = math.log(1.25)
CHURN_SWINGS = 3
CHURN_REVERSALS = 2
CHURN_HIGH_REVERSALS = 4


class NoGrowth(StrEnum):
    NOT_ENOUGH_CAPTURES = "not_enough_captures"
    NOT_ENOUGH_HISTORY = "not_enough_history"
    NOT_ENOUGH_POSTS = "not_enough_posts"
    NO_FOLLOWERS = "no_followers"
    NO_START_FOLLOWERS = "no_start_followers"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AnomalyKind(StrEnum):
    FOLLOWER_SPIKE = "follower_spike"
    FOLLOWER_DROP = "follower_drop"
    FOLLOW_CHURN = "follow_churn"


# Stored as JSON: no __slots__, which orjson writes slower (see signals.py).
@dataclass(frozen=True)
class FollowerGrowth:
    """Growth over the ``days`` before the newest capture; None fields come with a reason."""

    days: int
    start_followers: float | None  # interpolated at newest capture - days
    end_followers: int | None  # the newest capture
    change: float | None  # followers
    change_pct: float | None  # percent of start_followers
    weekly_pct: float | None  # the same growth compounded per 7 days, percent
    reason: str | None = None


@dataclass(frozen=True)
class Anomaly:
    kind: AnomalyKind
    start: datetime  # the capture before the change
    end: datetime  # the capture after it
    magnitude: float  # followers gained or lost; for churn, median accounts (un)followed
    magnitude_pct: float  # percent of the count before; for churn, high over low count
    severity: Severity
    explanation: str


@dataclass(frozen=True)
class AnomalyReport:
    anomalies: tuple[Anomaly, ...]
    baseline_weekly_pct: float | None  # the account's median growth, per 7 days
    reason: str | None = None  # why follower anomalies could not be looked for

    def kinds(self) -> set[AnomalyKind]:
        return {a.kind for a in self.anomalies}


@dataclass(frozen=True)
class GrowthSummary:
    version: str
    windows: Mapping[int, FollowerGrowth]
    anomalies: AnomalyReport


@dataclass(frozen=True, slots=True)
class EngagementGrowth:
    """Median post rate of the newest N usable posts against the N before them."""

    recent: RateStats | None
    previous: RateStats | None
    change: float | None  # recent median - previous median (rate, not percent)
    change_pct: float | None  # percent of the previous median
    reason: str | None = None


@dataclass(slots=True)  # private and many per account: not frozen, which costs per field
class _Step:
    start: datetime
    end: datetime
    days: float
    before: int
    after: int
    log_change: float  # log((after + 1) / (before + 1))


def clean_series(series: Iterable[FollowerPoint]) -> list[FollowerPoint]:
    """Captures in time order; negative counts dropped; of two at one time the later wins."""
    points = list(series)
    # Fast path: stored series arrive ordered, unique in time and non-negative.
    if all(a.captured_at < b.captured_at and a.followers >= 0 for a, b in pairwise(points)) and (
        not points or points[-1].followers >= 0
    ):
        return points
    by_time = {p.captured_at: p for p in points if p.followers >= 0}
    return [by_time[t] for t in sorted(by_time)]


def followers_at(points: Sequence[FollowerPoint], when: datetime) -> float | None:
    """Followers at ``when`` by linear interpolation between the captures around it; None
    outside [first capture, last capture] (never extrapolated). ``points`` from clean_series."""
    if not points or when < points[0].captured_at or when > points[-1].captured_at:
        return None
    i = bisect_left([p.captured_at for p in points], when)
    after = points[i]
    if after.captured_at == when:
        return float(after.followers)
    before = points[i - 1]
    share = (when - before.captured_at) / (after.captured_at - before.captured_at)
    return before.followers + share * (after.followers - before.followers)


def follower_growth(series: Iterable[FollowerPoint], days: int) -> FollowerGrowth:
    """Growth from ``days`` before the newest capture to the newest capture."""
    return _growth(clean_series(series), days)


def _growth(points: Sequence[FollowerPoint], days: int) -> FollowerGrowth:
    """follower_growth of a series clean_series returned."""
    if len(points) < 2:
        return _no_growth(days, NoGrowth.NOT_ENOUGH_CAPTURES)
    end = points[-1]
    start = followers_at(points, end.captured_at - timedelta(days=days))
    if start is None:
        return _no_growth(days, NoGrowth.NOT_ENOUGH_HISTORY)
    change = end.followers - start
    if start <= 0:
        reason = str(NoGrowth.NO_START_FOLLOWERS)
        return FollowerGrowth(days, start, end.followers, change, None, None, reason)
    weekly = ((end.followers / start) ** (7.0 / days) - 1.0) * 100.0
    return FollowerGrowth(days, start, end.followers, change, 100.0 * change / start, weekly)


def _no_growth(days: int, reason: NoGrowth) -> FollowerGrowth:
    return FollowerGrowth(days, None, None, None, None, None, str(reason))


def growth_summary(
    series: Iterable[FollowerPoint], windows: Sequence[int] = WINDOWS_DAYS
) -> GrowthSummary:
    """Growth over each window and the anomalies of the series."""
    points = clean_series(series)
    return GrowthSummary(
        version=GROWTH_VERSION,
        windows={days: _growth(points, days) for days in windows},
        anomalies=_anomalies(points),
    )


def detect_anomalies(series: Iterable[FollowerPoint]) -> AnomalyReport:
    """Follower spikes and drops against the account's own robust trend, and follow churn."""
    return _anomalies(clean_series(series))


def _anomalies(points: Sequence[FollowerPoint]) -> AnomalyReport:
    """detect_anomalies of a series clean_series returned."""
    churn = _churn(points)
    steps = _steps([(p.captured_at, p.followers) for p in points])
    if len(steps) < MIN_STEPS:
        return AnomalyReport(tuple(churn), None, str(NoGrowth.NOT_ENOUGH_CAPTURES))
    daily = [s.log_change / s.days for s in steps]
    centre = median(daily)
    spread = max(MAD_TO_SD * median([abs(d - centre) for d in daily]), MIN_DAILY_SD)
    jumps = _jumps(steps, daily, centre, spread)
    baseline = (math.exp(7.0 * centre) - 1.0) * 100.0
    return AnomalyReport((*jumps, *churn), baseline)


def _steps(counts: Sequence[tuple[datetime, int]], min_change: float = 0.0) -> list[_Step]:
    """The steps between consecutive counts whose absolute log-change is at least
    ``min_change`` (all of them by default)."""
    return [
        _Step(t0, t1, (t1 - t0) / _DAY, c0, c1, change)
        for (t0, c0), (t1, c1) in pairwise(counts)
        if abs(change := math.log((c1 + 1) / (c0 + 1))) >= min_change
    ]


def _jumps(
    steps: Sequence[_Step], daily: Sequence[float], centre: float, spread: float
) -> list[Anomaly]:
    """Runs of consecutive steps far from the trend in one direction, kept when the run's
    jump beyond the trend is at least MIN_JUMP (so gradual delivery over days still counts)."""
    runs: list[list[_Step]] = []
    direction = 0
    for step, rate in zip(steps, daily, strict=True):
        deviation = (rate - centre) / spread
        sign = 1 if deviation > SPIKE_MADS else -1 if deviation < -SPIKE_MADS else 0
        if sign != 0 and sign != direction:
            runs.append([])
        if sign != 0:
            runs[-1].append(step)
        direction = sign
    return [anomaly for run in runs for anomaly in _jump(run, centre)]


def _jump(run: Sequence[_Step], centre: float) -> list[Anomaly]:
    first, last = run[0], run[-1]
    days = sum(s.days for s in run)
    excess = math.expm1(sum(s.log_change for s in run) - centre * days)
    if abs(excess) < MIN_JUMP:
        return []
    change = last.after - first.before
    pct = 100.0 * change / max(first.before, 1)
    kind = AnomalyKind.FOLLOWER_SPIKE if excess > 0 else AnomalyKind.FOLLOWER_DROP
    usual = (math.exp(7.0 * centre) - 1.0) * 100.0
    verb = "rose" if change >= 0 else "fell"
    text = (
        f"Followers {verb} from {first.before:,} to {last.after:,} ({pct:+.1f}%) between "
        f"{first.start:%Y-%m-%d} and {last.end:%Y-%m-%d}, while the account usually grows "
        f"{usual:+.1f}% a week. "
    )
    text += (
        "Bought followers look like this (so can a viral post): check that engagement grew too."
        if kind is AnomalyKind.FOLLOWER_SPIKE
        else "A purge of fake followers by the platform, or a mass unfollow, looks like this."
    )
    severity = _jump_severity(abs(excess))
    return [Anomaly(kind, first.start, last.end, float(change), pct, severity, text)]


def _jump_severity(size: float) -> Severity:
    if size >= HIGH_JUMP:
        return Severity.HIGH
    return Severity.MEDIUM if size >= MEDIUM_JUMP else Severity.LOW


def _churn(points: Sequence[FollowerPoint]) -> list[Anomaly]:
    """Follow/unfollow churn: large swings of `following` that keep reversing direction."""
    counts = [
        (p.captured_at, p.following) for p in points if p.following is not None and p.following >= 0
    ]
    swings = _steps(counts, CHURN_SWING)
    reversals = sum(1 for a, b in pairwise(swings) if _rising(a) != _rising(b))
    if len(swings) < CHURN_SWINGS or reversals < CHURN_REVERSALS:
        return []
    accounts = median([float(abs(s.after - s.before)) for s in swings])
    ratio = math.expm1(median([abs(s.log_change) for s in swings])) * 100.0
    start, end = swings[0].start, swings[-1].end
    text = (
        f"The number of accounts followed made {len(swings)} large swings, reversing direction "
        f"{reversals} times, between {start:%Y-%m-%d} and {end:%Y-%m-%d}: typically "
        f"{accounts:,.0f} accounts, the higher count {ratio:.0f}% above the lower. Following "
        "many accounts and unfollowing them again is a way to collect follow-backs."
    )
    severity = Severity.HIGH if reversals >= CHURN_HIGH_REVERSALS else Severity.MEDIUM
    return [Anomaly(AnomalyKind.FOLLOW_CHURN, start, end, accounts, ratio, severity, text)]


def _rising(step: _Step) -> bool:
    return step.after > step.before


def engagement_growth(
    account: AccountObservation,
    *,
    posts_each: int = ENGAGEMENT_GROWTH_POSTS,
    as_of: datetime | None = None,
    min_age: timedelta = MIN_POST_AGE,
) -> EngagementGrowth:
    """Change of the median post rate (engagements / current followers) between the newest
    ``posts_each`` usable posts and the ``posts_each`` before them (same rules as the rate)."""
    if posts_each < 1:
        raise ValueError(f"posts_each must be at least 1, got {posts_each}")
    followers = account.followers
    if followers <= 0:
        return EngagementGrowth(None, None, None, None, str(NoGrowth.NO_FOLLOWERS))
    posts, _ = select_posts(
        account.posts,
        last_n=len(account.posts),
        as_of=as_of or account.captured_at,
        min_age=min_age,
    )
    rates = _usable_rates(posts, followers, account.platform)[: 2 * posts_each]
    if len(rates) < 2 * posts_each:
        return EngagementGrowth(None, None, None, None, str(NoGrowth.NOT_ENOUGH_POSTS))
    recent, previous = rate_stats(rates[:posts_each]), rate_stats(rates[posts_each:])
    if recent is None or previous is None:
        raise AssertionError("both halves hold posts_each rates")
    change = recent.median - previous.median
    pct = 100.0 * change / previous.median if previous.median > 0 else None
    return EngagementGrowth(recent, previous, change, pct)


def _usable_rates(posts: Iterable[PostObservation], followers: int, platform: str) -> list[float]:
    rates: list[float] = []
    for post in posts:
        counted = count_engagements(post, platform)
        if not isinstance(counted, Exclusion):
            rates.append(counted / followers)
    return rates
