"""Engagement rates: per post, per account over its recent posts, and a peer-informed interval."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import Any

from microreach.science.observations import AccountObservation, PostObservation
from microreach.science.peers import PeerPrior, default_prior

ENGAGEMENT_VERSION = "2"
RECENT_POSTS = 12
MIN_POST_AGE = timedelta(hours=24)
VIDEO_TYPES = frozenset({"reel", "video", "short"})
EPHEMERAL_TYPES = frozenset({"story", "live"})
# Half an engagement per post keeps log-rates finite when a post has no engagement at all.
CONTINUITY = 0.5
Z90 = 1.6448536269514722  # standard normal 95th percentile: a central 90% interval


class Exclusion(StrEnum):
    """Why a post is left out of an account's rate."""

    DELETED = "deleted"
    EPHEMERAL = "ephemeral"  # stories and lives
    TOO_YOUNG = "too_young"  # still gathering engagement
    LIKES_HIDDEN = "likes_hidden"
    MISSING_COUNTS = "missing_counts"  # comments (or every count) not captured
    INVALID_COUNTS = "invalid_counts"  # a negative count


class NoRate(StrEnum):
    """Why an account has no rate when no post exclusion explains it."""

    NO_FOLLOWERS = "no_followers"
    NO_POSTS = "no_posts"


@dataclass(frozen=True, slots=True)
class PostEngagement:
    """One post's engagements and rates; all None, with the reason, when it cannot count."""

    engagements: int | None
    by_followers: float | None
    by_views: float | None
    by_reach: float | None
    excluded: Exclusion | None = None


# Stored as JSON: no __slots__, which orjson writes slower (see signals.py).
@dataclass
class RateStats:
    posts: int
    mean: float
    median: float


@dataclass(frozen=True, slots=True)
class RateInterval:
    """Posterior of the account's typical rate (exp of its mean log-rate) and a 90% interval."""

    typical: float
    low: float
    high: float
    data_weight: float  # share of the posterior precision that comes from the account's posts
    prior_source: str  # peer group label, or "global-default"


@dataclass(frozen=True)
class EngagementSummary:
    """An account's engagement over its recent posts (see docs/metrics.md, Engagement)."""

    version: str
    followers: int
    rate: RateStats | None  # engagements / followers over the usable posts
    excluded: Mapping[str, int]  # Exclusion value -> posts left out
    by_type: Mapping[str, RateStats]
    by_views: RateStats | None  # video posts with views
    by_reach: RateStats | None  # posts with reach
    comments: RateStats | None  # comments / followers, posts with hidden likes included
    interval: RateInterval | None
    log_rates: tuple[float, ...] = ()  # per usable post, for peer statistics
    reason: str | None = None

    @property
    def posts_used(self) -> int:
        return 0 if self.rate is None else self.rate.posts

    @property
    def posts_excluded(self) -> int:
        return sum(self.excluded.values())


def count_engagements(post: PostObservation, platform: str) -> int | Exclusion:
    """Likes + comments, plus saves (Instagram) or shares (TikTok) when the capture has them."""
    likes, comments = post.likes, post.comments
    if comments is None:
        return Exclusion.MISSING_COUNTS
    if likes is None:
        return Exclusion.LIKES_HIDDEN
    extra = _extra_count(post, platform) or 0
    if likes < 0 or comments < 0 or extra < 0:
        return Exclusion.INVALID_COUNTS
    return likes + comments + extra


def _extra_count(post: PostObservation, platform: str) -> int | None:
    if platform == "instagram":
        return post.saves
    if platform == "tiktok":
        return post.shares
    return None


def post_engagement(post: PostObservation, followers: int, platform: str) -> PostEngagement:
    """Rates of one post by followers, by views (video posts) and by reach (when given).

    Age and post type are not judged here: that is the account window's job (select_posts).
    """
    if post.deleted:
        return PostEngagement(None, None, None, None, Exclusion.DELETED)
    counted = count_engagements(post, platform)
    if isinstance(counted, Exclusion):
        return PostEngagement(None, None, None, None, counted)
    return PostEngagement(
        counted,
        counted / followers if followers > 0 else None,
        _by_views(post, counted),
        _by_reach(post, counted),
    )


def _by_views(post: PostObservation, engagements: int) -> float | None:
    views = post.views
    if post.post_type not in VIDEO_TYPES or views is None or views <= 0:
        return None
    return engagements / views


