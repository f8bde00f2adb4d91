"""Plain data the science functions read: what was observed about an account, never a row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Posts, captures and comments are not frozen: the scoring job builds dozens per account, and a
# frozen dataclass costs several times as much to build. Nothing mutates them.


@dataclass(slots=True)
class PostObservation:
    """One post with its latest captured counts. None means the platform hid or omitted it."""

    posted_at: datetime
    post_type: str  # photo, carousel, video, reel, short, story, live
    likes: int | None
    comments: int | None
    views: int | None = None
    shares: int | None = None
    saves: int | None = None
    reach: int | None = None
    captured_at: datetime | None = None
    deleted: bool = False
    caption: str = ""
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    is_paid_partnership: bool = False


@dataclass(slots=True)
class FollowerPoint:
    """An account's counts at one capture."""

    captured_at: datetime
    followers: int
    following: int | None = None


@dataclass(slots=True)
class CommentObservation:
    """One comment of a thread. ``commenter`` is the keyed hash, never a handle."""

    commenter: str
    text: str
    commented_at: datetime
    by_creator: bool = False
    parent: str | None = None  # the comment id this one answers
    comment_id: str = ""
    post_id: str = ""
    known_commenter: bool = False  # the commenter is an account microreach knows


@dataclass(frozen=True, slots=True)
class AccountObservation:
    """Everything observed about one platform account, as the science functions take it."""

    platform: str
    followers: int
    following: int | None = None
    media_count: int | None = None
    bio: str = ""
    posts: tuple[PostObservation, ...] = ()
    series: tuple[FollowerPoint, ...] = ()
    comments: tuple[CommentObservation, ...] = field(default=())
    captured_at: datetime | None = None
