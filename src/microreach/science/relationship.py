"""Audience relationship: replies, returning fans and real conversation, ranked against peers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from microreach.science.comments import CommentKind, classify_comment
from microreach.science.observations import CommentObservation
from microreach.science.signals import (
    Confidence,
    PeerDistribution,
    Score,
    Signal,
    Status,
    with_contributions,
)

RELATIONSHIP_VERSION = "1"
BASE = 50  # an account at the peer median on every signal
WEIGHTS: dict[str, float] = {
    "reply_rate": 0.30,
    "returning_commenters": 0.30,
    "conversation_depth": 0.15,
    "substantive_comments": 0.25,
}
MIN_COMMENTS = 20  # top-level comments by the audience
HIGH_COMMENTS, HIGH_THREADS, MEDIUM_COMMENTS = 100, 3, 40
WARNING_PERCENTILE, ALERT_PERCENTILE = 25.0, 10.0

_DEFAULT_SOURCE = (
    "measured on 400 synthetic honest accounts with 20+ comments (docs/synthetic-data.md)"
)


def _default(*values: float) -> PeerDistribution:
    """Percentiles 0, 10, 25, 50, 75, 90 and 100 measured on the synthetic honest accounts."""
    percents = (0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 100.0)
    return PeerDistribution(tuple(zip(percents, values, strict=True)), _DEFAULT_SOURCE)


_REPLY_RATE = _default(0.0, 0.08, 0.18, 0.33, 0.50, 0.67, 1.0)
_RETURNING = _default(0.0, 0.10, 0.18, 0.30, 0.43, 0.53, 1.0)
_DEPTH = _default(0.0, 0.03, 0.10, 0.18, 0.25, 0.38, 1.0)
_SUBSTANTIVE = _default(0.0, 0.30, 0.33, 0.40, 0.45, 0.50, 1.0)


@dataclass(frozen=True, slots=True)
class RelationshipPeers:
    """Peer distributions per signal; the scoring job passes ones measured on the peer group."""

    reply_rate: PeerDistribution = _REPLY_RATE
    returning_share: PeerDistribution = _RETURNING
    conversation_depth: PeerDistribution = _DEPTH
    substantive_share: PeerDistribution = _SUBSTANTIVE


DEFAULT_PEERS = RelationshipPeers()


@dataclass(frozen=True, slots=True)
class ThreadFacts:
    """What the score reads from the threads; also what peer distributions are built from."""

    comments: int  # top-level comments by the audience
    threads: int
    substantive: int
    answered: int  # substantive top-level comments the creator replied to
    returning: int  # top-level comments by commenters seen more than once
    replies: int  # replies (by anyone) to top-level audience comments
    back_and_forth: int  # creator-answered comments whose author answered again
    newest: datetime | None

    @property
    def reply_rate(self) -> float | None:
        return self.answered / self.substantive if self.substantive else None

    @property
    def returning_share(self) -> float | None:
        return self.returning / self.comments if self.comments else None

    @property
    def conversation_depth(self) -> float | None:
        return self.replies / self.comments if self.comments else None

    @property
    def substantive_share(self) -> float | None:
        return self.substantive / self.comments if self.comments else None


def thread_facts(
    comments: Sequence[CommentObservation], previous_commenters: Collection[str] = ()
) -> ThreadFacts:
    """Counts over the comment threads; ``previous_commenters`` were seen on older posts."""
    audience = [c for c in comments if c.parent is None and not c.by_creator]
    authors = {c.comment_id: c.commenter for c in audience if c.comment_id}
    seen = Counter(c.commenter for c in comments if not c.by_creator)
    replies = [c for c in comments if c.parent is not None and c.parent in authors]
    answered = {c.parent for c in replies if c.by_creator}
    back = {
        c.parent
        for c in replies
        if not c.by_creator and c.parent in answered and authors.get(c.parent or "") == c.commenter
    }
    substantive = [c for c in audience if classify_comment(c.text) is CommentKind.SUBSTANTIVE]
    return ThreadFacts(
        comments=len(audience),
        threads=len({c.post_id for c in comments}),
        substantive=len(substantive),
        answered=sum(1 for c in substantive if c.comment_id in answered),
        returning=sum(
            1 for c in audience if seen[c.commenter] > 1 or c.commenter in previous_commenters
        ),
        replies=len(replies),
        back_and_forth=len(back),
        newest=max((c.commented_at for c in comments), default=None),
    )


def relationship_score(
    comments: Sequence[CommentObservation],
    *,
    peers: RelationshipPeers = DEFAULT_PEERS,
    previous_commenters: Collection[str] = (),
) -> Score:
    """How much of a relationship the account has with its audience, 0-100 (50 = peer median).

    Reads the comment threads of recent posts; see docs/metrics.md, Audience relationship.
    """
    facts = thread_facts(comments, previous_commenters)
    drafts = _drafts(facts, peers)
    signals = [signal for signal, _ in drafts]
    if facts.threads == 0 or facts.comments < MIN_COMMENTS:
        reason = (
            f"Not enough conversation to judge: {facts.comments} comments from the audience "
            f"on {facts.threads} thread(s); needs {MIN_COMMENTS} on at least one thread."
        )
        return _unscored(signals, reason)
    weight = sum(WEIGHTS[s.key] for s, p in drafts if p is not None)
    raw = [0.0 if p is None else WEIGHTS[s.key] * (p - BASE) / weight for s, p in drafts]
    score, final = with_contributions(signals, raw, BASE)
    return Score("relationship", RELATIONSHIP_VERSION, score, BASE, _confidence(facts), final)


def _unscored(signals: list[Signal], reason: str) -> Score:
    return Score(
        "relationship", RELATIONSHIP_VERSION, None, BASE, Confidence.INSUFFICIENT,
        tuple(signals), reason,
    )  # fmt: skip


def _confidence(facts: ThreadFacts) -> Confidence:
    if facts.comments >= HIGH_COMMENTS and facts.threads >= HIGH_THREADS:
        return Confidence.HIGH
    return Confidence.MEDIUM if facts.comments >= MEDIUM_COMMENTS else Confidence.LOW


def _drafts(facts: ThreadFacts, peers: RelationshipPeers) -> list[tuple[Signal, float | None]]:
    n = facts.comments
    return [
        _draft(
            "reply_rate", "Creator replies", facts.reply_rate, peers.reply_rate, facts.newest,
            f"The creator answered {facts.answered} of {facts.substantive} substantive comments",
            "No substantive comments to answer.",
        ),
        _draft(
            "returning_commenters", "Returning commenters", facts.returning_share,
            peers.returning_share, facts.newest,
            f"{facts.returning} of {n} comments come from people who comment more than once",
            "No comments from the audience.",
        ),
        _draft(
            "conversation_depth", "Conversation depth", facts.conversation_depth,
            peers.conversation_depth, facts.newest,
            f"{facts.replies} replies under {n} comments, with {facts.back_and_forth} "
            "back-and-forth(s) of a fan answering the creator's reply",
            "No comments from the audience.",
        ),
        _draft(
            "substantive_comments", "Substantive comments", facts.substantive_share,
            peers.substantive_share, facts.newest,
            f"{facts.substantive} of {n} comments say something about the post or ask a "
            "question, the rest are stock phrases, emoji or spam",
            "No comments from the audience.",
        ),
    ]  # fmt: skip


def _draft(
    key: str,
    label: str,
    value: float | None,
    peers: PeerDistribution,
    as_of: datetime | None,
    explanation: str,
    missing: str,
) -> tuple[Signal, float | None]:
    expected = peers.central_range()
    if value is None:
        signal = Signal(key, label, None, "share", expected, 0, Status.INSUFFICIENT, as_of, missing)
        return signal, None
    percentile = peers.percentile(value)
    text = f"{explanation} (peer percentile {percentile:.0f})."
    unit = "per comment" if key == "conversation_depth" else "share"
    status = _status(percentile)
    return Signal(key, label, value, unit, expected, 0, status, as_of, text, percentile), percentile


def _status(percentile: float) -> Status:
    if percentile < ALERT_PERCENTILE:
        return Status.ALERT
    return Status.WARNING if percentile < WARNING_PERCENTILE else Status.OK
