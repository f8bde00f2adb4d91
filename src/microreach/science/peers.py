"""Peer groups (platform x tier x niche): engagement priors, fallbacks and percentile ranks."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# A group needs this many accounts before its own figures are used (see choose_group).
MIN_PEERS = 30
# Floors keep a prior usable when a group is unusually uniform (or tiny after filtering).
MIN_ACCOUNT_SD = 0.10
MIN_POST_SD = 0.10
MAD_TO_SD = 1.4826

# The global default prior, used when no peer group is large enough. Kim et al. 2020: median
# (likes + comments) / followers by tier, placed at each tier's geometric middle on
# log10(followers) (500 followers extends the 1K-10K slope); the same figures as
# microreach.synthetic.calibration, repeated here because science imports nothing else.
KIM_ANCHORS_LOG10 = (2.7, 3.5, 4.35, 4.85, 5.35, 5.85, 6.5)
KIM_ANCHORS_MEDIAN = (0.046, 0.0396, 0.0295, 0.0253, 0.0256, 0.0258, 0.0232)
# Assumption (docs/synthetic-data.md): engagement per follower relative to Instagram.
PLATFORM_ER_FACTOR = {"instagram": 1.0, "tiktok": 1.6, "youtube": 0.35}
# Kim's per-influencer spread split into account-to-account and post-to-post log-sd.
DEFAULT_ACCOUNT_SD = 0.80
DEFAULT_POST_SD = 0.45
DEFAULT_SOURCE = "global-default"


@dataclass(frozen=True, slots=True)
class GroupKey:
    """A peer group; ``None`` parts mean the broader group (any tier, any niche)."""

    platform: str
    tier: str | None = None
    niche: str | None = None

    @property
    def label(self) -> str:
        return "/".join(part for part in (self.platform, self.tier, self.niche) if part)


@dataclass(frozen=True, slots=True)
class PeerPrior:
    """Normal prior on an account's typical log engagement rate, and the post-to-post spread."""

    mean: float  # centre of account log-rates
    account_sd: float  # between-account spread of log-rates
    post_sd: float  # within-account, post-to-post spread of log-rates
    accounts: int  # accounts it was measured on (0 for the global default)
    source: str  # the group's label, or "global-default"


@dataclass(frozen=True, slots=True)
class PeerMember:
    """One account's contribution to its groups: per-post log-rates and a value to rank."""

    platform: str
    tier: str
    niche: str | None
    log_rates: Sequence[float]
    value: float | None = None


@dataclass(frozen=True, slots=True)
class PeerStats:
    """A group's prior and the sorted values its members are ranked against."""

    key: GroupKey
    accounts: int
    prior: PeerPrior | None  # None when fewer than two members had log-rates
    sorted_values: tuple[float, ...]


def group_keys(platform: str, tier: str, niche: str | None) -> tuple[GroupKey, ...]:
    """The groups an account belongs to, narrowest first."""
    broad = (GroupKey(platform, tier), GroupKey(platform))
    return broad if niche is None else (GroupKey(platform, tier, niche), *broad)


def choose_group(
    platform: str,
    tier: str,
    niche: str | None,
    counts: Mapping[GroupKey, int],
    min_accounts: int = MIN_PEERS,
) -> GroupKey | None:
    """The narrowest group with at least ``min_accounts`` members: platform x tier x niche,
    then platform x tier, then platform. None when even the platform is too small."""
    for key in group_keys(platform, tier, niche):
        if counts.get(key, 0) >= min_accounts:
            return key
    return None


def percentile_rank(value: float, sorted_values: Sequence[float]) -> float:
    """Percent of ``sorted_values`` below ``value``, counting ties as half (mid-rank), 0-100.

    Mid-rank keeps ties fair: in [1, 2, 3, 4] the value 2 ranks 37.5, not 25 or 50, and a
    group where everyone has the same value puts everyone at 50.
    """
    n = len(sorted_values)
    if n == 0:
        raise ValueError("percentile_rank needs at least one value")
    below = bisect_left(sorted_values, value)
    equal = bisect_right(sorted_values, value, lo=below) - below
    return 100.0 * (below + 0.5 * equal) / n


