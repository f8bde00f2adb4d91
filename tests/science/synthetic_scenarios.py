"""Synthetic accounts as the science functions take them, beside the generator's truth."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import numpy as np

from microreach.science.authenticity import GrowthAnomaly
from microreach.science.growth import detect_anomalies
from microreach.science.observations import (
    AccountObservation,
    CommentObservation,
    FollowerPoint,
    PostObservation,
)
from microreach.synthetic import calibration as cal
from microreach.synthetic import writer
from microreach.synthetic.generator import generate_chunk

AS_OF_US = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1_000_000)
SEED = 11
MIN_POST_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class PostTruth:
    sponsored: bool
    paid_flag: bool
    caption_marker: bool

    @property
    def undisclosed(self) -> bool:
        return self.sponsored and not self.paid_flag and not self.caption_marker


@dataclass(frozen=True)
class Scenario:
    """One generated account: what scoring would read, and what the generator knows."""

    account_id: str
    handle: str
    observation: AccountObservation
    fraud: str | None
    typical_rate: float | None  # median (likes + comments) / followers, posts a day old
    expected_rate: float  # Kim median for the size times the platform factor
    anomalies: tuple[GrowthAnomaly, ...] | None
    posts_truth: tuple[PostTruth, ...]


def when(text: Any) -> datetime:
    return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)


@cache
def scenarios(first: int, count: int) -> tuple[Scenario, ...]:
    """Every account of chunks ``first`` .. ``first + count - 1`` of SEED (built once a run).

    Chunks 0-4 were used to choose the documented defaults; tests evaluate on later ones.
    """
    out: list[Scenario] = []
    for index in range(first, first + count):
        out += _from_rows(generate_chunk(SEED, index, AS_OF_US, "scenario-key").rows)
    return tuple(out)


def _from_rows(rows: dict[str, list[tuple[Any, ...]]]) -> list[Scenario]:
    series: dict[Any, list[FollowerPoint]] = defaultdict(list)
    for account_id, at, followers, following, *_ in rows[writer.ACCOUNT_SNAPSHOTS.name]:
        series[account_id].append(FollowerPoint(when(at), followers, following))
    final: dict[Any, tuple[Any, ...]] = {}
    for snapshot in rows[writer.POST_SNAPSHOTS.name]:  # each post's final capture comes first
        final.setdefault(snapshot[0], snapshot)
    threads = _threads(rows[writer.COMMENTS.name])
    posts: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for post in rows[writer.POSTS.name]:
        posts[post[1]].append(post)
    truth = {r[0]: r[2] for r in rows[writer.TRUTH.name]}
    return [
        _scenario(account, posts[account[0]], final, threads, series[account[0]], truth[account[0]])
        for account in rows[writer.ACCOUNTS.name]
    ]


def _threads(rows: list[tuple[Any, ...]]) -> dict[Any, list[CommentObservation]]:
    out: dict[Any, list[CommentObservation]] = defaultdict(list)
    for cid, post_id, _, parent, text, at, by_creator, who, known, *_ in rows:
        out[post_id].append(
            CommentObservation(
                commenter=who, text=text, commented_at=when(at), by_creator=by_creator,
                parent=parent, comment_id=cid, post_id=post_id, known_commenter=known is not None,
            )
        )  # fmt: skip
    return out


def _scenario(
    account: tuple[Any, ...],
    post_rows: list[tuple[Any, ...]],
    final: dict[Any, tuple[Any, ...]],
    threads: dict[Any, list[CommentObservation]],
    series: list[FollowerPoint],
    fraud: str | None,
) -> Scenario:
    account_id, platform, handle = account[0], account[2], account[3]
    followers, following, media, bio, captured = (
        account[7],
        account[8],
        account[9],
        account[6],
        when(account[18]),
    )
    posts = tuple(
        _post(r, final[r[0]]) for r in sorted(post_rows, key=lambda r: r[8], reverse=True)
    )
    observation = AccountObservation(
        platform=platform, followers=followers, following=following, media_count=media, bio=bio,
        posts=posts, series=tuple(series),
        comments=tuple(c for r in post_rows for c in threads.get(r[0], ())),
        captured_at=captured,
    )  # fmt: skip
    truth = tuple(
        PostTruth(
            sponsored=json.loads(r[7]) != [], paid_flag=bool(r[9]), caption_marker=bool(r[10])
        )
        for r in sorted(post_rows, key=lambda r: r[8], reverse=True)
    )
    expected = float(cal.median_engagement_rate(np.array([float(followers)]))[0])
    return Scenario(
        account_id=account_id, handle=handle, observation=observation, fraud=fraud,
        typical_rate=_typical_rate(observation),
        expected_rate=expected * cal.PLATFORM_ER_FACTOR[platform],
        anomalies=_anomalies(series), posts_truth=truth,
    )  # fmt: skip


def _post(row: tuple[Any, ...], snapshot: tuple[Any, ...]) -> PostObservation:
    return PostObservation(
        posted_at=when(row[8]), post_type=row[4], likes=snapshot[2], comments=snapshot[3],
        views=snapshot[4], shares=snapshot[5], captured_at=when(snapshot[1]), caption=row[5],
        hashtags=tuple(json.loads(row[6])), mentions=tuple(json.loads(row[7])),
        is_paid_partnership=bool(row[9]),
    )  # fmt: skip


def _typical_rate(account: AccountObservation) -> float | None:
    """The median post rate as engagement.py defines it, on likes + comments only."""
    rates = [
        (p.likes + p.comments) / account.followers
        for p in account.posts
        if p.likes is not None and p.comments is not None and p.captured_at is not None
        and p.captured_at - p.posted_at >= MIN_POST_AGE
    ]  # fmt: skip
    return statistics.median(rates) if rates and account.followers > 0 else None


def _anomalies(series: list[FollowerPoint]) -> tuple[GrowthAnomaly, ...] | None:
    """growth.detect_anomalies, converted to relative magnitudes as the scoring job does."""
    report = detect_anomalies(series)
    if report.reason is not None and not report.anomalies:
        return None
    return tuple(
        GrowthAnomaly(str(a.kind), a.start, a.end, abs(a.magnitude_pct) / 100.0)
        for a in report.anomalies
    )
