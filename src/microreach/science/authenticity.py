"""Creator authenticity: 100 minus points for each sign of fake followers or engagement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from microreach.science.comments import EARLY_WINDOW, thread_quality
from microreach.science.observations import AccountObservation, CommentObservation
from microreach.science.signals import (
    Confidence,
    PeerRange,
    Score,
    Signal,
    Status,
    ramp,
    status_for,
    with_contributions,
)

AUTHENTICITY_VERSION = "1"
BASE = 100
Z90 = 1.2815515655446004  # standard normal 90th percentile: peer ranges are 10th-90th
# Most points each signal can take off the score. They add up to more than 100 on purpose:
# one clear sign of fraud should be able to pull a score far down on its own. When the
# deductions add up to more than 100 they are scaled down together and the score is 0.
WEIGHTS: dict[str, int] = {
    "fake_followers": 35,
    "engagement_rate": 30,
    "comments_per_like": 15,
    "spam_comments": 20,
    "low_effort_comments": 15,
    "repeated_comments": 10,
    "pod_comments": 25,
    "growth_anomalies": 35,
    "following_ratio": 10,
}
# A score needs at least one of these; the rest only add to it.
CORE = frozenset({"fake_followers", "engagement_rate", "comments_per_like", "spam_comments"})
MIN_COMMENTS = 10  # audience comments (top-level) before comment signals count
MIN_FOLLOWER_SAMPLE = 20
MIN_RATIO_POSTS, MIN_RATIO_LIKES = 3, 100
# Where a signal's deduction becomes full, beyond the edge of the peer range.
ENGAGEMENT_FULL_SD = 1.5  # in peer standard deviations of the log-rate
LOG_FULL = math.log(4.0)  # four times beyond the edge, for ratios
SPAM_FULL, LOW_EFFORT_FULL, REPEATED_FULL = 0.25, 0.15, 0.25  # shares beyond the edge
POD_FULL = 3.0  # early circle accounts per thread beyond the edge
FAKE_FULL = 0.35
HIGH_COVERAGE, MEDIUM_COVERAGE = 0.80, 0.45
RATIO_FLOOR = 1e-4
EPHEMERAL = frozenset({"story", "live"})


class AnomalyLike(Protocol):
    """A follower-series anomaly as the growth analysis reports it.

    ``magnitude`` is relative: for a spike, followers gained over the count before (0.25 is
    25%); for a drop, followers lost over the count before; for follow churn, the swing of
    ``following`` (higher count over lower, minus one).
    """

    @property
    def kind(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def magnitude(self) -> float: ...


class GrowthAnomaly(NamedTuple):
    """A plain anomaly record; kinds: follower_spike, follower_drop, follow_churn."""

    kind: str
    start: datetime
    end: datetime
    magnitude: float


_ENGAGEMENT_SOURCE = (
    "Kim et al. 2020: spread of typical engagement between accounts of one tier (log-sd 0.8), "
    "around the tier-expected rate"
)
_COMMENTS_PER_LIKE = PeerRange(
    0.0082, 0.082, "Kim et al. 2020: comments per like median 0.026, log-sd 0.9"
)
_SPAM = PeerRange(
    0.0, 0.12, "docs/synthetic-data.md: 5% bot comments on honest accounts, plus sampling"
)
_LOW_EFFORT = PeerRange(
    0.35, 0.80, "docs/synthetic-data.md: 60% generic, emoji or bot on honest accounts"
)
_REPEATED = PeerRange(0.0, 0.05, "assumption: fans rarely repeat a comment word for word")
_POD = PeerRange(0.0, 1.0, "assumption: a friend or two may comment first")
_FAKE = PeerRange(0.0, 0.15, "assumption: every audience has some inactive or fake accounts")
_FOLLOWING = PeerRange(
    0.0, 1.5, "Kim et al. 2020: followees median 974, 90th percentile about 3,000"
)


@dataclass(frozen=True, slots=True)
class AuthenticityExpectations:
    """What honest peers show, per signal; the scoring job passes measured peer figures."""

    engagement_log_sd: float = 0.80
    engagement_source: str = _ENGAGEMENT_SOURCE
    comments_per_like: PeerRange = _COMMENTS_PER_LIKE
    spam_share: PeerRange = _SPAM
    low_effort_share: PeerRange = _LOW_EFFORT
    repeated_share: PeerRange = _REPEATED
    pod_commenters: PeerRange = _POD
    fake_share: PeerRange = _FAKE
    following_ratio: PeerRange = _FOLLOWING
    following_norm: float = 3000.0  # following this many is never unusual, whatever the size


DEFAULT_EXPECTATIONS = AuthenticityExpectations()


@dataclass(slots=True)  # private and many per account: not frozen, which costs per field
class _Part:
    signal: Signal
    deduction: float  # points taken off (>= 0)

    @property
    def measured(self) -> bool:
        return self.signal.status is not Status.INSUFFICIENT


def authenticity_score(
    account: AccountObservation,
    *,
    typical_rate: float | None = None,
    expected_rate: float | None = None,
    fake_probabilities: Sequence[float] | None = None,
    follower_sample_at: datetime | None = None,
    anomalies: Sequence[AnomalyLike] | None = None,
    expectations: AuthenticityExpectations = DEFAULT_EXPECTATIONS,
) -> Score:
    """Authenticity of one account, 0-100 (higher is more authentic); see docs/metrics.md.

    ``typical_rate`` is the account's typical engagement rate and ``expected_rate`` the
    rate expected for its tier and platform; ``fake_probabilities`` are the follower
    classifier's outputs for a follower sample taken at ``follower_sample_at``; ``anomalies``
    come from the growth analysis (None: the series was not analysed; empty: analysed,
    nothing found).
    """
    exp = expectations
    totals = _post_totals(account)
    parts = [
        _fake_followers(fake_probabilities, exp, follower_sample_at or account.captured_at),
        _engagement(typical_rate, expected_rate, exp, totals.newest or account.captured_at),
        _comments_per_like(totals, exp),
        *_comment_parts(account.comments, exp),
        _growth(anomalies, account.captured_at),
        _following(account, exp),
    ]
    signals = [p.signal for p in parts]
    if account.followers <= 0:
        return _unscored(signals, "The account has no followers to assess.")
    if not any(p.measured for p in parts if p.signal.key in CORE):
        return _unscored(
            signals,
            "Too little data: no engagement rate, no like and comment counts, fewer than "
            f"{MIN_COMMENTS} comments and no follower sample.",
        )
    score, final = with_contributions(signals, [-p.deduction for p in parts], BASE)
    return Score("authenticity", AUTHENTICITY_VERSION, score, BASE, _confidence(parts), final)


def _unscored(signals: list[Signal], reason: str) -> Score:
    return Score(
        "authenticity", AUTHENTICITY_VERSION, None, BASE, Confidence.INSUFFICIENT,
        tuple(signals), reason,
    )  # fmt: skip


def _confidence(parts: Sequence[_Part]) -> Confidence:
    coverage = sum(WEIGHTS[p.signal.key] for p in parts if p.measured) / sum(WEIGHTS.values())
    if coverage >= HIGH_COVERAGE:
        return Confidence.HIGH
    return Confidence.MEDIUM if coverage >= MEDIUM_COVERAGE else Confidence.LOW


def _part(
    key: str,
    label: str,
    value: float | None,
    unit: str,
    expected: PeerRange,
    severity: float,
    as_of: datetime | None,
    explanation: str,
) -> _Part:
    status = Status.INSUFFICIENT if value is None else status_for(severity)
    signal = Signal(key, label, value, unit, expected, 0, status, as_of, explanation)
    return _Part(signal, 0.0 if value is None else WEIGHTS[key] * severity)


def _fake_followers(
    probabilities: Sequence[float] | None, exp: AuthenticityExpectations, as_of: datetime | None
) -> _Part:
    key, label, expected = "fake_followers", "Estimated fake followers", exp.fake_share
    if probabilities is None or len(probabilities) < MIN_FOLLOWER_SAMPLE:
        size = 0 if probabilities is None else len(probabilities)
        text = f"No follower sample (needs {MIN_FOLLOWER_SAMPLE}, has {size})."
        return _part(key, label, None, "share", expected, 0.0, as_of, text)
    share = sum(probabilities) / len(probabilities)
    severity = ramp(share, expected.high, expected.high + FAKE_FULL)
    text = (
        f"About {share:.0%} of a sample of {len(probabilities)} followers look fake; "
        f"peers usually show {expected.low:.0%}-{expected.high:.0%}."
    )
    return _part(key, label, share, "share", expected, severity, as_of, text)


def _engagement(
    typical: float | None,
    expected_rate: float | None,
    exp: AuthenticityExpectations,
    as_of: datetime | None,
) -> _Part:
    key, label = "engagement_rate", "Engagement against similar accounts"
    if typical is None or expected_rate is None or expected_rate <= 0 or typical < 0:
        expected = PeerRange(0.0, 0.0, exp.engagement_source)
        text = "No engagement rate (no usable posts, hidden likes or no tier expectation)."
        return _part(key, label, None, "rate", expected, 0.0, as_of, text)
    sd = exp.engagement_log_sd
    edge, full = Z90 * sd, (Z90 + ENGAGEMENT_FULL_SD) * sd
    expected = PeerRange(
        expected_rate * math.exp(-edge), expected_rate * math.exp(edge), exp.engagement_source
    )
    x = math.log(max(typical, RATIO_FLOOR * expected_rate) / expected_rate)
    severity = max(ramp(x, -edge, -full), ramp(x, edge, full))
    text = (
        f"Typical engagement {typical:.2%} is {math.exp(x):.2f}x the {expected_rate:.2%} "
        f"expected for the tier (peers {expected.low:.2%}-{expected.high:.2%}): "
        + _engagement_reading(x, edge)
    )
    return _part(key, label, typical, "rate", expected, severity, as_of, text)


def _engagement_reading(x: float, edge: float) -> str:
    if x < -edge:
        return "far fewer people engage than follow, so followers may be bought or inactive."
    if x > edge:
        return "engagement this high can be bought likes or comments (or a viral run)."
    return "within the usual range."


@dataclass(slots=True)  # private: not frozen, which costs per field
class _PostTotals:
    likes: int
    comments: int
    posts: int  # posts with visible likes and comments
    newest: datetime | None  # newest capture of any post


def _post_totals(account: AccountObservation) -> _PostTotals:
    likes = comments = posts = 0
    newest: datetime | None = None
    for post in account.posts:
        if post.captured_at is not None and (newest is None or post.captured_at > newest):
            newest = post.captured_at
        if post.deleted or post.post_type in EPHEMERAL or post.likes is None:
            continue
        if post.comments is None or post.likes < 0 or post.comments < 0:
            continue
        likes, comments, posts = likes + post.likes, comments + post.comments, posts + 1
    return _PostTotals(likes, comments, posts, newest)


def _comments_per_like(totals: _PostTotals, exp: AuthenticityExpectations) -> _Part:
    key, label, expected = "comments_per_like", "Comments per like", exp.comments_per_like
    likes, comments, posts, newest = totals.likes, totals.comments, totals.posts, totals.newest
    if posts < MIN_RATIO_POSTS or likes < MIN_RATIO_LIKES:
        text = (
            f"Needs {MIN_RATIO_POSTS} posts with {MIN_RATIO_LIKES} likes in all and visible "
            f"counts; has {posts} posts with {likes} likes."
        )
        return _part(key, label, None, "ratio", expected, 0.0, newest, text)
    ratio = comments / likes
    x = math.log(max(ratio, RATIO_FLOOR))
    low, high = math.log(expected.low), math.log(expected.high)
    severity = max(ramp(x, low, low - LOG_FULL), ramp(x, high, high + LOG_FULL))
    text = (
        f"{comments:,} comments on {likes:,} likes over {posts} posts is {ratio:.3f} per like "
        f"(peers {expected.low:.3f}-{expected.high:.3f}): " + _ratio_reading(x, low, high)
    )
    return _part(key, label, ratio, "ratio", expected, severity, newest, text)


def _ratio_reading(x: float, low: float, high: float) -> str:
    if x < low:
        return "likes without conversation can be bought likes."
    if x > high:
        return "this many comments for the likes can be bought comments or an engagement pod."
    return "within the usual range."


def _comment_parts(
    comments: Sequence[CommentObservation], exp: AuthenticityExpectations
) -> list[_Part]:
    facts = thread_quality(comments)
    if facts.comments < MIN_COMMENTS:
        text = f"Needs {MIN_COMMENTS} comments from the audience; has {facts.comments}."
        return [
            _part(key, label, None, unit, expected, 0.0, facts.newest, text)
            for key, label, unit, expected in _comment_specs(exp)
        ]
    n = facts.comments
    spam, low_effort, repeated = facts.spam / n, facts.low_effort / n, facts.repeated / n
    circle = facts.circle / facts.threads
    ranges = [e for *_, e in _comment_specs(exp)]
    severities = (
        ramp(spam, ranges[0].high, ranges[0].high + SPAM_FULL),
        ramp(low_effort, ranges[1].high, min(1.0, ranges[1].high + LOW_EFFORT_FULL)),
        ramp(repeated, ranges[2].high, ranges[2].high + REPEATED_FULL),
        ramp(circle, ranges[3].high, ranges[3].high + POD_FULL),
    )
    texts = (
        f"{facts.spam} of {n} comments are spam (self-promotion, links, follow-back asks).",
        f"{facts.low_effort} of {n} comments are generic, emoji-only or spam; "
        f"peers usually {ranges[1].low:.0%}-{ranges[1].high:.0%}.",
        f"{facts.repeated} of {n} comments repeat the same account's earlier comment word "
        "for word.",
        f"{circle:.1f} accounts per thread that microreach knows, or that are early on several "
        f"posts, commented within {EARLY_WINDOW.seconds // 60} minutes of the first comment"
        + ("; engagement pods look like this." if severities[3] else "."),
    )
    values = (spam, low_effort, repeated, circle)
    return [
        _part(key, label, value, unit, expected, severity, facts.newest, text)
        for (key, label, unit, expected), value, severity, text in zip(
            _comment_specs(exp), values, severities, texts, strict=True
        )
    ]


def _comment_specs(exp: AuthenticityExpectations) -> list[tuple[str, str, str, PeerRange]]:
    return [
        ("spam_comments", "Spam and bot comments", "share", exp.spam_share),
        ("low_effort_comments", "Generic and emoji-only comments", "share", exp.low_effort_share),
        ("repeated_comments", "Repeated identical comments", "share", exp.repeated_share),
        ("pod_comments", "Early comments from a closed circle", "per thread", exp.pod_commenters),
    ]


def _anomaly_severity(anomaly: AnomalyLike) -> float:
    size = abs(anomaly.magnitude)
    if anomaly.kind == "follower_spike":
        return ramp(size, 0.10, 0.40)
    if anomaly.kind == "follow_churn":
        return ramp(size, 0.25, 1.00)
    if anomaly.kind == "follower_drop":
        return 0.5 * ramp(size, 0.15, 0.50)
    return 0.5 * ramp(size, 0.10, 0.40)


def _growth(anomalies: Sequence[AnomalyLike] | None, as_of: datetime | None) -> _Part:
    key, label = "growth_anomalies", "Unusual follower changes"
    expected = PeerRange(0.0, 0.0, "organic growth shows no spikes, purges or follow churn")
    if anomalies is None:
        text = "The follower series was not analysed (too few captures)."
        return _part(key, label, None, "count", expected, 0.0, as_of, text)
    if not anomalies:
        return _part(key, label, 0.0, "count", expected, 0.0, as_of, "No unusual changes.")
    worst = max(anomalies, key=_anomaly_severity)
    severity = _anomaly_severity(worst)
    text = (
        f"{len(anomalies)} unusual change(s); the largest: {worst.kind.replace('_', ' ')} of "
        f"{abs(worst.magnitude):.0%} between {worst.start:%Y-%m-%d} and {worst.end:%Y-%m-%d}."
    )
    as_of = max(a.end for a in anomalies)
    return _part(key, label, float(len(anomalies)), "count", expected, severity, as_of, text)


def _following(account: AccountObservation, exp: AuthenticityExpectations) -> _Part:
    key, label = "following_ratio", "Accounts followed per follower"
    following, followers = account.following, account.followers
    high = max(exp.following_ratio.high, exp.following_norm / max(followers, 1))
    expected = PeerRange(exp.following_ratio.low, high, exp.following_ratio.source)
    if following is None or following < 0 or followers <= 0:
        text = "Following or follower count unknown or zero."
        return _part(key, label, None, "ratio", expected, 0.0, account.captured_at, text)
    ratio = following / followers
    severity = ramp(math.log(max(ratio, RATIO_FLOOR)), math.log(high), math.log(high) + LOG_FULL)
    text = (
        f"Follows {following:,} accounts with {followers:,} followers ({ratio:.2f} per "
        f"follower) where up to {high:.2f} is usual at this size"
        + ("; mass following to collect follow-backs looks like this." if severity else ".")
    )
    return _part(key, label, ratio, "ratio", expected, severity, account.captured_at, text)
