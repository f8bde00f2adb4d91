"""Hypothesis strategies for the science's plain observations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from microreach.science.observations import (
    AccountObservation,
    CommentObservation,
    FollowerPoint,
    PostObservation,
)

AS_OF = datetime(2026, 6, 1, 12, tzinfo=UTC)
PLATFORMS = ("instagram", "tiktok", "youtube")
POST_TYPES = ("photo", "carousel", "video", "reel", "short", "story", "live")

counts = st.integers(min_value=0, max_value=5_000_000)
maybe_counts = st.one_of(st.none(), counts, st.integers(min_value=-5, max_value=-1))


@st.composite
def posts(draw: st.DrawFn, *, minutes: st.SearchStrategy[int] | None = None) -> PostObservation:
    ago = draw(st.integers(min_value=0, max_value=200 * 24 * 60) if minutes is None else minutes)
    captured = draw(st.one_of(st.none(), st.just(AS_OF)))
    return PostObservation(
        posted_at=AS_OF - timedelta(minutes=ago),
        post_type=draw(st.sampled_from(POST_TYPES)),
        likes=draw(maybe_counts),
        comments=draw(maybe_counts),
        views=draw(maybe_counts),
        shares=draw(maybe_counts),
        saves=draw(maybe_counts),
        reach=draw(maybe_counts),
        captured_at=captured,
        deleted=draw(st.booleans()),
    )


def post_lists(
    *, unique_times: bool, max_size: int = 20
) -> st.SearchStrategy[list[PostObservation]]:
    if unique_times:
        return st.lists(posts(), max_size=max_size, unique_by=lambda p: p.posted_at)
    # Few distinct times, so ties are common.
    tied = posts(minutes=st.sampled_from([2 * 24 * 60, 3 * 24 * 60, 4 * 24 * 60]))
    return st.lists(st.one_of(posts(), tied), max_size=max_size)


@st.composite
def accounts(draw: st.DrawFn, *, unique_times: bool = True) -> AccountObservation:
    return AccountObservation(
        platform=draw(st.sampled_from(PLATFORMS)),
        followers=draw(st.integers(min_value=1, max_value=50_000_000)),
        following=draw(st.one_of(st.none(), st.integers(min_value=-1, max_value=100_000))),
        posts=tuple(draw(post_lists(unique_times=unique_times))),
        captured_at=AS_OF,
    )


def follower_series(
    *, unique_times: bool = True, max_size: int = 30
) -> st.SearchStrategy[list[FollowerPoint]]:
    point = st.builds(
        FollowerPoint,
        captured_at=st.integers(min_value=0, max_value=400 * 24).map(
            lambda hours: AS_OF - timedelta(hours=hours)
        ),
        followers=st.integers(min_value=-10, max_value=10_000_000),
        following=st.one_of(st.none(), st.integers(min_value=-1, max_value=10_000)),
    )
    if unique_times:
        return st.lists(point, max_size=max_size, unique_by=lambda p: p.captured_at)
    return st.lists(point, max_size=max_size)


COMMENT_TEXTS = (
    "Love this! ❤️",
    "nice",
    "🔥🔥🔥",
    "Where did you get that jacket? The colour is perfect for autumn",
    "Check my profile for free followers!!",
    "DM us to collab 💰 link in bio",
    "follow for follow",
    "This recipe worked so well, I added more garlic and it was amazing",
    "great post",
    "How long did the whole trip take you?",
)


@st.composite
def comment_threads(draw: st.DrawFn, max_size: int = 60) -> list[CommentObservation]:
    n = draw(st.integers(min_value=0, max_value=max_size))
    comments: list[CommentObservation] = []
    for index in range(n):
        parent = None
        if comments and draw(st.booleans()):
            parent = draw(st.sampled_from(comments)).comment_id
        text = draw(st.one_of(st.sampled_from(COMMENT_TEXTS), st.text(max_size=80)))
        comments.append(
            CommentObservation(
                commenter=draw(st.sampled_from([f"h{i:02d}" for i in range(12)])),
                text=text,
                commented_at=AS_OF - timedelta(minutes=draw(st.integers(0, 20_000))),
                by_creator=draw(st.booleans()),
                parent=parent,
                comment_id=f"c{index}",
                post_id=draw(st.sampled_from(["p1", "p2", "p3", "p4"])),
                known_commenter=draw(st.booleans()),
            )
        )
    return comments
