"""Follower tiers: named schemes with per-platform thresholds and the operator's per-platform
overrides (see docs/metrics.md, Follower tiers)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


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

Ladders = Mapping[str, tuple[Tier, ...]]
# The operator's per-platform ladders (MICROREACH_TIER_OVERRIDES), set once per process by
# configure_overrides; they replace a platform's ladder in every scheme.
_overrides: dict[str, tuple[Tier, ...]] = {}
_effective: dict[str, TierScheme] = {}
_tag: list[str] = []  # overrides_tag, once computed
_TIER_NAME = re.compile(r"[a-z][a-z0-9-]{0,23}")


def configure_overrides(ladders: Ladders) -> None:
    """Use ``ladders`` (platform -> tiers, from parse_overrides) in every scheme from now on."""
    _overrides.clear()
    _overrides.update(ladders)
    _effective.clear()
    _tag.clear()


def current_overrides() -> dict[str, tuple[Tier, ...]]:
    """The per-platform ladders in force (to hand to worker processes)."""
    return dict(_overrides)


def overrides_tag() -> str:
    """'' without overrides, else '+' and a short digest of them: part of the tiers version,
    so changing the overrides makes the scoring job score every account again."""
    if not _tag:
        canonical = json.dumps(
            {p: [[t.name, t.lower] for t in ladder] for p, ladder in sorted(_overrides.items())}
        )
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
        _tag.append("+" + digest if _overrides else "")
    return _tag[0]


def get_scheme(key: str) -> TierScheme:
    """The scheme ``key`` with the configured per-platform overrides applied."""
    if (found := _effective.get(key)) is not None:
        return found
    try:
        base = SCHEMES[key]
    except KeyError:
        known = ", ".join(sorted(SCHEMES))
        raise ValueError(f"unknown tier scheme {key!r}; known: {known}") from None
    scheme = replace(base, per_platform={**base.per_platform, **_overrides}) if _overrides else base
    _effective[key] = scheme
    return scheme


def tier_for(followers: int, platform: str | None = None, scheme: str = "brief") -> Tier:
    """The tier of an account with ``followers`` on ``platform`` under ``scheme``."""
    if followers < 0:
        raise ValueError(f"followers must not be negative, got {followers}")
    for tier in get_scheme(scheme).tiers_for(platform):
        if tier.contains(followers):
            return tier
    raise AssertionError("tier ladders start at 0 and end unbounded")


def parse_overrides(text: str, platforms: Collection[str]) -> dict[str, tuple[Tier, ...]]:
    """Per-platform ladders from JSON: ``{"youtube": "later-fohr-2021", "tiktok": {"nano": 0,
    "micro": 5000, ...}}``: a platform takes a scheme's default ladder, or tiers given by their
    lower bounds (the lowest 0, every bound different). ValueError says what is wrong."""
    if not text.strip():
        return {}
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise ValueError('must be a JSON object such as {"youtube": "later-fohr-2021"}')
    ladders: dict[str, tuple[Tier, ...]] = {}
    for platform, spec in data.items():
        if platform not in platforms:
            known = ", ".join(sorted(platforms))
            raise ValueError(f"unknown platform {platform!r}; known: {known}")
        ladders[platform] = _override_ladder(platform, spec)
    return ladders


def _override_ladder(platform: str, spec: Any) -> tuple[Tier, ...]:
    if isinstance(spec, str):
        if spec not in SCHEMES:
            known = ", ".join(sorted(SCHEMES))
            raise ValueError(f"{platform}: unknown tier scheme {spec!r}; known: {known}")
        return SCHEMES[spec].tiers
    if not isinstance(spec, dict) or not spec:
        raise ValueError(
            f"{platform}: give a scheme key or an object of tier names and lower bounds, "
            f"got {spec!r}"
        )
    for name, lower in spec.items():
        if not _TIER_NAME.fullmatch(name):
            raise ValueError(
                f"{platform}: tier name {name!r} must be 1-24 lower-case letters, digits or "
                "'-', starting with a letter"
            )
        if isinstance(lower, bool) or not isinstance(lower, int) or lower < 0:
            raise ValueError(
                f"{platform}: tier {name!r} needs a whole number of followers >= 0, got {lower!r}"
            )
    steps = sorted(spec.items(), key=lambda item: item[1])
    if steps[0][1] != 0:
        raise ValueError(f"{platform}: the lowest tier must start at 0, got {steps[0][1]}")
    bounds = [lower for _, lower in steps]
    if len(set(bounds)) != len(bounds):
        raise ValueError(f"{platform}: two tiers start at the same follower count")
    return _ladder(*steps)
