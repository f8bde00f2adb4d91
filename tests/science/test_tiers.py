"""Follower tiers: boundaries checked by hand for every scheme."""

from __future__ import annotations

import itertools

import pytest

from microreach.science.tiers import SCHEMES, get_scheme, tier_for


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
