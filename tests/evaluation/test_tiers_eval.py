"""Engagement by tier on a hand-checked posts file, and on Kim et al. 2020 when present."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from microreach.evaluation.data import dataset_dir
from microreach.evaluation.tiers import PUBLISHED, MicroUplift, evaluate_tiers
from microreach.kit.errors import InvalidError

# username, followers, likes, comments; engagement per follower in the comment.
POSTS = [
    ("a", "2000", "40", "0"),  # 0.02
    ("a", "2000", "50", "10"),  # 0.03
    ("a", "2000", "90", "10"),  # 0.05 -> a: median 0.03
    ("b", "5000", "200", "50"),  # b: 0.05
    ("c", "20000", "400", "0"),  # 0.02
    ("c", "20000", "600", "0"),  # 0.03 -> c: median 0.025
    ("d", "200000", "4000", "0"),  # d: 0.02
    ("e", "2000000", "19000", "1000"),  # e: 0.01
    ("f", "500", "10", "0"),  # under 1K: no tier
    ("g", "", "10", "0"),  # skipped: no followers
    ("h", "0", "10", "0"),  # skipped: zero followers
    ("i", "3000", "", "1"),  # skipped: no likes
]


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    path = tmp_path / "posts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["username", "followers", "likes", "comments", "caption"])
        writer.writerows((*row, "") for row in POSTS)
    return path


def test_tier_medians_are_medians_over_influencers_of_their_post_medians(posts: Path) -> None:
    result = evaluate_tiers(posts)
    assert (result.posts, result.skipped_posts, result.influencers, result.below_tiers) == (
        12,
        3,
        6,
        1,
    )
    small = result.tier("1K-10K")
    assert small.influencers == 2
    assert small.median == pytest.approx(0.04)  # a 0.03, b 0.05
    assert result.tier("10K-50K").median == pytest.approx(0.025)
    assert result.tier("100K-500K").median == pytest.approx(0.02)
    assert result.tier("1M+").median == pytest.approx(0.01)
    empty = result.tier("50K-100K")
    assert (empty.influencers, empty.median, empty.q1, empty.q3) == (0, None, None, None)
    assert small.published == PUBLISHED["1K-10K"]


def test_micro_uplift_compares_1k_100k_with_accounts_above_150k(posts: Path) -> None:
    uplift = evaluate_tiers(posts).uplift
    assert uplift is not None
    assert (uplift.micro_influencers, uplift.large_influencers) == (3, 2)
    assert uplift.micro_median == pytest.approx(0.03)  # a 0.03, b 0.05, c 0.025
    assert uplift.large_median == pytest.approx(0.015)  # d 0.02, e 0.01
    assert uplift.uplift_percent == pytest.approx(100.0)
    assert uplift.low_percent <= uplift.high_percent
    assert evaluate_tiers(posts).uplift == uplift  # seeded bootstrap


def test_the_claim_holds_only_inside_the_interval() -> None:
    inside = MicroUplift(10, 10, 0.03, 0.02, 50.0, 40.0, 90.0, 85.0)
    below = MicroUplift(10, 10, 0.03, 0.02, 50.0, 40.0, 60.0, 85.0)
    assert inside.claim_holds
    assert not below.claim_holds


def test_a_file_without_follower_counts_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("username,likes,comments\na,1,2\n", encoding="utf-8")
    with pytest.raises(InvalidError, match="followers"):
        evaluate_tiers(bad)


def test_on_kim_2020_tier_medians_are_within_0_2_points_of_the_published_ones() -> None:
    folder = dataset_dir("kim2020-instagram-influencers")
    posts = folder / "posts_dev.csv" if folder else None
    if posts is None or not posts.is_file():
        pytest.skip("../shared/data/kim2020-instagram-influencers is not available")
    result = evaluate_tiers(posts)
    for tier in result.tiers:
        assert tier.median is not None and tier.published is not None
        assert abs(tier.median - tier.published) <= 0.002, tier
    assert result.uplift is not None
    assert result.uplift.low_percent <= result.uplift.uplift_percent <= result.uplift.high_percent