def kim_median_rate(followers: float) -> float:
    """Kim et al. median engagement rate for an Instagram account of this size (clamped)."""
    x = math.log10(max(followers, 1.0))
    xs, ys = KIM_ANCHORS_LOG10, KIM_ANCHORS_MEDIAN
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect_right(xs, x)
    share = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
    return ys[i - 1] + share * (ys[i] - ys[i - 1])


def default_prior(platform: str, followers: float) -> PeerPrior:
    """The documented prior when no peer group qualifies: Kim median x platform factor."""
    rate = kim_median_rate(followers) * PLATFORM_ER_FACTOR.get(platform, 1.0)
    return PeerPrior(math.log(rate), DEFAULT_ACCOUNT_SD, DEFAULT_POST_SD, 0, DEFAULT_SOURCE)


def prior_from_log_rates(per_account: Iterable[Sequence[float]], source: str) -> PeerPrior | None:
    """A prior from each account's per-post log-rates (accounts without posts are skipped).

    Post spread: pooled within-account standard deviation. Account centre and spread: median
    and MAD (scaled to a standard deviation) of account mean log-rates, robust to the few
    fraudulent accounts in any group; the part of that spread which is only post noise
    (post_sd^2 / posts, averaged) is taken off. None with fewer than two accounts.
    """
    return _prior_from_moments([_moments(rates) for rates in per_account if len(rates) > 0], source)


def _prior_from_moments(
    moments: Sequence[tuple[float, float, float]], source: str
) -> PeerPrior | None:
    """prior_from_log_rates from each account's _moments (accounts with posts only)."""
    if len(moments) < 2:
        return None
    stats = np.array(moments)
    counts, means, squares = stats[:, 0], stats[:, 1], stats[:, 2]
    dof = float(np.sum(counts - 1.0))
    post_var = float(np.sum(squares)) / dof if dof > 0 else DEFAULT_POST_SD**2
    post_sd = max(math.sqrt(post_var), MIN_POST_SD)
    centre = float(np.median(means))
    spread = MAD_TO_SD * float(np.median(np.abs(means - centre)))
    account_var = spread**2 - float(np.mean(post_sd**2 / counts))
    account_sd = max(math.sqrt(max(account_var, 0.0)), MIN_ACCOUNT_SD)
    return PeerPrior(centre, account_sd, post_sd, len(stats), source)


def _moments(rates: Sequence[float]) -> tuple[float, float, float]:
    """(count, mean, sum of squared deviations) of one account's log-rates."""
    n = len(rates)
    mean = math.fsum(rates) / n
    return float(n), mean, math.fsum((r - mean) ** 2 for r in rates)


def build_peer_stats(key: GroupKey, members: Sequence[PeerMember]) -> PeerStats:
    """Prior and ranking values of one group from its members."""
    values = sorted(m.value for m in members if m.value is not None)
    prior = prior_from_log_rates((m.log_rates for m in members), key.label)
    return PeerStats(key, len(members), prior, tuple(values))


def build_peer_table(members: Iterable[PeerMember]) -> dict[GroupKey, PeerStats]:
    """Every group (all three levels) any member belongs to, with its stats (the same as
    build_peer_stats on each group; a member's moments are computed once, not per group)."""
    return build_peer_table_from(
        (m.platform, m.tier, m.niche, m.log_rates, m.value) for m in members
    )


# A member as a plain tuple: platform, tier, niche, log-rates, value (PeerMember's fields).
MemberTuple = tuple[str, str, str | None, Sequence[float], float | None]


