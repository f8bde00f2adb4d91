"""Follower tiers: named schemes with per-platform thresholds (see docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    lower: int  # inclusive
    upper: int | None  # exclusive; None means no upper bound

    def contains(self, followers: int) -> bool:
        return followers >= self.lower and (self.upper is None or followers < self.upper)

    @property
    def label(self) -> str:
        if self.upper is None:
            return f"{self.name} ({_short(self.lower)}+)"
        return f"{self.name} ({_short(self.lower)}-{_short(self.upper)})"


@dataclass(frozen=True, slots=True)
class TierScheme:
    key: str
    title: str
    source: str
    tiers: tuple[Tier, ...]
    per_platform: dict[str, tuple[Tier, ...]] = field(default_factory=dict)

    def tiers_for(self, platform: str | None) -> tuple[Tier, ...]:
        if platform is not None and platform in self.per_platform:
            return self.per_platform[platform]
        return self.tiers


def _short(value: int) -> str:
    if value >= 1_000_000 and value % 1_000_000 == 0:
        return f"{value // 1_000_000}M"
    if value >= 1_000 and value % 1_000 == 0:
        return f"{value // 1_000}K"
    return str(value)


def _ladder(*steps: tuple[str, int]) -> tuple[Tier, ...]:
    """Tiers from (name, lower bound) steps in increasing order; the last has no upper bound."""
    tiers = []
    for index, (name, lower) in enumerate(steps):
        upper = steps[index + 1][1] if index + 1 < len(steps) else None
        tiers.append(Tier(name, lower, upper))
    return tuple(tiers)


BRIEF = TierScheme(
    key="brief",
    title="microreach default",
    source="The product brief: micro-influencers have about 1,000 to 100,000 followers.",
    tiers=_ladder(
        ("nano", 0), ("micro", 1_000), ("mid", 100_000), ("macro", 500_000), ("mega", 1_000_000)
    ),
)

LATER_FOHR_2021 = TierScheme(
    key="later-fohr-2021",
    title="Later x Fohr 2021",
    source="Later x Fohr, Influencer Marketing Benchmarks Report 2021.",
    tiers=_ladder(
        ("nano", 0), ("micro", 10_000), ("mid", 100_000), ("macro", 500_000), ("mega", 1_000_000)
    ),
)

HYPEAUDITOR_2018 = TierScheme(
    key="hypeauditor-2018",
    title="HypeAuditor 2018",
    source="HypeAuditor, Instagram influencer tiers, 2018.",
    tiers=_ladder(
        ("below-nano", 0),
        ("nano", 1_000),
        ("micro", 5_000),
        ("mid", 20_000),
        ("macro", 100_000),
        ("mega", 1_000_000),
    ),
)

SCHEMES: dict[str, TierScheme] = {s.key: s for s in (BRIEF, LATER_FOHR_2021, HYPEAUDITOR_2018)}


def get_scheme(key: str) -> TierScheme:
    try:
        return SCHEMES[key]
    except KeyError:
        known = ", ".join(sorted(SCHEMES))
        raise ValueError(f"unknown tier scheme {key!r}; known: {known}") from None


def tier_for(followers: int, platform: str | None = None, scheme: str = "brief") -> Tier:
    """The tier of an account with ``followers`` on ``platform`` under ``scheme``."""
    if followers < 0:
        raise ValueError(f"followers must not be negative, got {followers}")
    for tier in get_scheme(scheme).tiers_for(platform):
        if tier.contains(followers):
            return tier
    raise AssertionError("tier ladders start at 0 and end unbounded")
