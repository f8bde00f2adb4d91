"""Follower tiers: boundaries checked by hand for every scheme."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest

from microreach.science.tiers import (
    SCHEMES,
    configure_overrides,
    get_scheme,
    overrides_tag,
    parse_overrides,
    tier_for,
)


@pytest.mark.parametrize(
    ("followers", "expected"),
    [
        (0, "nano"), (999, "nano"), (1_000, "micro"), (99_999, "micro"), (100_000, "mid"),
        (499_999, "mid"), (500_000, "macro"), (999_999, "macro"), (1_000_000, "mega"),
        (50_000_000, "mega"),
    ],
)  # fmt: skip
def test_brief_scheme_boundaries(followers: int, expected: str) -> None:
    assert tier_for(followers).name == expected


@pytest.mark.parametrize(
    ("followers", "expected"),
    [(9_999, "nano"), (10_000, "micro"), (100_000, "mid"), (1_000_000, "mega")],
)
def test_later_fohr_scheme(followers: int, expected: str) -> None:
    assert tier_for(followers, scheme="later-fohr-2021").name == expected


@pytest.mark.parametrize(
    ("followers", "expected"),
    [(999, "below-nano"), (1_000, "nano"), (4_999, "nano"), (5_000, "micro"),
     (20_000, "mid"), (100_000, "macro"), (1_000_000, "mega")],
)  # fmt: skip
def test_hypeauditor_scheme(followers: int, expected: str) -> None:
    assert tier_for(followers, scheme="hypeauditor-2018").name == expected


def test_every_scheme_covers_all_counts_without_gaps() -> None:
    for scheme in SCHEMES.values():
        tiers = scheme.tiers
        assert tiers[0].lower == 0 and tiers[-1].upper is None
        for lower, upper in itertools.pairwise(tiers):
            assert lower.upper == upper.lower


def test_labels_are_readable() -> None:
    assert tier_for(5_000).label == "micro (1K-100K)"
    assert tier_for(2_000_000).label == "mega (1M+)"


def test_negative_followers_and_unknown_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        tier_for(-1)
    with pytest.raises(ValueError, match="unknown tier scheme 'nope'"):
        get_scheme("nope")


# --- the operator's per-platform overrides (MICROREACH_TIER_OVERRIDES) ---------------------

PLATFORMS = ("instagram", "tiktok", "youtube")


@pytest.fixture
def no_overrides_after() -> Iterator[None]:
    yield
    configure_overrides({})


def test_an_override_names_a_scheme_or_gives_lower_bounds() -> None:
    ladders = parse_overrides(
        '{"youtube": "later-fohr-2021", "tiktok": {"micro": 5000, "nano": 0, "mega": 2000000}}',
        PLATFORMS,
    )
    assert ladders["youtube"] == SCHEMES["later-fohr-2021"].tiers
    assert [(t.name, t.lower, t.upper) for t in ladders["tiktok"]] == [
        ("nano", 0, 5_000), ("micro", 5_000, 2_000_000), ("mega", 2_000_000, None)
    ]  # fmt: skip
    assert parse_overrides("", PLATFORMS) == {} and parse_overrides("  ", PLATFORMS) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{youtube", "is not valid JSON"),
        ('["youtube"]', "must be a JSON object"),
        ('{"myspace": "brief"}', "unknown platform 'myspace'; known: instagram, tiktok, youtube"),
        ('{"youtube": "giant"}', "youtube: unknown tier scheme 'giant'"),
        ('{"youtube": 5}', "youtube: give a scheme key or an object"),
        ('{"youtube": {}}', "youtube: give a scheme key or an object"),
        ('{"tiktok": {"nano": 10, "micro": 5000}}', "tiktok: the lowest tier must start at 0"),
        ('{"tiktok": {"nano": 0, "micro": -5}}', "tiktok: tier 'micro' needs a whole number"),
        ('{"tiktok": {"nano": 0, "micro": 2.5}}', "tiktok: tier 'micro' needs a whole number"),
        ('{"tiktok": {"nano": 0, "micro": true}}', "tiktok: tier 'micro' needs a whole number"),
        ('{"tiktok": {"nano": 0, "Micro": 5}}', "tiktok: tier name 'Micro' must be"),
        ('{"tiktok": {"nano": 0, "micro": 0}}', "two tiers start at the same follower count"),
    ],
)
def test_bad_overrides_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_overrides(text, PLATFORMS)


def test_overrides_replace_the_platform_ladder_in_every_scheme(no_overrides_after: None) -> None:
    assert tier_for(5_000, "youtube").name == "micro" and overrides_tag() == ""
    configure_overrides(
        parse_overrides('{"youtube": {"starter": 0, "rising": 10000, "big": 250000}}', PLATFORMS)
    )
    for scheme in SCHEMES:
        assert tier_for(5_000, "youtube", scheme).name == "starter"
        assert tier_for(10_000, "youtube", scheme).name == "rising"
        assert tier_for(250_000, "youtube", scheme).label == "big (250K+)"
    # Other platforms keep each scheme's own ladder.
    assert tier_for(5_000, "instagram").name == "micro"
    assert tier_for(5_000, "tiktok", "hypeauditor-2018").name == "micro"
    assert tier_for(5_000).name == "micro"
    first = overrides_tag()
    assert first.startswith("+") and len(first) == 9
    configure_overrides(parse_overrides('{"youtube": "later-fohr-2021"}', PLATFORMS))
    assert tier_for(5_000, "youtube").name == "nano"
    assert overrides_tag() not in ("", first)
    configure_overrides({})
    assert tier_for(5_000, "youtube").name == "micro" and overrides_tag() == ""
