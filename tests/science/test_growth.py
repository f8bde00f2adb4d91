"""Follower growth by interpolation, engagement growth, and anomalies on hand and synthetic data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from microreach.science.growth import (
    GROWTH_VERSION,
    AnomalyKind,
    AnomalyReport,
    clean_series,
    detect_anomalies,
    engagement_growth,
    follower_growth,
    followers_at,
    growth_summary,
)
from microreach.science.observations import AccountObservation, FollowerPoint, PostObservation
from microreach.synthetic import writer
from microreach.synthetic.generator import generate_chunk

START = datetime(2026, 1, 1, tzinfo=UTC)
AS_OF_US = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1_000_000)
Synthetic = tuple[dict[object, list[FollowerPoint]], dict[object, str | None]]
NOISE = (1.0, 1.002, 0.998, 1.001, 0.999, 1.0015, 0.9985)


def at(day: float, followers: int, following: int | None = None) -> FollowerPoint:
    return FollowerPoint(START + timedelta(days=day), followers, following)


def weekly(weeks: int = 12, jump_week: int | None = None, factor: float = 1.0) -> list[int]:
    """Followers growing 1% a week with small measurement noise, times ``factor`` from
    ``jump_week`` on."""
    counts = []
    for week in range(weeks):
        value = 10_000 * 1.01**week * NOISE[week % len(NOISE)]
        if jump_week is not None and week >= jump_week:
            value *= factor
        counts.append(round(value))
    return counts


def series(
    counts: Sequence[int], skip: Sequence[int] = (), every: float = 7
) -> list[FollowerPoint]:
    return [at(i * every, c) for i, c in enumerate(counts) if i not in skip]


# Growth by interpolation


def test_clean_series_sorts_drops_negatives_and_keeps_the_later_duplicate() -> None:
    points = [at(5, 120), at(0, 100), at(5, 125), at(3, -1)]
    assert [(p.captured_at.day, p.followers) for p in clean_series(points)] == [(1, 100), (6, 125)]


def test_followers_at_interpolates_linearly_and_never_extrapolates() -> None:
    points = [at(0, 1_000), at(10, 1_100), at(20, 1_300)]
    assert followers_at(points, START + timedelta(days=5)) == pytest.approx(1_050)
    assert followers_at(points, START + timedelta(days=15)) == pytest.approx(1_200)
    assert followers_at(points, START + timedelta(days=10)) == 1_100
    assert followers_at(points, START - timedelta(hours=1)) is None
    assert followers_at(points, START + timedelta(days=20, hours=1)) is None
    assert followers_at([], START) is None


def test_growth_hand_vectors() -> None:
    points = [at(0, 1_000), at(14, 1_200), at(28, 1_300)]
    week = follower_growth(points, 7)
    # Start: day 21, halfway between 1,200 and 1,300.
    assert (week.start_followers, week.end_followers, week.change) == (1_250, 1_300, 50)
    assert week.change_pct == pytest.approx(4.0)
    assert week.weekly_pct == pytest.approx(4.0)
    four = follower_growth(points, 28)
    assert (four.start_followers, four.change) == (1_000, 300)
    assert four.change_pct == pytest.approx(30.0)
    assert four.weekly_pct == pytest.approx(100 * (1.3**0.25 - 1))
    assert four.reason is None


def test_growth_needs_history_covering_the_window() -> None:
    points = [at(0, 1_000), at(14, 1_200), at(28, 1_300)]
    month = follower_growth(points, 30)
    assert (month.change, month.change_pct, month.reason) == (None, None, "not_enough_history")
    assert follower_growth(points[:1], 7).reason == "not_enough_captures"
    assert follower_growth([], 7).reason == "not_enough_captures"


def test_growth_from_zero_followers_has_no_percent() -> None:
    grown = follower_growth([at(0, 0), at(7, 40)], 7)
    assert (grown.change, grown.change_pct, grown.reason) == (40, None, "no_start_followers")


def test_growth_summary_has_every_window_and_the_anomalies() -> None:
    summary = growth_summary(series(weekly(16)))
    assert summary.version == GROWTH_VERSION == "1"
    assert sorted(summary.windows) == [7, 30, 90]
    assert summary.windows[90].weekly_pct == pytest.approx(1.0, abs=0.05)
    assert isinstance(summary.anomalies, AnomalyReport)
    assert summary.anomalies.anomalies == ()


# Follower anomalies on hand-made series


def test_a_steady_series_has_no_anomalies_and_its_baseline() -> None:
    report = detect_anomalies(series(weekly(12)))
    assert report.anomalies == ()
    assert report.reason is None
    assert report.baseline_weekly_pct == pytest.approx(1.0, abs=0.2)


def test_a_jump_is_flagged_with_its_dates_size_and_severity() -> None:
    counts = weekly(12, jump_week=6, factor=1.25)
    report = detect_anomalies(series(counts))
    (spike,) = report.anomalies
    assert spike.kind is AnomalyKind.FOLLOWER_SPIKE
    assert (spike.start, spike.end) == (START + timedelta(days=35), START + timedelta(days=42))
    assert spike.magnitude == counts[6] - counts[5]
    assert spike.magnitude_pct == pytest.approx(100 * (counts[6] - counts[5]) / counts[5])
    assert spike.severity == "medium"
    assert "Bought followers" in spike.explanation
    big = detect_anomalies(series(weekly(12, jump_week=6, factor=1.5))).anomalies
    assert [a.severity for a in big] == ["high"]


def test_a_purge_is_flagged_as_a_drop() -> None:
    (drop,) = detect_anomalies(series(weekly(12, jump_week=8, factor=0.8))).anomalies
    assert drop.kind is AnomalyKind.FOLLOWER_DROP
    assert drop.magnitude < 0
    assert drop.start == START + timedelta(days=49)


def test_missing_weeks_do_not_create_spikes() -> None:
    report = detect_anomalies(series(weekly(16), skip=(3, 4, 5, 9, 12)))
    assert report.anomalies == ()
    assert report.baseline_weekly_pct == pytest.approx(1.0, abs=0.15)


def test_a_jump_across_missing_weeks_spans_the_gap() -> None:
    counts = weekly(14, jump_week=6, factor=1.2)
    (spike,) = detect_anomalies(series(counts, skip=(5, 6))).anomalies
    assert (spike.start, spike.end) == (START + timedelta(days=28), START + timedelta(days=49))


def test_followers_delivered_over_several_days_are_one_spike() -> None:
    counts = [
        round(20_000 * 1.001**d * NOISE[d % 7] * 1.05 ** min(max(d - 9, 0), 4)) for d in range(30)
    ]
    steps = [counts[d] / counts[d - 1] - 1 for d in range(10, 14)]
    assert max(steps) < 0.10  # no single day crosses the 10% jump on its own
    (spike,) = detect_anomalies(series(counts, every=1)).anomalies
    assert (spike.start, spike.end) == (START + timedelta(days=9), START + timedelta(days=13))
    assert spike.magnitude_pct == pytest.approx(100 * (counts[13] / counts[9] - 1))


def test_small_jumps_and_short_gaps_are_not_flagged() -> None:
    assert detect_anomalies(series(weekly(12, jump_week=6, factor=1.06))).anomalies == ()
    hourly_noise = [*series(weekly(8)), at(49 + 1 / 24, round(weekly(8)[-1] * 1.004))]
    assert detect_anomalies(hourly_noise).anomalies == ()


def test_too_few_captures_skip_follower_anomalies() -> None:
    report = detect_anomalies(series([1_000, 1_500, 1_520]))
    assert (report.anomalies, report.baseline_weekly_pct) == ((), None)
    assert report.reason == "not_enough_captures"


# Follow/unfollow churn


def test_following_that_keeps_swinging_is_churn() -> None:
    points = [at(7 * i, 5_000, g) for i, g in enumerate([1_000, 2_200, 1_000, 2_200, 1_000])]
    (churn,) = detect_anomalies(points).anomalies
    assert churn.kind is AnomalyKind.FOLLOW_CHURN
    assert (churn.start, churn.end) == (START, START + timedelta(days=28))
    assert churn.magnitude == 1_200
    assert churn.magnitude_pct == pytest.approx(120.0, abs=0.2)  # (2,201 / 1,001 - 1)
    assert churn.severity == "medium"
    longer = [at(7 * i, 5_000, 1_000 if i % 2 else 2_500) for i in range(10)]
    assert [a.severity for a in detect_anomalies(longer).anomalies] == ["high"]


def test_one_follow_spree_and_missing_following_are_not_churn() -> None:
    spree = [at(7 * i, 5_000, g) for i, g in enumerate([1_000, 2_000, 1_000, 1_010, 1_020])]
    assert detect_anomalies(spree).anomalies == ()
    gaps = [at(7 * i, 5_000, None if i % 2 else 1_000 + i) for i in range(10)]
    assert detect_anomalies(gaps).anomalies == ()


# Engagement growth

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def posts_with(engagements: Sequence[int | None]) -> AccountObservation:
    """Posts newest first, two days apart, with the given likes (no comments)."""
    posts = tuple(
        PostObservation(
            posted_at=NOW - timedelta(days=2 + 2 * i), post_type="photo", likes=e, comments=0
        )
        for i, e in enumerate(engagements)
    )
    return AccountObservation(platform="instagram", followers=10_000, posts=posts, captured_at=NOW)


def test_engagement_growth_compares_medians_of_recent_and_previous_posts() -> None:
    grown = engagement_growth(posts_with([300, 500, 400, 400, 200, 600] + [500] * 6))
    assert grown.recent is not None and grown.previous is not None
    assert (grown.recent.median, grown.previous.median) == (0.04, 0.05)
    assert grown.change == pytest.approx(-0.01)
    assert grown.change_pct == pytest.approx(-20.0)


def test_engagement_growth_skips_unusable_posts_and_needs_enough() -> None:
    hidden = engagement_growth(posts_with([400] * 3 + [None] + [400] * 3 + [200] * 6))
    assert hidden.change_pct == pytest.approx(100.0)
    assert engagement_growth(posts_with([400] * 11)).reason == "not_enough_posts"
    assert engagement_growth(posts_with([400] * 4), posts_each=2).change == 0.0
    from_zero = engagement_growth(posts_with([400] * 6 + [0] * 6))
    assert from_zero.change == pytest.approx(0.04)
    assert from_zero.change_pct is None


def test_engagement_growth_without_followers() -> None:
    account = AccountObservation(platform="tiktok", followers=0, captured_at=NOW)
    assert engagement_growth(account).reason == "no_followers"
    with pytest.raises(ValueError, match="posts_each"):
        engagement_growth(account, posts_each=0)


# Synthetic accounts: known fraud patterns


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    """Follower series and fraud labels of about 3,900 generated accounts."""
    points: dict[object, list[FollowerPoint]] = defaultdict(list)
    fraud: dict[object, str | None] = {}
    for index in range(3):
        chunk = generate_chunk(7, index, AS_OF_US, "test-key")
        for row in chunk.rows[writer.ACCOUNT_SNAPSHOTS.name]:
            when = datetime.fromisoformat(str(row[1])).replace(tzinfo=UTC)
            points[row[0]].append(FollowerPoint(when, int(str(row[2])), int(str(row[3]))))
        for row in chunk.rows[writer.TRUTH.name]:
            fraud[row[0]] = None if row[2] is None else str(row[2])
    return points, fraud


def flagged_share(
    data: Synthetic,
    label: str | None,
    kind: AnomalyKind | None,
    drop: float = 0.0,
) -> tuple[float, int]:
    """Share of ``label`` accounts with an anomaly of ``kind`` (any when None), after dropping
    a random ``drop`` share of every series' captures (never the newest)."""
    points, fraud = data
    rng = np.random.default_rng(3)
    accounts = [a for a, f in fraud.items() if f == label]
    hits = 0
    for account in accounts:
        series_ = points[account]
        keep = [p for p in series_[:-1] if rng.random() >= drop] + series_[-1:]
        kinds = detect_anomalies(keep).kinds()
        hits += bool(kinds) if kind is None else kind in kinds
    return hits / len(accounts), len(accounts)


