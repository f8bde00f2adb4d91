"""Engagement per follower by tier on post-level data: medians, IQRs and the micro uplift."""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from microreach.kit.errors import InvalidError, NotFoundError
from microreach.science.tiers import Tier

REQUIRED = ("username", "followers", "likes", "comments")
TIERS = (
    Tier("1K-10K", 1_000, 10_000),
    Tier("10K-50K", 10_000, 50_000),
    Tier("50K-100K", 50_000, 100_000),
    Tier("100K-500K", 100_000, 500_000),
    Tier("500K-1M", 500_000, 1_000_000),
    Tier("1M+", 1_000_000, None),
)
# Kim et al. 2020, full sample (../shared/data/README.md): median engagement per follower.
PUBLISHED = {
    "1K-10K": 0.0402,
    "10K-50K": 0.0296,
    "50K-100K": 0.0249,
    "100K-500K": 0.0250,
    "500K-1M": 0.0249,
    "1M+": 0.0231,
}
MICRO = Tier("micro", 1_000, 100_000)
LARGE_ABOVE = 150_000  # the brief compares micro accounts with accounts above 150K followers
CLAIMED_UPLIFT = 85.0  # per cent: "micro engagement is about 85% higher"
RESAMPLES = 2000
SEED = 2020


@dataclass(frozen=True, slots=True)
class TierEngagement:
    """Quartiles over a tier's influencers of each one's median (likes + comments) / followers."""

    tier: str
    influencers: int
    median: float | None
    q1: float | None
    q3: float | None
    published: float | None


@dataclass(frozen=True, slots=True)
class MicroUplift:
    """How much higher micro (1K-100K) median engagement is than that of accounts above 150K."""

    micro_influencers: int
    large_influencers: int
    micro_median: float
    large_median: float
    uplift_percent: float  # (micro / large - 1) * 100
    low_percent: float  # 90% bootstrap interval of the uplift
    high_percent: float
    claimed_percent: float

    @property
    def claim_holds(self) -> bool:
        """The claimed uplift lies inside the 90% interval."""
        return self.low_percent <= self.claimed_percent <= self.high_percent


@dataclass(frozen=True, slots=True)
class TierEvalResult:
    posts: int
    skipped_posts: int  # missing or unreadable followers, likes or comments, or no followers
    influencers: int
    below_tiers: int  # influencers under 1,000 followers
    tiers: tuple[TierEngagement, ...]
    uplift: MicroUplift | None  # None when either group is empty

    def tier(self, name: str) -> TierEngagement:
        return next(t for t in self.tiers if t.tier == name)

    def summary(self) -> str:
        lines = [
            f"engagement by tier: {self.influencers:,} influencers from {self.posts:,} posts "
            f"({self.skipped_posts:,} posts skipped, {self.below_tiers:,} influencers under 1K)",
            "per influencer: median over posts of (likes + comments) / followers; per tier: "
            "median and IQR over influencers",
            f"{'tier':<11}{'n':>7}{'median':>9}{'IQR':>17}{'published':>11}",
        ]
        lines += [_tier_line(t) for t in self.tiers]
        if self.uplift is not None:
            lines.append(_uplift_line(self.uplift))
        return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _tier_line(t: TierEngagement) -> str:
    iqr = f"{_percent(t.q1)}-{_percent(t.q3)}"
    median, published = _percent(t.median), _percent(t.published)
    return f"{t.tier:<11}{t.influencers:>7,}{median:>9}{iqr:>17}{published:>11}"


