"""Properties of the science: tiers, engagement, peer ranks, growth and explainable scores."""

from __future__ import annotations

import math
from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from microreach.science import engagement, growth, peers, signals, tiers
from microreach.science.observations import AccountObservation, FollowerPoint
from tests.properties.strategies import AS_OF, accounts, follower_series

SCHEME_PLATFORMS = [
    (scheme, platform)
    for scheme in sorted(tiers.SCHEMES)
    for platform in (None, "instagram", "tiktok", "youtube", "unknown")
]
followers = st.integers(min_value=0, max_value=10**10)


# Tiers


@given(where=st.sampled_from(SCHEME_PLATFORMS), a=followers, b=followers)
def test_tier_for_is_monotone_in_followers(where: tuple[str, str | None], a: int, b: int) -> None:
    scheme, platform = where
    low, high = sorted((a, b))
    ladder = tiers.get_scheme(scheme).tiers_for(platform)
    first = ladder.index(tiers.tier_for(low, platform, scheme))
    second = ladder.index(tiers.tier_for(high, platform, scheme))
    assert first <= second


@given(where=st.sampled_from(SCHEME_PLATFORMS), n=followers)
def test_every_count_is_in_exactly_one_tier(where: tuple[str, str | None], n: int) -> None:
    scheme, platform = where
    ladder = tiers.get_scheme(scheme).tiers_for(platform)
    containing = [tier for tier in ladder if tier.contains(n)]
    assert containing == [tiers.tier_for(n, platform, scheme)]


@pytest.mark.parametrize(("scheme", "platform"), SCHEME_PLATFORMS)
def test_tier_boundaries_belong_to_the_upper_tier(scheme: str, platform: str | None) -> None:
    ladder = tiers.get_scheme(scheme).tiers_for(platform)
    assert ladder[0].lower == 0 and ladder[-1].upper is None
    for below, above in pairwise(ladder):
        assert below.upper == above.lower
        assert tiers.tier_for(above.lower, platform, scheme) == above
        assert tiers.tier_for(above.lower - 1, platform, scheme) == below


@given(n=st.integers(max_value=-1))
def test_negative_counts_have_no_tier(n: int) -> None:
    with pytest.raises(ValueError):
        tiers.tier_for(n)


# Engagement


def _rates(summary: engagement.EngagementSummary) -> list[float]:
    stats = [summary.rate, summary.by_views, summary.by_reach, summary.comments]
    stats += list(summary.by_type.values())
    return [x for s in stats if s is not None for x in (s.mean, s.median)]


@given(account=accounts())
def test_engagement_interval_brackets_the_typical_rate_and_rates_are_not_negative(
    account: AccountObservation,
) -> None:
    summary = engagement.account_engagement(account)

    assert all(rate >= 0 for rate in _rates(summary))
    if summary.interval is not None:
        interval = summary.interval
        assert 0 < interval.low <= interval.typical <= interval.high
        assert 0 <= interval.data_weight <= 1
    if summary.rate is None:
        assert summary.reason and summary.interval is None
    else:
        assert summary.reason is None and summary.interval is not None
    assert summary.posts_used + summary.posts_excluded <= len(account.posts)


@given(account=accounts(unique_times=False), data=st.data())
def test_engagement_does_not_depend_on_the_order_of_posts(
    account: AccountObservation, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(account.posts))
    reordered = AccountObservation(**{**_fields(account), "posts": tuple(shuffled)})

    assert engagement.account_engagement(reordered) == engagement.account_engagement(account)


@settings(max_examples=25)
@given(account=accounts(), followers=st.integers(min_value=-1000, max_value=0))
def test_no_followers_means_no_rate_and_says_why(
    account: AccountObservation, followers: int
) -> None:
    summary = engagement.account_engagement(
        AccountObservation(**{**_fields(account), "followers": followers})
    )

    assert summary.rate is None and summary.interval is None
    assert summary.reason == engagement.NoRate.NO_FOLLOWERS


def _fields(account: AccountObservation) -> dict[str, object]:
    return {name: getattr(account, name) for name in AccountObservation.__slots__}


# Peers

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(values=st.lists(finite, min_size=1, max_size=50), a=finite, b=finite)
def test_percentile_rank_is_a_monotone_percentage(values: list[float], a: float, b: float) -> None:
    ordered = sorted(values)
    low, high = sorted((a, b))
    rank_low = peers.percentile_rank(low, ordered)
    rank_high = peers.percentile_rank(high, ordered)

    assert 0.0 <= rank_low <= rank_high <= 100.0


@given(values=st.lists(finite, min_size=1, max_size=50))
def test_percentile_rank_of_a_member_is_inside_the_group(values: list[float]) -> None:
    ordered = sorted(values)
    for value in ordered:
        assert 0.0 < peers.percentile_rank(value, ordered) < 100.0