def test_bought_followers_are_flagged_and_honest_accounts_rarely(synthetic: Synthetic) -> None:
    bought, count = flagged_share(synthetic, "bought_followers", AnomalyKind.FOLLOWER_SPIKE)
    assert count > 80
    assert bought >= 0.90
    honest, honest_count = flagged_share(synthetic, None, None)
    assert honest_count > 3_000
    assert honest <= 0.03


def test_follow_churn_accounts_are_flagged_as_churn(synthetic: Synthetic) -> None:
    churn, count = flagged_share(synthetic, "follow_churn", AnomalyKind.FOLLOW_CHURN)
    assert count > 25
    assert churn >= 0.90
    assert flagged_share(synthetic, None, AnomalyKind.FOLLOW_CHURN)[0] <= 0.01


def test_missing_captures_neither_hide_spikes_nor_invent_them(synthetic: Synthetic) -> None:
    assert flagged_share(synthetic, None, AnomalyKind.FOLLOWER_SPIKE, drop=0.4)[0] <= 0.01
    assert (
        flagged_share(synthetic, "bought_followers", AnomalyKind.FOLLOWER_SPIKE, drop=0.4)[0]
        >= 0.85
    )


def test_synthetic_growth_matches_the_generator(synthetic: Synthetic) -> None:
    """Honest accounts grow Normal(0.4%, 0.6%) a week: the median 90-day weekly rate is ~0.4%."""
    points, fraud = synthetic
    weekly_rates = [
        follower_growth(points[a], 90).weekly_pct for a, f in fraud.items() if f is None
    ]
    measured = [w for w in weekly_rates if w is not None]
    assert len(measured) > 0.9 * len(weekly_rates)
    assert float(np.median(measured)) == pytest.approx(0.4, abs=0.05)
    assert float(np.std(measured)) == pytest.approx(0.6, abs=0.1)
