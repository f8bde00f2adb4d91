"""Write what a connector brought back: the account's latest figures and, only where a value
changed, new snapshots with source "api" and the capture time.

The account row's `last_captured_at` records every successful capture, so "checked, nothing
changed" is distinguishable from "not checked"; a snapshot appears only when a count moved.
Capturing the same response twice therefore writes nothing the second time.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from microreach.connectors import repository
from microreach.connectors.base import (
    AccountCapture,
    AudienceData,
    CommentData,
    PostData,
    PostMetrics,
    ProfileData,
)
from microreach.creators.enums import DataSource
from microreach.creators.models import (
    AccountSnapshot,
    AudienceShare,
    Comment,
    PlatformAccount,
    Post,
    PostSnapshot,
)
from microreach.kit.hashing import commenter_hash
from microreach.science.disclosure import find_disclosures
from microreach.science.niches import hashtags_of
from microreach.science.observations import PostObservation

_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
METRIC_FIELDS = ("likes", "comments", "views", "shares", "saves", "reach", "impressions")


@dataclass(frozen=True)
class CaptureResult:
    account_snapshots: int = 0
    posts_added: int = 0
    post_snapshots: int = 0
    comments_added: int = 0
    audience_shares: int = 0


def store_capture(
    session: Session,
    account: PlatformAccount,
    capture: AccountCapture,
    captured_at: datetime,
    secret_key: str,
) -> CaptureResult:
    """Apply one capture to the database (the caller commits)."""
    account_snapshots = _store_profile(session, account, capture.profile, captured_at)
    posts, added = _store_posts(session, account, capture.posts)
    post_snapshots = _store_post_metrics(session, posts, capture.posts, captured_at)
    comments = _store_comments(session, account, posts, capture.comments, secret_key)
    audience = _store_audience(session, account.id, capture.audience, captured_at)
    session.flush()
    return CaptureResult(
        account_snapshots=account_snapshots,
        posts_added=added,
        post_snapshots=post_snapshots,
        comments_added=comments,
        audience_shares=audience,
    )


def _store_profile(
    session: Session, account: PlatformAccount, profile: ProfileData, captured_at: datetime
) -> int:
    account.external_id = profile.external_id or account.external_id
    for name in ("display_name", "bio", "external_url", "country", "account_created_at"):
        value = getattr(profile, name)
        if value is not None:
            setattr(account, name, value)
    if profile.verified is not None:
        account.verified = profile.verified
    account.is_private = profile.is_private
    if profile.followers is not None:
        account.followers = profile.followers
    if profile.following is not None:
        account.following = profile.following
    if profile.media_count is not None:
        account.media_count = profile.media_count
    account.last_captured_at = captured_at
    if profile.followers is None:
        return 0  # a hidden follower count: nothing to add to the series
    latest = repository.latest_account_snapshot(session, account.id)
    values = (profile.followers, profile.following, profile.media_count)
    if latest is not None and (latest.followers, latest.following, latest.media_count) == values:
        return 0
    session.add(
        AccountSnapshot(
            account_id=account.id,
            captured_at=captured_at,
            followers=profile.followers,
            following=profile.following,
            media_count=profile.media_count,
            source=DataSource.API,
        )
    )
    return 1


def _store_posts(
    session: Session, account: PlatformAccount, posts: Sequence[PostData]
) -> tuple[dict[str, Post], int]:
    added = 0
    known = repository.posts_by_platform_id(
        session, account.id, [p.platform_post_id for p in posts]
    )
    for data in posts:
        caption = data.caption or ""
        post = known.get(data.platform_post_id)
        if post is None:
            post = Post(
                id=uuid.uuid4(),
                account_id=account.id,
                platform_post_id=data.platform_post_id,
                post_type=data.post_type,
                posted_at=data.posted_at,
                source=DataSource.API,
            )
            added += 1
            session.add(post)
            known[data.platform_post_id] = post
        elif (post.caption or "") == caption and post.url == data.url:
            continue
        post.url = data.url
        post.caption = data.caption
        post.hashtags = hashtags_of(caption)
        post.mentions = [m.lower() for m in _MENTION.findall(caption)]
        post.is_paid_partnership = data.is_paid_partnership
        observation = PostObservation(
            posted_at=data.posted_at,
            post_type=data.post_type.value,
            likes=None,
            comments=None,
            caption=caption,
            hashtags=tuple(post.hashtags),
            is_paid_partnership=data.is_paid_partnership,
        )
        post.has_disclosure = bool(find_disclosures(observation))
    session.flush()
    return known, added


def _metric_values(row: PostSnapshot | PostMetrics) -> tuple[int | None, ...]:
    return tuple(getattr(row, name) for name in METRIC_FIELDS)


def _store_post_metrics(
    session: Session, posts: dict[str, Post], captured: Sequence[PostData], captured_at: datetime
) -> int:
    latest = repository.latest_post_snapshots(session, [p.id for p in posts.values()])
    written = 0
    for data in captured:
        post = posts[data.platform_post_id]
        values = _metric_values(data.metrics)
        previous = latest.get(post.id)
        if all(v is None for v in values):
            continue
        if previous is not None and _metric_values(previous) == values:
            continue
        session.add(
            PostSnapshot(
                post_id=post.id,
                captured_at=captured_at,
                source=DataSource.API,
                **dict(zip(METRIC_FIELDS, values, strict=True)),
            )
        )
        written += 1
    return written


def _store_comments(
    session: Session,
    account: PlatformAccount,
    posts: dict[str, Post],
    comments: Sequence[CommentData],
    secret_key: str,
) -> int:
    if not comments:
        return 0
    post_ids = [p.id for p in posts.values()]
    known = repository.comment_ids(session, post_ids)
    authors = {c.author_handle for c in comments if c.author_handle}
    accounts = repository.account_ids_by_handle(session, account.platform, authors)
    own = {account.handle, (account.external_id or "").lower()}
    added = 0
    # Parents first, so a reply can point at its thread's id.
    for data in sorted(comments, key=lambda c: c.parent_platform_id is not None):
        post = posts.get(data.platform_post_id)
        if post is None or data.platform_comment_id in known:
            continue
        comment = Comment(
            id=uuid.uuid4(),
            post_id=post.id,
            platform_comment_id=data.platform_comment_id,
            parent_id=known.get(data.parent_platform_id) if data.parent_platform_id else None,
            text=data.text,
            commented_at=data.commented_at,
            by_creator=data.author_handle in own,
            commenter_hash=commenter_hash(secret_key, account.platform.value, data.author_handle),
            commenter_account_id=accounts.get(data.author_handle),
            likes=data.likes,
            source=DataSource.API,
        )
        session.add(comment)
        known[data.platform_comment_id] = comment.id
        added += 1
    return added


def _store_audience(
    session: Session, account_id: uuid.UUID, audience: Sequence[AudienceData], captured_at: datetime
) -> int:
    if not audience:
        return 0
    shares = {(a.dimension, a.key, round(a.share, 6)) for a in audience}
    previous = {(d, k, round(s, 6)) for d, k, s in repository.latest_audience(session, account_id)}
    if shares == previous:
        return 0
    session.add_all(
        AudienceShare(
            account_id=account_id,
            captured_at=captured_at,
            dimension=dimension,
            key=key,
            share=share,
            source=DataSource.API,
        )
        for dimension, key, share in sorted(shares)
    )
    return len(shares)