def _uplift_line(u: MicroUplift) -> str:
    verdict = "holds" if u.claim_holds else "does not hold"
    return (
        f"micro (1K-100K, n={u.micro_influencers:,}) median {u.micro_median:.2%} vs above 150K "
        f"(n={u.large_influencers:,}) {u.large_median:.2%}: {u.uplift_percent:+.0f}% "
        f"(90% bootstrap interval {u.low_percent:+.0f}% to {u.high_percent:+.0f}%); "
        f"the claim of +{u.claimed_percent:.0f}% {verdict}"
    )


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw or "")
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def influencer_rates(posts_file: Path) -> tuple[dict[str, tuple[float, float]], int, int]:
    """Per influencer: (followers, median engagement per follower); posts read; posts skipped.

    Followers are the median of the influencer's rows (constant in Kim's data).
    """
    if not posts_file.is_file():
        raise NotFoundError(f"no such file: {posts_file}", field="posts")
    rates: dict[str, list[float]] = defaultdict(list)
    followers: dict[str, list[float]] = defaultdict(list)
    posts = skipped = 0
    with posts_file.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise InvalidError(
                f"{posts_file.name} lacks column(s) {', '.join(missing)}", field="posts"
            )
        for row in reader:
            posts += 1
            count, likes, comments = (_number(row[c]) for c in REQUIRED[1:])
            if count is None or likes is None or comments is None or count <= 0:
                skipped += 1
                continue
            rates[row["username"]].append((likes + comments) / count)
            followers[row["username"]].append(count)
    out = {u: (statistics.median(followers[u]), statistics.median(r)) for u, r in rates.items()}
    return out, posts, skipped


def tier_engagement(tier: Tier, rates: Sequence[tuple[float, float]]) -> TierEngagement:
    values = [rate for count, rate in rates if tier.contains(int(count))]
    published = PUBLISHED.get(tier.name)
    if not values:
        return TierEngagement(tier.name, 0, None, None, None, published)
    # Quartiles by the (n + 1)p rule, as Python's statistics.quantiles.
    q1, median, q3 = np.percentile(values, [25, 50, 75], method="weibull")
    return TierEngagement(tier.name, len(values), float(median), float(q1), float(q3), published)


def _bootstrap_medians(
    values: NDArray[np.float64], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Medians of ``RESAMPLES`` resamples with replacement, drawn in blocks to bound memory."""
    block = max(1, 2_000_000 // len(values))
    out = []
    for start in range(0, RESAMPLES, block):
        size = min(block, RESAMPLES - start)
        out.append(np.median(values[rng.integers(0, len(values), (size, len(values)))], axis=1))
    return np.concatenate(out)


def micro_uplift(rates: Sequence[tuple[float, float]], seed: int = SEED) -> MicroUplift | None:
    """Micro median over large median, minus one, with a percentile bootstrap interval.

    Both groups are resampled independently (influencers with replacement), ``RESAMPLES`` times.
    """
    micro = np.array([r for c, r in rates if MICRO.contains(int(c))])
    large = np.array([r for c, r in rates if c > LARGE_ABOVE])
    if micro.size == 0 or large.size == 0 or np.median(large) <= 0:
        return None
    rng = np.random.default_rng(seed)
    ratios = _bootstrap_medians(micro, rng) / _bootstrap_medians(large, rng)
    low, high = np.percentile((ratios - 1.0) * 100.0, [5, 95])
    micro_median, large_median = float(np.median(micro)), float(np.median(large))
    return MicroUplift(
        micro_influencers=int(micro.size),
        large_influencers=int(large.size),
        micro_median=micro_median,
        large_median=large_median,
        uplift_percent=(micro_median / large_median - 1.0) * 100.0,
        low_percent=float(low),
        high_percent=float(high),
        claimed_percent=CLAIMED_UPLIFT,
    )


def evaluate_tiers(posts_file: Path, seed: int = SEED) -> TierEvalResult:
    """Median engagement per follower by tier, and the micro uplift, from a posts file.

    The file needs columns username, followers, likes and comments (one row per post).
    """
    per_influencer, posts, skipped = influencer_rates(posts_file)
    rates = list(per_influencer.values())
    return TierEvalResult(
        posts=posts,
        skipped_posts=skipped,
        influencers=len(rates),
        below_tiers=sum(1 for count, _ in rates if count < TIERS[0].lower),
        tiers=tuple(tier_engagement(tier, rates) for tier in TIERS),
        uplift=micro_uplift(rates, seed),
    )
