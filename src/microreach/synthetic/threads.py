"""Comment threads: returning fans, creator replies, generic and bot comments, pods."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from microreach.kit.hashing import commenter_hash
from microreach.synthetic import calibration as cal
from microreach.synthetic import vocab
from microreach.synthetic.arrays import US_PER_HOUR, timestamps
from microreach.synthetic.content import Posts
from microreach.synthetic.people import FRAUDS, PLATFORMS, Accounts

# Comment kinds and their shares: substantive, generic, emoji-only, bot.
KIND_SHARES = {
    None: (0.40, 0.32, 0.23, 0.05),
    "engagement_bots": (0.05, 0.25, 0.30, 0.40),
    "bought_followers": (0.20, 0.35, 0.30, 0.15),
    "low_engagement": (0.20, 0.35, 0.30, 0.15),
    "pod": (0.30, 0.35, 0.25, 0.10),
    "follow_churn": (0.30, 0.35, 0.25, 0.10),
}
RETURNING_POOL = 15


def make_comments(
    rng: np.random.Generator, acc: Accounts, posts: Posts, per_account: int, secret_key: str
) -> list[tuple[object, ...]]:
    """Comment rows for the newest post of a sample of accounts and of every pod member."""
    pods: dict[int, list[int]] = defaultdict(list)
    for i, pod in enumerate(acc.pod.tolist()):
        if pod >= 0:
            pods[pod].append(i)
    chosen = (rng.random(len(acc)) < cal.COMMENT_THREAD_SHARE) | (acc.pod >= 0)
    rows: list[tuple[object, ...]] = []
    for i in np.flatnonzero(chosen).tolist():
        post = i * per_account  # posts are newest first within each account
        pod_peers = [p for p in pods.get(int(acc.pod[i]), []) if p != i]
        rows += _thread(rng, acc, posts, i, post, pod_peers, secret_key)
    return rows


def _thread(
    rng: np.random.Generator,
    acc: Accounts,
    posts: Posts,
    i: int,
    post: int,
    pod_peers: list[int],
    secret_key: str,
) -> list[tuple[object, ...]]:
    count = min(int(posts.comments[post]), cal.MAX_THREAD_COMMENTS)
    if count == 0 and not pod_peers:
        return []
    platform = PLATFORMS[acc.platform[i]]
    fraud = FRAUDS[acc.fraud[i]] if acc.fraud[i] >= 0 else None
    honest = fraud in (None, "follow_churn")
    reply_rate = rng.beta(2, 4) if honest else rng.beta(1, 15)
    returning = rng.beta(3, 5) if honest else rng.beta(1, 8)
    pool = [f"fan{i}x{k}" for k in range(RETURNING_POOL)]
    weights = 1.0 / np.arange(1, RETURNING_POOL + 1)
    kinds = rng.choice(4, count, p=KIND_SHARES[fraud])
    post_id, noun = posts.ids[post], posts.nouns[post]
    own_hash = commenter_hash(secret_key, platform, acc.handles[i])
    times = posts.posted_us[post] + np.sort(rng.exponential(6 * US_PER_HOUR, count)).astype(
        np.int64
    )
    rows: list[tuple[object, ...]] = []
    seq = iter(range(3 * count + len(pod_peers) + 1))
    for n in range(count):
        if rng.random() < returning:
            who = pool[int(rng.choice(RETURNING_POOL, p=weights / weights.sum()))]
        else:
            who = f"once{post_id[:8]}x{n}"
        text = _text(rng, int(kinds[n]), noun)
        when = int(times[n])
        comment_id = _uuid(post_id, next(seq))
        who_hash = commenter_hash(secret_key, platform, who)
        rows.append(_row(comment_id, post_id, None, text, when, False, who_hash, None))
        if kinds[n] == 0 and rng.random() < reply_rate:
            reply_at = when + int(rng.exponential(2 * US_PER_HOUR))
            reply = vocab.CREATOR_REPLIES[int(rng.integers(len(vocab.CREATOR_REPLIES)))]
            rows.append(_row(_uuid(post_id, next(seq)), post_id, comment_id, reply, reply_at,
                             True, own_hash, acc.ids[i]))  # fmt: skip
            if rng.random() < 0.3:
                back = vocab.GENERIC_COMMENTS[int(rng.integers(len(vocab.GENERIC_COMMENTS)))]
                rows.append(_row(_uuid(post_id, next(seq)), post_id, comment_id, back,
                                 reply_at + int(rng.exponential(US_PER_HOUR)), False, who_hash,
                                 None))  # fmt: skip
    for peer in pod_peers:
        text = vocab.POD_COMMENTS[int(rng.integers(len(vocab.POD_COMMENTS)))]
        when = int(posts.posted_us[post] + rng.exponential(3 * 60 * 1_000_000))
        peer_hash = commenter_hash(secret_key, platform, acc.handles[peer])
        peer_id = acc.ids[peer] if acc.platform[peer] == acc.platform[i] else None
        rows.append(_row(_uuid(post_id, next(seq)), post_id, None, text, when, False, peer_hash,
                         peer_id))  # fmt: skip
    return _with_stamps(rows, int(acc.capture_us[i]))


def _text(rng: np.random.Generator, kind: int, noun: str) -> str:
    if kind == 0:
        return vocab.SUBSTANTIVE_COMMENTS[
            int(rng.integers(len(vocab.SUBSTANTIVE_COMMENTS)))
        ].format(noun=noun)
    if kind == 1:
        return vocab.GENERIC_COMMENTS[int(rng.integers(len(vocab.GENERIC_COMMENTS)))]
    if kind == 2:
        return vocab.EMOJI_COMMENTS[int(rng.integers(len(vocab.EMOJI_COMMENTS)))]
    promo = vocab.PROMO_HANDLES[int(rng.integers(len(vocab.PROMO_HANDLES)))]
    return vocab.BOT_COMMENTS[int(rng.integers(len(vocab.BOT_COMMENTS)))].format(promo=promo)


def _uuid(post_id: str, n: int) -> str:
    """A comment id derived from its post's id, so re-generation gives the same ids."""
    return f"{post_id[:24]}{n:08x}"


def _row(
    comment_id: str,
    post_id: str,
    parent: str | None,
    text: str,
    when_us: int,
    by_creator: bool,
    who_hash: str,
    known_account: str | None,
) -> tuple[object, ...]:
    return (comment_id, post_id, comment_id[-8:], parent, text, when_us, by_creator, who_hash,
            known_account, None, "synthetic")  # fmt: skip


def _with_stamps(rows: list[tuple[object, ...]], limit_us: int) -> list[tuple[object, ...]]:
    """Render times as text, none later than the capture that saw the thread."""
    if not rows:
        return rows
    micros = np.minimum(np.array([r[5] for r in rows], dtype=np.int64), limit_us)
    stamps = timestamps(micros)
    return [(*r[:5], stamps[k], *r[6:]) for k, r in enumerate(rows)]