def _by_reach(post: PostObservation, engagements: int) -> float | None:
    reach = post.reach
    return engagements / reach if reach is not None and reach > 0 else None


def log_rate(engagements: int, followers: int) -> float:
    """log((engagements + 1/2) / followers): the scale the interval and peer priors use."""
    return math.log((engagements + CONTINUITY) / followers)


def _window_exclusion(
    post: PostObservation, as_of: datetime | None, min_age: timedelta
) -> Exclusion | None:
    if post.deleted:
        return Exclusion.DELETED
    if post.post_type in EPHEMERAL_TYPES:
        return Exclusion.EPHEMERAL
    seen = post.captured_at or as_of
    if seen is not None and seen - post.posted_at < min_age:
        return Exclusion.TOO_YOUNG
    return None


def _newest_first(post: PostObservation) -> tuple[Any, ...]:
    """Sort key, newest first when reversed. Posts published at the same time are ordered by
    their content and counts, so the posts chosen never depend on the order they arrive in."""
    return (
        post.posted_at,
        post.post_type,
        post.caption,
        *(-1 if n is None else n for n in (post.likes, post.comments, post.views, post.shares)),
        *(-1 if n is None else n for n in (post.saves, post.reach)),
        post.deleted,
    )


def _newest_order(posts: Iterable[PostObservation]) -> list[PostObservation]:
    """Posts newest first. With no two published at the same time, the publication time alone
    gives _newest_first's order at a fraction of the cost of building its keys."""
    items = list(posts)
    if len({p.posted_at for p in items}) == len(items):
        return sorted(items, key=_POSTED_AT, reverse=True)
    return sorted(items, key=_newest_first, reverse=True)


_POSTED_AT = attrgetter("posted_at")


def select_posts(
    posts: Iterable[PostObservation],
    *,
    last_n: int = RECENT_POSTS,
    window: timedelta | None = None,
    as_of: datetime | None = None,
    min_age: timedelta = MIN_POST_AGE,
) -> tuple[list[PostObservation], dict[str, int]]:
    """The posts an account rate is measured on, newest first, and what was skipped.

    Without ``window``: the ``last_n`` newest posts that are live feed posts old enough to
    count (deleted, story/live and too-young posts are skipped and counted, and older posts
    take their place). With ``window``: every post in [as_of - window, as_of].
    """
    since = None
    if window is not None:
        if as_of is None:
            raise ValueError("a time window needs as_of (or the account's captured_at)")
        since = as_of - window
    chosen: list[PostObservation] = []
    excluded: dict[str, int] = {}
    for post in _newest_order(posts):
        if since is not None:
            if post.posted_at < since:
                break
            if as_of is not None and post.posted_at > as_of:
                continue
        elif len(chosen) >= last_n:
            break
        reason = _window_exclusion(post, as_of, min_age)
        if reason is None:
            chosen.append(post)
        else:
            excluded[reason] = excluded.get(reason, 0) + 1
    return chosen, excluded


def rate_stats(values: Sequence[float]) -> RateStats | None:
    """Count, mean and median; None for no values."""
    n = len(values)
    if n == 0:
        return None
    ordered = sorted(values)
    mid = n // 2
    median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return RateStats(n, sum(ordered) / n, median)


def credible_interval(
    log_rates: Sequence[float], prior: PeerPrior, z: float = Z90
) -> RateInterval | None:
    """Normal-normal posterior of the account's typical log-rate, returned on the rate scale.

    Each post's log-rate is the account's typical log-rate plus post noise of sd
    ``prior.post_sd``; the typical log-rate is drawn from the peers' Normal(mean, account_sd).
    """
    figures = posterior_figures(log_rates, prior, z)
    if figures is None:
        return None
    typical, low, high, data_weight = figures
    return RateInterval(typical, low, high, data_weight, prior.source)


def posterior_figures(
    log_rates: Sequence[float], prior: PeerPrior, z: float = Z90
) -> tuple[float, float, float, float] | None:
    """credible_interval's typical rate, low, high and data weight as a plain tuple (the
    scoring job's peer pass recomputes them for every stored account); None without posts."""
    n = len(log_rates)
    if n == 0:
        return None
    prior_precision = 1.0 / (prior.account_sd * prior.account_sd)
    post_precision = 1.0 / (prior.post_sd * prior.post_sd)
    precision = prior_precision + n * post_precision
    centre = (prior.mean * prior_precision + sum(log_rates) * post_precision) / precision
    half = z / math.sqrt(precision)
    return (
        math.exp(centre),
        math.exp(centre - half),
        math.exp(centre + half),
        n * post_precision / precision,
    )


