"""Audience relationship: thread counts, peer percentiles, the weighted score and its limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microreach.science.observations import CommentObservation
from microreach.science.relationship import (
    BASE,
    DEFAULT_PEERS,
    MIN_COMMENTS,
    RELATIONSHIP_VERSION,
    WEIGHTS,
    RelationshipPeers,
    relationship_score,
    thread_facts,
)
from microreach.science.signals import Confidence, PeerDistribution, Score, Status
from tests.science.synthetic_scenarios import scenarios

NOW = datetime(2026, 6, 1, tzinfo=UTC)
# A peer distribution where the percentile is simply 100 x value, for hand computation.
LINEAR = PeerDistribution(((0.0, 0.0), (100.0, 1.0)), "test")
LINEAR_PEERS = RelationshipPeers(LINEAR, LINEAR, LINEAR, LINEAR)
QUESTION = "Where did you buy the blazer?"


def top(cid: str, who: str, text: str, post: str = "p1") -> CommentObservation:
    return CommentObservation(who, text, NOW - timedelta(hours=5), comment_id=cid, post_id=post)


def reply(parent: str, who: str, by_creator: bool, post: str = "p1") -> CommentObservation:
    return CommentObservation(
        who, "Thank you!", NOW, by_creator=by_creator, parent=parent, post_id=post,
        comment_id=f"r-{parent}-{who}",
    )  # fmt: skip


def sample_thread() -> list[CommentObservation]:
    """20 top-level comments: 10 substantive (s0-s9) and 10 generic (g0-g9).

    Commenters: "fan" wrote s0, s1, g0 and "pal" wrote g1, g2; everyone else once. The creator
    answered s0-s3 and "fan" answered back under s0.
    """
    who = {"s0": "fan", "s1": "fan", "g0": "fan", "g1": "pal", "g2": "pal"}
    thread = [top(f"s{i}", who.get(f"s{i}", f"u-s{i}"), QUESTION) for i in range(10)]
    thread += [top(f"g{i}", who.get(f"g{i}", f"u-g{i}"), "Love this") for i in range(10)]
    thread += [reply(f"s{i}", "creator", True) for i in range(4)]
    thread.append(reply("s0", "fan", False))
    return thread


def adds_up(score: Score) -> bool:
    return score.score == score.base + sum(s.contribution for s in score.signals)


def test_thread_facts_by_hand() -> None:
    facts = thread_facts(sample_thread())
    assert (facts.comments, facts.threads, facts.substantive) == (20, 1, 10)
    assert facts.answered == 4 and facts.reply_rate == 0.4
    assert facts.returning == 5 and facts.returning_share == 0.25  # fan x3, pal x2
    assert facts.replies == 5 and facts.conversation_depth == 0.25
    assert facts.back_and_forth == 1
    assert facts.substantive_share == 0.5


def test_score_by_hand_with_linear_peers() -> None:
    # percentiles 40, 25, 25, 50; raw 0.30 x -10 = -3, 0.30 x -25 = -7.5, 0.15 x -25 = -3.75,
    # 0.25 x 0 = 0; sum -14.25, score round(35.75) = 36; whole points -3, -7, -4, 0 (the
    # missing point goes to the larger remainder, .5 before .25).
    result = relationship_score(sample_thread(), peers=LINEAR_PEERS)
    assert result.score == 36 and result.base == BASE == 50 and adds_up(result)
    points = {s.key: s.contribution for s in result.signals}
    assert points == {
        "reply_rate": -3, "returning_commenters": -7, "conversation_depth": -4,
        "substantive_comments": 0,
    }  # fmt: skip
    assert result.signal("reply_rate").percentile == pytest.approx(40.0)
    assert result.version == RELATIONSHIP_VERSION
    assert result.confidence is Confidence.LOW  # 20 comments on one thread


def test_default_peer_percentiles() -> None:
    result = relationship_score(sample_thread())
    # reply 0.4 lies between the 50th (0.33) and 75th (0.50) percentile points
    assert result.signal("reply_rate").percentile == pytest.approx(50 + 25 * 0.07 / 0.17)
    assert result.signal("conversation_depth").percentile == pytest.approx(75.0)
    assert result.signal("substantive_comments").percentile == pytest.approx(90.0)
    assert result.signal("reply_rate").expected.low == pytest.approx(0.08)
    assert result.signal("reply_rate").expected.high == pytest.approx(0.67)
    assert adds_up(result)


def test_previous_commenters_count_as_returning() -> None:
    earlier = {"u-s5", "u-s6"}
    facts = thread_facts(sample_thread(), previous_commenters=earlier)
    assert facts.returning == 7


def test_returning_across_posts() -> None:
    thread = [top(f"a{i}", f"x{i}", QUESTION, post="p1") for i in range(10)]
    thread += [top(f"b{i}", f"x{i % 5}", QUESTION, post="p2") for i in range(10)]
    facts = thread_facts(thread)
    assert facts.threads == 2
    # x0-x4 appear on both posts (and x0-x4 twice on p2): 5 on p1 plus all 10 on p2
    assert facts.returning == 15


def test_all_emoji_threads_score_zero() -> None:
    thread = [top(f"e{i}", f"w{i}", "🔥🔥") for i in range(25)]
    result = relationship_score(thread)
    assert result.signal("reply_rate").status is Status.INSUFFICIENT  # nothing to answer
    # the other weights are renormalised to 0.70: every one sits at percentile 0
    assert result.score == 0 and adds_up(result)
    assert result.signal("substantive_comments").status is Status.ALERT


def test_an_engaged_thread_scores_high() -> None:
    thread = [top(f"s{i}", f"fan{i % 6}", QUESTION) for i in range(30)]
    thread += [reply(f"s{i}", "creator", True) for i in range(20)]
    thread += [reply(f"s{i}", f"fan{i % 6}", False) for i in range(10)]
    result = relationship_score(thread)
    assert result.score is not None and result.score >= 90
    assert all(s.status is Status.OK for s in result.signals)
    assert result.confidence is Confidence.LOW


@pytest.mark.parametrize("count", [0, 1, MIN_COMMENTS - 1])
def test_too_few_comments_is_not_enough_data(count: int) -> None:
    thread = [top(f"s{i}", f"w{i}", QUESTION) for i in range(count)]
    result = relationship_score(thread)
    assert result.score is None and result.confidence is Confidence.INSUFFICIENT
    assert result.reason is not None and "Not enough conversation" in result.reason
    assert all(s.contribution == 0 for s in result.signals)


def test_creator_comments_do_not_count_towards_the_minimum() -> None:
    thread = [top(f"s{i}", f"w{i}", QUESTION) for i in range(MIN_COMMENTS - 1)]
    thread += [reply(f"s{i}", "creator", True) for i in range(MIN_COMMENTS - 1)]
    assert relationship_score(thread).score is None


def test_confidence_grows_with_comments_and_threads() -> None:
    thread = [top(f"c{i}", f"w{i}", QUESTION, post=f"p{i % 3}") for i in range(120)]
    assert relationship_score(thread).confidence is Confidence.HIGH
    assert relationship_score(thread[:45]).confidence is Confidence.MEDIUM


def test_peer_distribution_from_values_and_ties() -> None:
    peers = PeerDistribution.from_values([0.0] * 30 + [i / 70 for i in range(1, 71)], "group")
    # 30% of peers at zero: zero ranks mid-way through their percentiles
    assert peers.percentile(0.0) == 14.5  # percentiles 0-29 are all zero
    assert peers.percentile(1.0) == 100.0
    assert peers.percentile(2.0) == 100.0
    # 100 values: the median lies half-way between the 50th and 51st (20/70 and 21/70)
    assert peers.quantile(50) == pytest.approx(20.5 / 70)
    assert peers.percentile(20.5 / 70) == pytest.approx(50.0)
    with pytest.raises(ValueError, match="at least one value"):
        PeerDistribution.from_values([], "empty")


def test_weights_sum_to_one() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert DEFAULT_PEERS.reply_rate.central_range().source.startswith("measured on")


@pytest.mark.slow
def test_synthetic_honest_accounts_relate_better_than_bots_and_pods() -> None:
    """Held-out chunks 5-7: mean score of honest accounts against bot and pod accounts."""
    by_fraud: dict[str | None, list[int]] = {}
    for s in scenarios(5, 3):
        result = relationship_score(s.observation.comments)
        if result.score is not None:
            assert adds_up(result)
            by_fraud.setdefault(s.fraud, []).append(result.score)
    honest = by_fraud[None]
    assert len(honest) > 150
    mean = sum(honest) / len(honest)
    assert 40 <= mean <= 60  # the defaults were measured on honest accounts: centred near 50
    for fraud in ("engagement_bots", "pod"):
        values = by_fraud[fraud]
        assert sum(values) / len(values) < mean - 25, fraud
