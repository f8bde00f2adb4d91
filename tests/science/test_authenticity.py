"""Authenticity: hand-computed deductions per signal, edge cases, and the synthetic evaluation."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sklearn.metrics import roc_auc_score

from microreach.science.authenticity import (
    AUTHENTICITY_VERSION,
    BASE,
    WEIGHTS,
    AuthenticityExpectations,
    GrowthAnomaly,
    authenticity_score,
)
from microreach.science.observations import AccountObservation, CommentObservation, PostObservation
from microreach.science.signals import (
    Confidence,
    PeerRange,
    Score,
    Status,
    apportion,
    ramp,
    status_for,
)
from tests.science.synthetic_scenarios import scenarios

NOW = datetime(2026, 6, 1, tzinfo=UTC)
EDGE = 1.2815515655446004 * 0.8  # 10th/90th percentile of log-rates with the default sd
FULL = (1.2815515655446004 + 1.5) * 0.8


def account(**fields: object) -> AccountObservation:
    values: dict[str, object] = {"platform": "instagram", "followers": 10_000, "captured_at": NOW}
    values.update(fields)
    return AccountObservation(**values)  # type: ignore[arg-type]


def posts(*counts: tuple[int | None, int | None]) -> tuple[PostObservation, ...]:
    return tuple(
        PostObservation(
            posted_at=NOW - timedelta(days=3 + i), post_type="photo", likes=likes,
            comments=comments, captured_at=NOW - timedelta(hours=i),
        )
        for i, (likes, comments) in enumerate(counts)
    )  # fmt: skip


def comment(
    who: str,
    text: str,
    minutes: float,
    *,
    post: str = "p1",
    known: bool = False,
    cid: str = "",
) -> CommentObservation:
    return CommentObservation(
        commenter=who, text=text, commented_at=NOW - timedelta(days=1) + timedelta(minutes=minutes),
        comment_id=cid, post_id=post, known_commenter=known,
    )  # fmt: skip


def adds_up(score: Score) -> bool:
    return score.score == score.base + sum(s.contribution for s in score.signals)


@pytest.mark.parametrize(
    ("raw", "target", "scale", "points"),
    [
        ([-19.164, -9.648, -7.925, -17.5], -54, False, [-19, -10, -8, -17]),
        ([3.6, 3.6, -2.2], 5, False, [4, 3, -2]),  # the tie goes to the first
        ([0.0, 0.0], 0, False, [0, 0]),
        ([-80.0, -40.0, -30.0], -100, True, [-53, -27, -20]),  # scaled by 100 / 150
    ],
)
def test_apportion_whole_points(
    raw: list[float], target: int, scale: bool, points: list[int]
) -> None:
    assert apportion(raw, target, scale) == points
    assert sum(points) == target


def test_ramp_and_status() -> None:
    assert ramp(0.10, 0.12, 0.37) == 0.0 and ramp(0.5, 0.12, 0.37) == 1.0
    assert ramp(0.245, 0.12, 0.37) == pytest.approx(0.5)
    assert ramp(-2.0, -1.0, -3.0) == pytest.approx(0.5)  # full below start
    assert status_for(0.0) is Status.OK and status_for(0.49) is Status.WARNING
    assert status_for(0.5) is Status.ALERT


def test_engagement_far_below_the_tier_is_a_graded_deduction() -> None:
    # ln(0.005 / 0.03) = -1.7918; severity (1.7918 - EDGE) / (FULL - EDGE) = 0.6388; 30 points
    result = authenticity_score(account(), typical_rate=0.005, expected_rate=0.03)
    signal = result.signal("engagement_rate")
    severity = (math.log(6) - EDGE) / (FULL - EDGE)
    assert severity == pytest.approx(0.6388, abs=1e-4)
    assert result.score == round(BASE - 30 * severity) == 81
    assert signal.contribution == -19
    assert signal.status is Status.ALERT
    assert signal.expected.low == pytest.approx(0.03 * math.exp(-EDGE))
    assert signal.expected.high == pytest.approx(0.03 * math.exp(EDGE))
    assert result.confidence is Confidence.LOW  # 30 of 195 weight points measured
    assert result.version == AUTHENTICITY_VERSION and adds_up(result)


@pytest.mark.parametrize(
    ("typical", "expected_points"),
    [(0.03, 0), (0.0831, 0), (0.03 * math.exp(FULL), 30), (0.0, 30), (0.03 * math.exp(-FULL), 30)],
)
def test_engagement_is_penalised_on_both_sides_of_the_peer_range(
    typical: float, expected_points: int
) -> None:
    result = authenticity_score(account(), typical_rate=typical, expected_rate=0.03)
    assert result.signal("engagement_rate").contribution == -expected_points


def test_suspiciously_high_engagement_is_penalised_like_low() -> None:
    high = authenticity_score(account(), typical_rate=0.03 * 6, expected_rate=0.03)
    low = authenticity_score(account(), typical_rate=0.03 / 6, expected_rate=0.03)
    assert high.score == low.score == 81


def test_comments_per_like_outside_the_kim_range() -> None:
    # 4 posts, 400 likes: 80 comments is 0.2 per like; (ln 0.2 - ln 0.082) / ln 4 = 0.6432
    many = authenticity_score(account(posts=posts(*[(100, 20)] * 4)))
    assert many.signal("comments_per_like").value == pytest.approx(0.2)
    assert many.score == round(100 - 15 * (math.log(0.2 / 0.082) / math.log(4))) == 90
    none = authenticity_score(account(posts=posts(*[(100, 0)] * 4)))
    assert none.signal("comments_per_like").contribution == -15
    usual = authenticity_score(account(posts=posts(*[(100, 3)] * 4)))
    assert usual.score == 100 and usual.signal("comments_per_like").status is Status.OK


def test_hidden_likes_leave_the_ratio_unmeasured() -> None:
    hidden = account(posts=posts(*[(None, 5)] * 6))
    result = authenticity_score(hidden)
    assert result.signal("comments_per_like").status is Status.INSUFFICIENT
    assert result.score is None and result.reason is not None


def test_too_few_likes_leave_the_ratio_unmeasured() -> None:
    result = authenticity_score(account(posts=posts(*[(30, 1)] * 3)), typical_rate=0.03,
                                expected_rate=0.03)  # fmt: skip
    assert result.signal("comments_per_like").value is None
    assert result.score == 100


def test_following_many_more_than_followers() -> None:
    # 1,000 followers: usual up to max(1.5, 3000 / 1000) = 3; ratio 9 is ln 3 / ln 4 = 0.79
    result = authenticity_score(
        account(followers=1_000, following=9_000), typical_rate=0.04, expected_rate=0.04
    )
    signal = result.signal("following_ratio")
    assert signal.expected.high == 3.0
    assert signal.contribution == -round(10 * math.log(3) / math.log(4)) == -8
    small = authenticity_score(account(followers=600, following=1_500), typical_rate=0.04,
                               expected_rate=0.04)  # fmt: skip
    assert small.signal("following_ratio").contribution == 0  # 1,500 is within 3,000


@pytest.mark.parametrize(
    ("kind", "magnitude", "points"),
    [
        ("follower_spike", 0.25, 17.5),  # (0.25 - 0.10) / 0.30 = 0.5 of 35
        ("follower_spike", 0.60, 35.0),
        ("follow_churn", 0.625, 17.5),  # (0.625 - 0.25) / 0.75 = 0.5
        ("follower_drop", 0.325, 8.75),  # half of (0.325 - 0.15) / 0.35 = 0.25
        ("follower_spike", 0.05, 0.0),
    ],
)
def test_growth_anomaly_severity(kind: str, magnitude: float, points: float) -> None:
    anomaly = GrowthAnomaly(kind, NOW - timedelta(days=30), NOW - timedelta(days=23), magnitude)
    result = authenticity_score(
        account(), typical_rate=0.03, expected_rate=0.03, anomalies=[anomaly]
    )
    assert result.score == round(100 - points)
    signal = result.signal("growth_anomalies")
    assert signal.value == 1.0 and signal.as_of == anomaly.end


def test_no_anomalies_found_is_measured_and_clean() -> None:
    result = authenticity_score(account(), typical_rate=0.03, expected_rate=0.03, anomalies=[])
    signal = result.signal("growth_anomalies")
    assert signal.status is Status.OK and signal.value == 0.0
    unanalysed = authenticity_score(account(), typical_rate=0.03, expected_rate=0.03)
    assert unanalysed.signal("growth_anomalies").status is Status.INSUFFICIENT


def test_contributions_are_whole_points_that_add_up_to_the_score() -> None:
    # engagement 19.164 + comments per like 9.648 + following 7.925 + spike 17.5 = 54.237:
    # floors -20, -10, -8, -18 (= -56); the two points back go to the largest remainders
    # (engagement .836, spike .5): -19, -10, -8, -17 = -54, and the score is 46.
    result = authenticity_score(
        account(followers=1_000, following=9_000, posts=posts(*[(100, 20)] * 4)),
        typical_rate=0.005,
        expected_rate=0.03,
        anomalies=[GrowthAnomaly("follower_spike", NOW, NOW, 0.25)],
    )
    points = {s.key: s.contribution for s in result.signals if s.contribution}
    assert points == {
        "engagement_rate": -19, "comments_per_like": -10, "following_ratio": -8,
        "growth_anomalies": -17,
    }  # fmt: skip
    assert result.score == 46 and adds_up(result)
    assert result.confidence is Confidence.MEDIUM  # 90 of 195 weight points


def test_deductions_beyond_100_are_scaled_to_a_zero_score() -> None:
    comments = tuple(comment(f"bot{i}", "follow me back", i * 30) for i in range(20))
    result = authenticity_score(
        account(followers=1_000, following=50_000, posts=posts(*[(100, 0)] * 4),
                comments=comments),
        typical_rate=0.0001, expected_rate=0.04, fake_probabilities=[0.9] * 50,
        anomalies=[GrowthAnomaly("follower_spike", NOW, NOW, 0.8)],
    )  # fmt: skip
    assert result.score == 0 and adds_up(result)
    assert sum(s.contribution for s in result.signals) == -100
    assert result.confidence is Confidence.HIGH


def test_fake_follower_sample() -> None:
    half = authenticity_score(account(), fake_probabilities=[0.0, 1.0] * 20)
    signal = half.signal("fake_followers")
    assert signal.value == 0.5 and signal.contribution == -35 and half.score == 65
    assert signal.expected == PeerRange(0.0, 0.15, signal.expected.source)
    small = authenticity_score(account(), fake_probabilities=[1.0] * 19)
    assert small.signal("fake_followers").status is Status.INSUFFICIENT
    assert small.score is None


def test_follower_sample_freshness() -> None:
    sampled = NOW - timedelta(days=3)
    result = authenticity_score(
        account(), fake_probabilities=[0.1] * 30, follower_sample_at=sampled
    )
    signal = result.signal("fake_followers")
    assert signal.as_of == sampled and signal.status is Status.OK and result.score == 100


def test_no_follower_sample_does_not_count() -> None:
    result = authenticity_score(account(), typical_rate=0.03, expected_rate=0.03)
    signal = result.signal("fake_followers")
    assert signal.status is Status.INSUFFICIENT and signal.contribution == 0
    assert "No follower sample" in signal.explanation


def test_comment_mix_of_an_engagement_bot_account() -> None:
    # 10 spam + 10 emoji of 20: spam 0.5 (full 20 points), low effort 1.0 (full 15 points)
    thread = [comment(f"b{i}", "Promote it on @viral.boost", 60 + i * 40) for i in range(10)]
    thread += [comment(f"e{i}", "🔥🔥", 70 + i * 40) for i in range(10)]
    result = authenticity_score(account(comments=tuple(thread)))
    assert result.signal("spam_comments").value == 0.5
    assert result.signal("spam_comments").contribution == -20
    assert result.signal("low_effort_comments").contribution == -15
    assert result.score == 65 and adds_up(result)


def test_all_emoji_thread() -> None:
    thread = tuple(comment(f"e{i}", "😍😍", 30 + i * 45) for i in range(25))
    result = authenticity_score(account(comments=thread))
    low = result.signal("low_effort_comments")
    assert low.value == 1.0 and low.contribution == -15 and low.status is Status.ALERT
    assert result.signal("spam_comments").contribution == 0
    assert result.score == 85


def test_an_ordinary_thread_costs_nothing() -> None:
    kinds = ["Where did you get that jacket?"] * 5 + ["Love this", "🔥", "Nice!"] * 5
    thread = tuple(comment(f"f{i}", text, 20 + i * 37) for i in range(20) for text in [kinds[i]])
    result = authenticity_score(account(comments=thread))
    assert result.score == 100
    assert all(
        result.signal(k).status is Status.OK
        for k in ("spam_comments", "low_effort_comments", "repeated_comments", "pod_comments")
    )


def test_repeated_comments_by_one_account() -> None:
    # "a" repeats itself 5 times: 5 of 20 repeats = 0.25; (0.25 - 0.05) / 0.25 = 0.8 of 10
    thread = [comment("a", "Amazing giveaway!!", 50 + i * 60) for i in range(6)]
    thread += [comment(f"f{i}", "Which lens is this?", 55 + i * 45) for i in range(14)]
    result = authenticity_score(account(comments=tuple(thread)))
    signal = result.signal("repeated_comments")
    assert signal.value == 0.25 and signal.contribution == -8


def test_pod_known_accounts_early_in_the_thread() -> None:
    # 6 known accounts within 15 minutes of the first comment: (6 - 1) / 3 > 1, full 25 points
    thread = [comment(f"pod{i}", "Obsessed with this 😍", i, known=True) for i in range(6)]
    thread += [comment(f"f{i}", "How did you shoot this?", 120 + i * 30) for i in range(14)]
    result = authenticity_score(account(comments=tuple(thread)))
    signal = result.signal("pod_comments")
    assert signal.value == 6.0 and signal.contribution == -25
    # the same accounts hours after the first comment (at 120 minutes) are no circle
    late = [comment(f"pod{i}", "Obsessed", 300 + i, known=True) for i in range(6)]
    later = authenticity_score(account(comments=tuple(thread[6:] + late)))
    assert later.signal("pod_comments").value == 0.0


def test_a_smaller_circle_is_a_partial_deduction() -> None:
    # 3 known early accounts: (3 - 1) / 3 = 2/3 of 25 points = 16.7
    thread = [comment(f"pod{i}", "Goals!!", i, known=True) for i in range(3)]
    thread += [comment(f"f{i}", "How did you shoot this?", 120 + i * 30) for i in range(17)]
    signal = authenticity_score(account(comments=tuple(thread))).signal("pod_comments")
    assert signal.value == 3.0 and signal.contribution == -17
    assert signal.status is Status.ALERT


def test_accounts_early_on_several_posts_count_as_a_circle() -> None:
    thread = []
    for post in ("p1", "p2"):
        thread += [comment(f"ring{i}", "Goals!!", i, post=post) for i in range(4)]
        thread += [comment(f"{post}f{i}", "Where is this beach?", 90 + 20 * i, post=post)
                   for i in range(8)]  # fmt: skip
    result = authenticity_score(account(comments=tuple(thread)))
    assert result.signal("pod_comments").value == 4.0  # 8 (thread, account) pairs / 2 threads


def test_creator_replies_and_fan_replies_are_not_audience_comments() -> None:
    thread = [comment(f"f{i}", "🔥", i * 50, cid=f"c{i}") for i in range(9)]
    thread.append(
        CommentObservation("creator", "follow me back", NOW, by_creator=True, post_id="p1")
    )
    thread.append(CommentObservation("f1", "🔥", NOW, parent="c1", post_id="p1"))
    result = authenticity_score(account(comments=tuple(thread)))
    assert result.signal("spam_comments").status is Status.INSUFFICIENT  # 9 < 10 audience
    assert result.score is None


def test_zero_followers_has_no_score() -> None:
    result = authenticity_score(account(followers=0), typical_rate=0.0, expected_rate=0.04)
    assert result.score is None and result.confidence is Confidence.INSUFFICIENT
    assert result.reason == "The account has no followers to assess."
    assert result.signal("following_ratio").status is Status.INSUFFICIENT


def test_no_posts_no_comments_no_sample_has_no_score() -> None:
    result = authenticity_score(account(following=400), anomalies=[])
    assert result.score is None
    assert result.reason is not None and result.reason.startswith("Too little data")
    assert all(s.contribution == 0 for s in result.signals)


def test_freshness_follows_the_data() -> None:
    result = authenticity_score(
        account(posts=posts((100, 3), (120, 4), (90, 2))), typical_rate=0.03, expected_rate=0.03
    )
    assert result.signal("engagement_rate").as_of == NOW
    assert result.signal("comments_per_like").as_of == NOW
    assert result.signal("following_ratio").as_of == NOW


def test_peer_expectations_are_parameters() -> None:
    strict = AuthenticityExpectations(engagement_log_sd=0.4)
    default = authenticity_score(account(), typical_rate=0.012, expected_rate=0.03)
    tight = authenticity_score(
        account(), typical_rate=0.012, expected_rate=0.03, expectations=strict
    )
    assert default.score == 100
    assert tight.score is not None and tight.score < 100


def test_weights_are_the_documented_ones() -> None:
    assert WEIGHTS == {
        "fake_followers": 35, "engagement_rate": 30, "comments_per_like": 15,
        "spam_comments": 20, "low_effort_comments": 15, "repeated_comments": 10,
        "pod_comments": 25, "growth_anomalies": 35, "following_ratio": 10,
    }  # fmt: skip


@pytest.mark.slow
def test_synthetic_fraud_ranks_below_honest_accounts() -> None:
    """Held-out chunks 5-7 (about 3,900 accounts): AUC of 100 - score against any fraud."""
    scored = []
    for s in scenarios(5, 3):
        result = authenticity_score(
            s.observation, typical_rate=s.typical_rate, expected_rate=s.expected_rate,
            anomalies=s.anomalies,
        )  # fmt: skip
        assert adds_up(result) or result.score is None
        if result.score is not None:
            scored.append((s.fraud, result.score))
    assert len(scored) > 3_500
    auc = roc_auc_score([f is not None for f, _ in scored], [100 - v for _, v in scored])
    assert auc >= 0.85
    honest = [v for f, v in scored if f is None]
    assert sum(v > 70 for v in honest) / len(honest) >= 0.95
    for fraud in ("bought_followers", "low_engagement", "engagement_bots", "pod", "follow_churn"):
        values = [v for f, v in scored if f == fraud]
        assert sum(values) / len(values) < sum(honest) / len(honest) - 10, fraud
