"""Engagement rates: per-platform counts, exclusions, account summaries and the interval."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from microreach.science.engagement import (
    ENGAGEMENT_VERSION,
    Exclusion,
    account_engagement,
    count_engagements,
    credible_interval,
    log_rate,
    post_engagement,
    posterior_figures,
    rate_stats,
    select_posts,
    with_prior,
)
from microreach.science.observations import AccountObservation, PostObservation
from microreach.science.peers import PeerPrior

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PRIOR = PeerPrior(mean=math.log(0.03), account_sd=0.8, post_sd=0.45, accounts=120, source="peers")


def post(days_ago: float, likes: int | None, comments: int | None, **extra: Any) -> PostObservation:
    values: dict[str, Any] = {"post_type": "photo", "captured_at": NOW}
    values.update(extra)
    return PostObservation(
        posted_at=NOW - timedelta(days=days_ago), likes=likes, comments=comments, **values
    )


def account(
    *posts: PostObservation, followers: int = 10_000, platform: str = "instagram"
) -> AccountObservation:
    return AccountObservation(platform=platform, followers=followers, posts=posts, captured_at=NOW)


@pytest.mark.parametrize(
    ("platform", "expected"),
    [("instagram", 100 + 5 + 7), ("tiktok", 100 + 5 + 3), ("youtube", 105), ("x", 105)],
)
def test_each_platform_counts_its_published_interactions(platform: str, expected: int) -> None:
    counted = post(3, 100, 5, shares=3, saves=7)
    assert count_engagements(counted, platform) == expected


def test_missing_extras_add_nothing_and_missing_core_counts_exclude() -> None:
    assert count_engagements(post(3, 100, 5), "instagram") == 105
    assert count_engagements(post(3, 100, 5), "tiktok") == 105
    assert count_engagements(post(3, None, 5), "instagram") is Exclusion.LIKES_HIDDEN
    assert count_engagements(post(3, 100, None), "youtube") is Exclusion.MISSING_COUNTS
    assert count_engagements(post(3, None, None), "tiktok") is Exclusion.MISSING_COUNTS
    assert count_engagements(post(3, -1, 5), "instagram") is Exclusion.INVALID_COUNTS
    assert count_engagements(post(3, 1, 5, saves=-2), "instagram") is Exclusion.INVALID_COUNTS


def test_post_rates_by_followers_views_and_reach() -> None:
    reel = post(3, 300, 20, post_type="reel", views=8_000, reach=5_000)
    rates = post_engagement(reel, 10_000, "instagram")
    assert rates.engagements == 320
    assert rates.by_followers == pytest.approx(0.032)
    assert rates.by_views == pytest.approx(0.04)
    assert rates.by_reach == pytest.approx(0.064)
    assert rates.excluded is None


def test_views_rate_only_for_video_posts_with_views() -> None:
    assert post_engagement(post(3, 300, 20, views=8_000), 10_000, "instagram").by_views is None
    no_views = post(3, 300, 20, post_type="short", views=0)
    assert post_engagement(no_views, 10_000, "youtube").by_views is None
    short = post(3, 300, 20, post_type="short", views=6_400)
    assert post_engagement(short, 10_000, "youtube").by_views == pytest.approx(0.05)


def test_a_post_without_followers_or_deleted_has_no_follower_rate() -> None:
    video = post(3, 30, 2, post_type="video", views=640, shares=8)
    rates = post_engagement(video, 0, "tiktok")
    assert rates.by_followers is None
    assert rates.by_views == pytest.approx(40 / 640)
    deleted = post_engagement(post(3, 300, 20, deleted=True), 10_000, "instagram")
    assert (deleted.engagements, deleted.by_followers, deleted.excluded) == (
        None,
        None,
        Exclusion.DELETED,
    )


def test_log_rate_adds_half_an_engagement() -> None:
    assert log_rate(0, 1_000) == pytest.approx(math.log(0.0005))
    assert log_rate(99, 1_000) == pytest.approx(math.log(0.0995))


def test_rate_stats_hand_vectors() -> None:
    assert rate_stats([]) is None
    odd = rate_stats([0.04, 0.01, 0.03])
    assert odd is not None
    assert (odd.posts, odd.mean, odd.median) == pytest.approx((3, 0.08 / 3, 0.03))
    even = rate_stats([0.02, 0.05, 0.03, 0.04])
    assert even is not None
    assert (even.posts, even.mean, even.median) == pytest.approx((4, 0.035, 0.035))


def mixed_account() -> AccountObservation:
    """Four usable posts (rates 2%, 3%, 5%, 4%) and one of every kind of exclusion."""
    return account(
        post(0.5, 900, 100),  # 12 hours old: still gathering engagement
        post(2, 190, 10),
        post(3, 280, 20, post_type="reel", views=10_000),
        post(4, 1_000, 50, deleted=True),
        post(5, None, 30),  # likes hidden
        post(6, 480, 20, post_type="reel", views=25_000),
        post(7, 500, 40, post_type="story"),
        post(8, 380, 20, reach=8_000),
    )


def test_account_summary_hand_vector_with_every_exclusion() -> None:
    summary = account_engagement(mixed_account(), PRIOR)
    assert summary.version == ENGAGEMENT_VERSION == "2"
    assert summary.rate is not None
    assert summary.posts_used == 4
    assert summary.rate.mean == pytest.approx(0.035)
    assert summary.rate.median == pytest.approx(0.035)
    assert summary.excluded == {
        "too_young": 1,
        "deleted": 1,
        "likes_hidden": 1,
        "ephemeral": 1,
    }
    assert summary.posts_excluded == 4
    assert summary.reason is None


def test_account_summary_breaks_down_by_type_views_reach_and_comments() -> None:
    summary = account_engagement(mixed_account(), PRIOR)
    photo, reel = summary.by_type["photo"], summary.by_type["reel"]
    assert (photo.posts, photo.mean) == pytest.approx((2, 0.03))
    assert (reel.posts, reel.mean, reel.median) == pytest.approx((2, 0.04, 0.04))
    assert summary.by_views is not None and summary.by_reach is not None
    assert summary.by_views.mean == pytest.approx((0.03 + 0.02) / 2)
    assert summary.by_reach.median == pytest.approx(400 / 8_000)
    # Comments / followers keeps the post whose likes are hidden: 10, 20, 30, 20, 20.
    assert summary.comments is not None
    assert summary.comments.posts == 5
    assert summary.comments.mean == pytest.approx(100 / 5 / 10_000)


def test_hidden_likes_are_excluded_not_read_as_zero() -> None:
    shown = account(post(2, 390, 10), post(3, 390, 10))
    partly_hidden = account(post(2, 390, 10), post(3, None, 10))
    assert (
        account_engagement(partly_hidden, PRIOR).rate
        == account_engagement(account(post(2, 390, 10)), PRIOR).rate
    )
    assert account_engagement(shown, PRIOR).rate is not None
    hidden = account_engagement(account(post(2, None, 12), post(3, None, 8)), PRIOR)
    assert hidden.rate is None and hidden.interval is None
    assert hidden.reason == "likes_hidden"
    assert hidden.excluded == {"likes_hidden": 2}
    assert hidden.comments is not None
    assert hidden.comments.mean == pytest.approx(0.001)


def test_zero_followers_give_no_rate_with_a_reason() -> None:
    summary = account_engagement(account(post(2, 390, 10), followers=0), PRIOR)
    assert (summary.rate, summary.interval, summary.reason) == (None, None, "no_followers")


def test_no_posts_and_only_missing_counts_give_reasons() -> None:
    assert account_engagement(account(), PRIOR).reason == "no_posts"
    missing = account_engagement(account(post(2, None, None), post(3, None, None)), PRIOR)
    assert missing.reason == "missing_counts"
    mostly_hidden = account(post(0.2, 10, 1), post(2, None, 5), post(3, None, 4))
    assert account_engagement(mostly_hidden, PRIOR).reason == "likes_hidden"


def test_last_n_counts_only_posts_old_enough_and_live() -> None:
    posts = [post(0.3, 99, 1), post(1, 99, 1, deleted=True)]
    posts += [post(2 + day, 100 * (day + 1), 0) for day in range(14)]
    summary = account_engagement(account(*posts), PRIOR)
    assert summary.posts_used == 12
    assert summary.excluded == {"too_young": 1, "deleted": 1}
    # The 12 newest usable posts have 100..1,200 engagements: median 650, mean 650.
    assert summary.rate is not None
    assert summary.rate.median == pytest.approx(0.065)
    three = account_engagement(account(*posts), PRIOR, last_n=3)
    assert three.rate is not None
    assert three.rate.mean == pytest.approx(0.02)


def test_min_age_is_a_parameter_and_age_falls_back_to_as_of() -> None:
    young = account(post(0.5, 400, 0), post(3, 200, 0))
    assert account_engagement(young, PRIOR).posts_used == 1
    assert account_engagement(young, PRIOR, min_age=timedelta(0)).posts_used == 2
    uncaptured = account(post(0.5, 400, 0, captured_at=None), post(3, 200, 0, captured_at=None))
    assert account_engagement(uncaptured, PRIOR).posts_used == 1


def test_time_window_uses_posts_inside_it() -> None:
    posts = account(post(2, 100, 0), post(6, 300, 0), post(12, 900, 0), post(30, 900, 0))
    summary = account_engagement(posts, PRIOR, window=timedelta(days=10))
    assert summary.rate is not None
    assert (summary.posts_used, summary.rate.mean) == pytest.approx((2, 0.02))
    earlier = account_engagement(
        posts, PRIOR, window=timedelta(days=10), as_of=NOW - timedelta(days=5)
    )
    assert earlier.rate is not None
    assert (earlier.posts_used, earlier.rate.mean) == pytest.approx((2, 0.06))


def test_a_time_window_needs_a_reference_time() -> None:
    with pytest.raises(ValueError, match="as_of"):
        select_posts([post(2, 1, 1)], window=timedelta(days=7))


def test_interval_for_a_single_post_is_wide_and_pulled_toward_peers() -> None:
    interval = account_engagement(account(post(2, 390, 9)), PRIOR).interval
    assert interval is not None
    # Posterior weight of one post: (1/0.45^2) / (1/0.8^2 + 1/0.45^2) = 0.75964.
    assert interval.data_weight == pytest.approx(0.7596439169)
    assert interval.typical == pytest.approx(0.0372921619)
    assert (interval.low, interval.high) == pytest.approx((0.0195633279, 0.0710873606))
    assert 0.03 < interval.typical < 399.5 / 10_000
    assert interval.prior_source == "peers"


def test_interval_narrows_with_twelve_consistent_posts() -> None:
    one = account_engagement(account(post(2, 390, 9)), PRIOR).interval
    twelve = account_engagement(account(*[post(2 + d, 390, 9) for d in range(12)]), PRIOR).interval
    assert one is not None and twelve is not None
    assert twelve.high / twelve.low < 1.6 < 3.0 < one.high / one.low
    assert twelve.data_weight > 0.97
    assert twelve.typical == pytest.approx(0.03995, rel=0.01)


def test_all_zero_engagement_has_a_finite_interval_near_zero() -> None:
    zeros = account(*[post(2 + d, 0, 0) for d in range(12)], followers=1_000)
    summary = account_engagement(zeros, PRIOR)
    assert summary.rate is not None and summary.rate.mean == 0.0
    assert summary.interval is not None
    assert 0.0 < summary.interval.low < summary.interval.typical < summary.interval.high < 0.001


def test_without_peers_the_global_default_prior_is_used() -> None:
    interval = account_engagement(account(post(2, 390, 9), followers=5_000)).interval
    assert interval is not None
    assert interval.prior_source == "global-default"
    # Kim median at 5,000 followers is 3.7236%; one post at (399.5 / 5,000) is pulled to it.
    expected = math.exp(
        math.log(0.0372358) + 0.7596439 * (math.log(399.5 / 5_000) - math.log(0.0372358))
    )
    assert interval.typical == pytest.approx(expected, rel=1e-5)


def test_credible_interval_needs_posts() -> None:
    assert credible_interval([], PRIOR) is None
    exact = credible_interval([math.log(0.03)] * 4, PRIOR)
    assert exact is not None
    assert exact.typical == pytest.approx(0.03)


def test_with_prior_recomputes_only_the_interval() -> None:
    first = account_engagement(account(post(2, 390, 9), post(3, 290, 9)))
    second = with_prior(first, PRIOR)
    assert second.rate == first.rate and second.log_rates == first.log_rates
    assert second.interval == credible_interval(first.log_rates, PRIOR)
    assert second.interval is not None and first.interval is not None
    assert (first.interval.prior_source, second.interval.prior_source) == (
        "global-default",
        "peers",
    )
    assert with_prior(account_engagement(account(), PRIOR), PRIOR).interval is None


def test_posterior_figures_are_the_credible_interval_as_a_tuple() -> None:
    rates = [math.log(0.021), math.log(0.034), math.log(0.05)]
    interval = credible_interval(rates, PRIOR)
    assert interval is not None
    assert posterior_figures(rates, PRIOR) == (
        interval.typical,
        interval.low,
        interval.high,
        interval.data_weight,
    )
    assert posterior_figures([], PRIOR) is None