def account_engagement(
    account: AccountObservation,
    prior: PeerPrior | None = None,
    *,
    last_n: int = RECENT_POSTS,
    window: timedelta | None = None,
    as_of: datetime | None = None,
    min_age: timedelta = MIN_POST_AGE,
) -> EngagementSummary:
    """Engagement of an account over its ``last_n`` newest usable posts (or a time window).

    ``as_of`` defaults to the account's capture time; ``prior`` to the global default prior
    for its platform and size. Rates use the account's current follower count.
    """
    followers = account.followers
    if followers <= 0:
        return _without_rate(followers, {}, NoRate.NO_FOLLOWERS)
    as_of = as_of or account.captured_at
    posts, excluded = select_posts(
        account.posts, last_n=last_n, window=window, as_of=as_of, min_age=min_age
    )
    rates = _Rates()
    for post in posts:
        reason = rates.add(post, followers, account.platform)
        if reason is not None:
            excluded[reason] = excluded.get(reason, 0) + 1
    if not rates.by_followers:
        return _without_rate(followers, excluded, _no_rate_reason(excluded), rates.comments)
    prior = prior or default_prior(account.platform, followers)
    return EngagementSummary(
        version=ENGAGEMENT_VERSION,
        followers=followers,
        rate=rate_stats(rates.by_followers),
        excluded=excluded,
        by_type={kind: _stats(values) for kind, values in rates.by_type.items()},
        by_views=rate_stats(rates.by_views),
        by_reach=rate_stats(rates.by_reach),
        comments=rate_stats(rates.comments),
        interval=credible_interval(rates.log_rates, prior),
        log_rates=tuple(rates.log_rates),
    )


def with_prior(summary: EngagementSummary, prior: PeerPrior) -> EngagementSummary:
    """The summary with its interval recomputed under ``prior``: the scoring job's second pass,
    once the peer groups are measured from the first pass's log-rates."""
    return replace(summary, interval=credible_interval(summary.log_rates, prior))


class _Rates:
    """Per-post rates of one account, gathered in one pass."""

    __slots__ = ("by_followers", "by_reach", "by_type", "by_views", "comments", "log_rates")

    def __init__(self) -> None:
        self.by_followers: list[float] = []
        self.log_rates: list[float] = []
        self.by_views: list[float] = []
        self.by_reach: list[float] = []
        self.comments: list[float] = []
        self.by_type: dict[str, list[float]] = {}

    def add(self, post: PostObservation, followers: int, platform: str) -> Exclusion | None:
        """Record a post's rates; the reason when it cannot count toward the account rate."""
        if post.comments is not None and post.comments >= 0:
            self.comments.append(post.comments / followers)
        counted = count_engagements(post, platform)
        if isinstance(counted, Exclusion):
            return counted
        rate = counted / followers
        self.by_followers.append(rate)
        self.log_rates.append(log_rate(counted, followers))
        self.by_type.setdefault(post.post_type, []).append(rate)
        by_views = _by_views(post, counted)
        if by_views is not None:
            self.by_views.append(by_views)
        by_reach = _by_reach(post, counted)
        if by_reach is not None:
            self.by_reach.append(by_reach)
        return None


def _stats(values: list[float]) -> RateStats:
    stats = rate_stats(values)
    if stats is None:
        raise AssertionError("a post type is listed only once it has a rate")
    return stats


def _no_rate_reason(excluded: Mapping[str, int]) -> str:
    """The most common exclusion (ties: the first in Exclusion's order), else no_posts."""
    if not excluded:
        return NoRate.NO_POSTS
    return max(Exclusion, key=lambda reason: excluded.get(reason, 0))


def _without_rate(
    followers: int, excluded: Mapping[str, int], reason: str, comments: Sequence[float] = ()
) -> EngagementSummary:
    return EngagementSummary(
        version=ENGAGEMENT_VERSION,
        followers=followers,
        rate=None,
        excluded=excluded,
        by_type={},
        by_views=None,
        by_reach=None,
        comments=rate_stats(comments),
        interval=None,
        reason=str(reason),
    )
