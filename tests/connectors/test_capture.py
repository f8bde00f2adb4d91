"""Capture: what a connector returns becomes snapshots with source "api", unchanged values
are not written again."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.connectors.base import (
    AccountCapture,
    AudienceData,
    CommentData,
    PostData,
    PostMetrics,
    ProfileData,
)
from microreach.connectors.capture import store_capture
from microreach.creators.enums import AudienceDimension, DataSource, Platform, PostType
from microreach.creators.models import (
    AccountSnapshot,
    AudienceShare,
    Comment,
    PlatformAccount,
    Post,
    PostSnapshot,
)
from microreach.kit.hashing import commenter_hash
from tests.connectors.conftest import NOW
from tests.factories import make_account

SECRET = "k" * 48


def _capture(likes: int = 120, followers: int = 5000) -> AccountCapture:
    posts = [
        PostData(
            "p1",
            PostType.PHOTO,
            NOW - timedelta(days=2),
            PostMetrics(likes=likes, comments=9),
            url="https://example/p1",
            caption="Trail mix #hiking #ad with @gearco",
        ),
        PostData("p2", PostType.REEL, NOW - timedelta(days=5), PostMetrics(likes=None, comments=3)),
    ]
    comments = [
        CommentData("c1", "p1", "Nice!", NOW - timedelta(days=1), "fan_one", likes=2),
        CommentData("c2", "p1", "@fan_one thanks", NOW, "hiker", parent_platform_id="c1"),
    ]
    audience = [
        AudienceData(AudienceDimension.COUNTRY, "US", 0.7),
        AudienceData(AudienceDimension.COUNTRY, "CA", 0.3),
    ]
    profile = ProfileData("ig-1", "hiker", "Hiker", "bio", followers, 300, 88)
    return AccountCapture(profile, posts, comments, audience)


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _account(session: Session) -> PlatformAccount:
    return make_account(session, platform=Platform.INSTAGRAM, handle="hiker", external_id=None)


def test_a_capture_writes_the_account_posts_snapshots_comments_and_audience(
    session: Session,
) -> None:
    account = _account(session)
    result = store_capture(session, account, _capture(), NOW, SECRET)
    assert (result.account_snapshots, result.posts_added, result.post_snapshots) == (1, 2, 2)
    assert (result.comments_added, result.audience_shares) == (2, 2)
    assert account.followers == 5000 and account.external_id == "ig-1"
    assert account.last_captured_at == NOW

    post = session.scalars(sa.select(Post).where(Post.platform_post_id == "p1")).one()
    assert post.source is DataSource.API and post.hashtags == ["hiking", "ad"]
    assert post.mentions == ["gearco"] and post.has_disclosure
    snapshot = session.scalars(sa.select(PostSnapshot).where(PostSnapshot.post_id == post.id)).one()
    assert (snapshot.likes, snapshot.comments, snapshot.views) == (120, 9, None)
    assert snapshot.source is DataSource.API and snapshot.captured_at == NOW

    comments = {c.platform_comment_id: c for c in session.scalars(sa.select(Comment))}
    assert comments["c1"].commenter_hash == commenter_hash(SECRET, "instagram", "fan_one")
    assert "fan_one" not in comments["c1"].commenter_hash
    assert comments["c2"].parent_id == comments["c1"].id and comments["c2"].by_creator
    assert not comments["c1"].by_creator


def test_the_same_response_twice_writes_no_duplicate(session: Session) -> None:
    account = _account(session)
    store_capture(session, account, _capture(), NOW, SECRET)
    before = [_count(session, m) for m in (AccountSnapshot, PostSnapshot, Comment, AudienceShare)]
    later = NOW + timedelta(hours=6)
    again = store_capture(session, account, _capture(), later, SECRET)
    assert again.account_snapshots == again.post_snapshots == again.posts_added == 0
    assert again.comments_added == again.audience_shares == 0
    after = [_count(session, m) for m in (AccountSnapshot, PostSnapshot, Comment, AudienceShare)]
    assert after == before
    assert account.last_captured_at == later  # the check itself is recorded


def test_only_changed_values_get_a_new_snapshot(session: Session) -> None:
    account = _account(session)
    store_capture(session, account, _capture(), NOW, SECRET)
    later = NOW + timedelta(days=1)
    changed = store_capture(session, account, _capture(likes=150, followers=5100), later, SECRET)
    assert (changed.account_snapshots, changed.post_snapshots) == (1, 1)
    series = session.scalars(
        sa.select(AccountSnapshot.followers)
        .where(AccountSnapshot.account_id == account.id)
        .order_by(AccountSnapshot.captured_at)
    ).all()
    assert series == [5000, 5100]


def test_a_hidden_follower_count_adds_no_point_to_the_series(session: Session) -> None:
    account = _account(session)
    capture = _capture()
    hidden = replace(capture, profile=replace(capture.profile, followers=None))
    assert store_capture(session, account, hidden, NOW, SECRET).account_snapshots == 0
    assert account.followers == 12_000  # the last known figure stays