# Growth


@given(
    count=st.integers(min_value=0, max_value=10**9),
    hours=st.lists(st.integers(min_value=0, max_value=300 * 24), min_size=2, unique=True),
    days=st.sampled_from(growth.WINDOWS_DAYS),
)
def test_a_constant_series_does_not_grow(count: int, hours: list[int], days: int) -> None:
    series = [FollowerPoint(AS_OF - timedelta(hours=h), count) for h in hours]
    result = growth.follower_growth(series, days)

    assert result.change in (None, 0)
    assert result.change_pct in (None, 0)
    assert result.weekly_pct in (None, 0)
    if result.change is None:
        assert result.reason == growth.NoGrowth.NOT_ENOUGH_HISTORY


@given(series=follower_series(unique_times=False))
def test_clean_series_is_idempotent_ordered_and_non_negative(
    series: list[FollowerPoint],
) -> None:
    cleaned = growth.clean_series(series)

    assert growth.clean_series(cleaned) == cleaned
    assert all(a.captured_at < b.captured_at for a, b in pairwise(cleaned))
    assert all(p.followers >= 0 for p in cleaned)


@given(series=follower_series(unique_times=True), data=st.data())
def test_clean_series_ignores_the_order_of_captures(
    series: list[FollowerPoint], data: st.DataObject
) -> None:
    # Two captures at one time are resolved by order ("the later wins"), so times are unique.
    shuffled = data.draw(st.permutations(series))
    assert growth.clean_series(shuffled) == growth.clean_series(series)


@given(
    start=st.integers(min_value=1_000, max_value=10_000_000),
    daily=st.floats(min_value=-0.02, max_value=0.05),
    gaps=st.lists(st.integers(min_value=6, max_value=30 * 24), min_size=3, max_size=40),
    following=st.one_of(st.none(), st.integers(min_value=0, max_value=5_000)),
)
def test_a_smooth_series_has_no_anomalies(
    start: int, daily: float, gaps: list[int], following: int | None
) -> None:
    hours = [sum(gaps[:i]) for i in range(len(gaps) + 1)]
    series = [
        FollowerPoint(
            AS_OF - timedelta(hours=hours[-1] - h),
            round(start * math.exp(daily * h / 24)),
            following,
        )
        for h in hours
    ]
    assume(series[-1].followers > 0)

    report = growth.detect_anomalies(series)
    assert report.anomalies == ()


# Explainable scores


def _signal(index: int) -> signals.Signal:
    expected = signals.PeerRange(0.0, 1.0, "tests")
    return signals.Signal(
        f"s{index}", "signal", 0.5, "share", expected, 0, signals.Status.OK, AS_OF, "text"
    )


raw_points = st.lists(
    st.floats(min_value=-150, max_value=150, allow_nan=False), min_size=1, max_size=9
)


@given(raw=raw_points, up=st.booleans())
def test_apportion_adds_up_to_the_rounded_total(raw: list[float], up: bool) -> None:
    total = sum(raw)
    target = math.ceil(total) if up else math.floor(total)
    points = signals.apportion(raw, target)

    assert sum(points) == target
    assert all(abs(p - v) < 1 + 1e-9 for p, v in zip(points, raw, strict=True))


@given(raw=raw_points, target=st.integers(min_value=-100, max_value=100))
def test_apportion_with_scaling_adds_up_to_any_target(raw: list[float], target: int) -> None:
    assume(abs(sum(raw)) > 1e-6)
    assert sum(signals.apportion(raw, target, scale=True)) == target


@given(raw=raw_points, base=st.sampled_from([0, 50, 100]))
def test_contributions_add_up_exactly_to_the_score(raw: list[float], base: int) -> None:
    score, final = signals.with_contributions([_signal(i) for i in range(len(raw))], raw, base)

    assert 0 <= score <= 100
    assert score == min(100, max(0, round(base + sum(raw))))
    assert base + sum(s.contribution for s in final) == score
    assert [s.key for s in final] == [f"s{i}" for i in range(len(raw))]


def test_engagement_with_tied_post_times_does_not_depend_on_their_order() -> None:
    from microreach.science.observations import PostObservation

    posted = AS_OF - timedelta(days=2)
    posts = tuple(
        PostObservation(posted_at=posted, post_type="photo", likes=likes, comments=0)
        for likes in [100] * 12 + [0]
    )
    account = AccountObservation("instagram", 1000, posts=posts, captured_at=AS_OF)
    reordered = AccountObservation(**{**_fields(account), "posts": posts[::-1]})

    assert engagement.account_engagement(reordered) == engagement.account_engagement(account)