def build_peer_table_from(members: Iterable[MemberTuple]) -> dict[GroupKey, PeerStats]:
    """build_peer_table on members given as plain tuples (no object per member)."""
    groups: dict[tuple[str, str | None, str | None], _Group] = {}
    for platform, tier, niche, log_rates, value in members:
        moments = _moments(log_rates) if len(log_rates) > 0 else None
        keys: tuple[tuple[str, str | None, str | None], ...] = (
            (platform, tier, None),
            (platform, None, None),
        )
        if niche is not None:
            keys = ((platform, tier, niche), *keys)
        for key in keys:
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group()
            group.members += 1
            if moments is not None:
                group.moments.append(moments)
            if value is not None:
                group.values.append(value)
    table: dict[GroupKey, PeerStats] = {}
    for parts, group in groups.items():
        group_key = GroupKey(*parts)
        prior = _prior_from_moments(group.moments, group_key.label)
        table[group_key] = PeerStats(group_key, group.members, prior, tuple(sorted(group.values)))
    return table


class _Group:
    """What build_peer_table gathers for one group."""

    __slots__ = ("members", "moments", "values")

    def __init__(self) -> None:
        self.members = 0
        self.moments: list[tuple[float, float, float]] = []
        self.values: list[float] = []


def _pick(
    table: Mapping[GroupKey, PeerStats],
    member: tuple[str, str, str | None],
    size: Callable[[PeerStats], int],
    min_accounts: int,
) -> PeerStats | None:
    counts = {key: size(table[key]) for key in group_keys(*member) if key in table}
    key = choose_group(*member, counts, min_accounts)
    return None if key is None else table[key]


def prior_for(
    table: Mapping[GroupKey, PeerStats],
    platform: str,
    tier: str,
    niche: str | None,
    followers: float,
    min_accounts: int = MIN_PEERS,
) -> PeerPrior:
    """The engagement prior of an account: that of the narrowest group whose prior was
    measured on at least ``min_accounts`` accounts, else the global default."""
    member = (platform, tier, niche)
    stats = _pick(table, member, _prior_size, min_accounts)
    if stats is None or stats.prior is None:
        return default_prior(platform, followers)
    return stats.prior


class PeerLookup:
    """prior_for and ranking_group on one table, each group chosen once per (platform, tier,
    niche) instead of once per account (the scoring job asks for every account)."""

    __slots__ = ("_priors", "_ranking", "table")

    def __init__(self, table: Mapping[GroupKey, PeerStats]) -> None:
        self.table = table
        self._priors: dict[tuple[str, str, str | None], PeerStats | None] = {}
        self._ranking: dict[tuple[str, str, str | None], PeerStats | None] = {}

    def prior(self, platform: str, tier: str, niche: str | None, followers: float) -> PeerPrior:
        """prior_for(table, platform, tier, niche, followers)."""
        member = (platform, tier, niche)
        if member in self._priors:
            stats = self._priors[member]
        else:
            stats = self._priors[member] = _pick(self.table, member, _prior_size, MIN_PEERS)
        if stats is None or stats.prior is None:
            return default_prior(platform, followers)
        return stats.prior

    def ranking(self, platform: str, tier: str, niche: str | None) -> PeerStats | None:
        """ranking_group(table, platform, tier, niche)."""
        member = (platform, tier, niche)
        if member not in self._ranking:
            self._ranking[member] = ranking_group(self.table, platform, tier, niche)
        return self._ranking[member]


def _prior_size(stats: PeerStats) -> int:
    return stats.prior.accounts if stats.prior else 0


def ranking_group(
    table: Mapping[GroupKey, PeerStats],
    platform: str,
    tier: str,
    niche: str | None,
    min_accounts: int = MIN_PEERS,
) -> PeerStats | None:
    """The narrowest group with at least ``min_accounts`` values to rank an account against;
    None when even the platform has too few (no percentile is shown then)."""
    return _pick(table, (platform, tier, niche), lambda s: len(s.sorted_values), min_accounts)
