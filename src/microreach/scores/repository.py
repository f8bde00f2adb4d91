"""Reads for scoring: accounts in id-ordered batches, as the science observations they become;
and the stored scores of given accounts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session, defer

from microreach.creators.models import AccountSnapshot, Comment, PlatformAccount, Post, PostSnapshot
from microreach.kit.clock import as_utc
from microreach.science.observations import (
    AccountObservation,
    CommentObservation,
    FollowerPoint,
    PostObservation,
)
from microreach.scores.models import AccountScore

# How much history a score reads: the newest posts and a quarter of follower captures.
RECENT_POSTS = 12
SERIES_DAYS = 120

Span = tuple[uuid.UUID, uuid.UUID]


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """One account to score: its identity, what was observed, and its newest capture time."""

    id: uuid.UUID
    creator_id: uuid.UUID
    handle: str
    observation: AccountObservation
    last_captured_at: datetime | None


def account_ids_after(
    connection: Connection, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """The next ``limit`` account ids in id order (keyset pagination)."""
    stmt = sa.select(PlatformAccount.id).order_by(PlatformAccount.id).limit(limit)
    if after is not None:
        stmt = stmt.where(PlatformAccount.id > after)
    return list(connection.execute(stmt).scalars())


def iter_id_batches(connection: Connection, size: int) -> Iterator[list[uuid.UUID]]:
    after: uuid.UUID | None = None
    while batch := account_ids_after(connection, after, size):
        yield batch
        after = batch[-1]


def load_span(connection: Connection, span: Span) -> list[AccountRecord]:
    """Observations of the accounts whose ids lie in ``span`` (inclusive): profile, newest
    posts with their latest counts, the follower series and the threads of those posts.

    Reading by id range instead of id lists keeps every query an index range scan. Rows are
    fetched from the driver as plain tuples: every column is read as the driver gives it (see
    ``_text``), so SQLAlchemy's per-row processing would only cost time."""
    accounts = fetch_tuples(
        connection,
        sa.select(
            _text(PlatformAccount.id), _text(PlatformAccount.creator_id), PlatformAccount.handle,
            _text(PlatformAccount.platform), PlatformAccount.followers, PlatformAccount.following,
            PlatformAccount.media_count, PlatformAccount.bio,
            _text(PlatformAccount.last_captured_at),
        )
        .where(PlatformAccount.id.between(*span))
        .order_by(PlatformAccount.id),
    )  # fmt: skip
    posts = _recent_posts(connection, span)
    newest = max((_time(a[8]) for a in accounts if a[8] is not None), default=None)
    series = _series(connection, span, newest)
    comments = _comments(connection, span, {p for items in posts.values() for p, _ in items})
    return [_record(row, posts.get(row[0], []), series, comments) for row in accounts]


def fetch_tuples(connection: Connection, stmt: sa.Executable) -> list[tuple[Any, ...]]:
    """All rows of ``stmt`` as the driver's tuples."""
    result = connection.execute(stmt)
    try:
        rows: list[tuple[Any, ...]] = list(result.cursor.fetchall())
    finally:
        result.close()
    return rows


def _record(
    row: tuple[Any, ...],
    posts: list[tuple[Any, PostObservation]],
    series: dict[Any, list[FollowerPoint]],
    comments: dict[Any, list[CommentObservation]],
) -> AccountRecord:
    account_id, creator_id, handle, platform, followers, following, media, bio, captured = row
    when = _maybe_time(captured)
    return AccountRecord(
        id=_key(account_id),
        creator_id=_key(creator_id),
        handle=handle,
        last_captured_at=when,
        observation=AccountObservation(
            platform=str(platform),
            followers=followers,
            following=following,
            media_count=media,
            bio=bio or "",
            posts=tuple(post for _, post in posts),
            series=tuple(series.get(account_id, ())),
            comments=tuple(c for post_id, _ in posts for c in comments.get(post_id, ())),
            captured_at=when,
        ),
    )


def _recent_posts(
    connection: Connection, span: Span
) -> dict[Any, list[tuple[Any, PostObservation]]]:
    """Each account's RECENT_POSTS newest posts with their latest snapshot, newest first.

    One statement: the posts numbered newest first within each account, joined to the
    snapshot whose capture time is the post's newest (a primary-key lookup per post)."""
    ranked = _ranked_posts(span, connection.dialect.name)
    inner = sa.orm.aliased(PostSnapshot)
    newest = (
        sa.select(sa.func.max(inner.captured_at))
        .where(inner.post_id == ranked.c.key)
        .correlate(ranked)
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            ranked.c.id, ranked.c.account_id, ranked.c.posted_at, ranked.c.post_type,
            ranked.c.caption, ranked.c.hashtags, ranked.c.mentions,
            ranked.c.is_paid_partnership, ranked.c.deleted_at,
            _text(PostSnapshot.captured_at), PostSnapshot.likes, PostSnapshot.comments,
            PostSnapshot.views, PostSnapshot.shares, PostSnapshot.saves, PostSnapshot.reach,
        )
        .select_from(ranked)
        .outerjoin(
            PostSnapshot,
            sa.and_(PostSnapshot.post_id == ranked.c.key, PostSnapshot.captured_at == newest),
        )
        .where(ranked.c.rank <= RECENT_POSTS)
        .order_by(ranked.c.account_id, ranked.c.rank)
    )  # fmt: skip
    out: dict[Any, list[tuple[Any, PostObservation]]] = defaultdict(list)
    for row in fetch_tuples(connection, stmt):
        (post_id, account_id, posted_at, post_type, caption, hashtags, mentions, paid, deleted,
         captured, likes, comment_count, views, shares, saves, reach) = row  # fmt: skip
        # Positional arguments, in field order: about half the cost of keywords here.
        post = PostObservation(
            _time(posted_at), str(post_type), likes, comment_count, views, shares, saves, reach,
            None if captured is None else _time(captured), deleted is not None, caption or "",
            _tags(hashtags), _tags(mentions), bool(paid),
        )  # fmt: skip
        out[account_id].append((post_id, post))
    return out


def _ranked_posts(span: Span, dialect: str) -> sa.Subquery:
    """Posts of the accounts in ``span`` numbered newest first within each account.

    On SQLite the numbering reads only the (account_id, posted_at) index, rowids included,
    and the posts kept are then fetched by rowid: numbering whole rows made SQLite carry every
    caption through the window's sort, about a quarter of the read."""
    if dialect == "sqlite":
        return _ranked_posts_by_rowid(span)
    return (
        sa.select(
            _text(Post.id), Post.id.label("key"), _text(Post.account_id), _text(Post.posted_at),
            _text(Post.post_type), Post.caption, _text(Post.hashtags), _text(Post.mentions),
            Post.is_paid_partnership, _text(Post.deleted_at),
            sa.func.row_number()
            .over(partition_by=Post.account_id, order_by=Post.posted_at.desc())
            .label("rank"),
        ).where(Post.account_id.between(*span))
    ).subquery()  # fmt: skip


def _ranked_posts_by_rowid(span: Span) -> sa.Subquery:
    numbered = (
        sa.select(
            sa.literal_column("rowid").label("row"), _text(Post.account_id),
            sa.func.row_number()
            .over(partition_by=Post.account_id, order_by=Post.posted_at.desc())
            .label("rank"),
        ).where(Post.account_id.between(*span))
    ).subquery("numbered")  # fmt: skip
    post = sa.orm.aliased(Post, name="recent")
    return (
        sa.select(
            _text(post.id), post.id.label("key"), numbered.c.account_id, _text(post.posted_at),
            _text(post.post_type), post.caption, _text(post.hashtags), _text(post.mentions),
            post.is_paid_partnership, _text(post.deleted_at), numbered.c.rank,
        )
        .select_from(numbered)
        .join(post, sa.literal_column("recent.rowid") == numbered.c.row)
        .where(numbered.c.rank <= RECENT_POSTS)
    ).subquery()  # fmt: skip


def _series(
    connection: Connection, span: Span, newest: datetime | None
) -> dict[Any, list[FollowerPoint]]:
    stmt = (
        sa.select(
            _text(AccountSnapshot.account_id), _text(AccountSnapshot.captured_at),
            AccountSnapshot.followers, AccountSnapshot.following,
        )
        .where(AccountSnapshot.account_id.between(*span))
        .order_by(AccountSnapshot.account_id, AccountSnapshot.captured_at)
    )  # fmt: skip
    if newest is not None:
        stmt = stmt.where(AccountSnapshot.captured_at >= newest - timedelta(days=SERIES_DAYS))
    out: dict[Any, list[FollowerPoint]] = defaultdict(list)
    for account_id, captured, followers, following in fetch_tuples(connection, stmt):
        out[account_id].append(FollowerPoint(_time(captured), followers, following))
    return out


def _comments(
    connection: Connection, span: Span, post_ids: set[Any]
) -> dict[Any, list[CommentObservation]]:
    """Comment threads of the recent posts of the accounts in ``span``."""
    stmt = (
        sa.select(
            _text(Comment.id), _text(Comment.post_id), _text(Comment.parent_id), Comment.text,
            _text(Comment.commented_at), Comment.by_creator, Comment.commenter_hash,
            _text(Comment.commenter_account_id),
        )
        .join(Post, Post.id == Comment.post_id)
        .where(Post.account_id.between(*span))
        .order_by(Comment.post_id, Comment.commented_at)
    )  # fmt: skip
    out: dict[Any, list[CommentObservation]] = defaultdict(list)
    for comment_id, post_id, parent, text, at, by_creator, commenter, known in fetch_tuples(
        connection, stmt
    ):
        if post_id not in post_ids:
            continue
        out[post_id].append(
            CommentObservation(
                commenter, text, _time(at), bool(by_creator), _hex(parent),
                _hex(comment_id) or "", _hex(post_id) or "", known is not None,
            )  # positional, in field order
        )  # fmt: skip
    return out


def _hex(value: Any) -> str | None:
    if value is None:
        return None
    return value.hex if isinstance(value, uuid.UUID) else str(value)


def _text(column: sa.orm.InstrumentedAttribute[Any]) -> sa.ColumnElement[Any]:
    """A column read as the driver gives it (text for enums, hex or UUID for ids, text or
    datetime for times): bulk reads skip SQLAlchemy's per-value conversions."""
    return sa.type_coerce(column, sa.types.NullType()).label(column.key)


def _key(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)


def _time(value: Any) -> datetime:
    """A timestamp as SQLite (naive UTC text) or PostgreSQL (aware) returns it, made aware."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return as_utc(value)


def _maybe_time(value: Any) -> datetime | None:
    return None if value is None else _time(value)


def _tags(value: Any) -> tuple[str, ...]:
    """A JSON list column (text on SQLite, already decoded on PostgreSQL) as a tuple."""
    if isinstance(value, str):
        return () if value == "[]" else tuple(orjson.loads(value))
    return tuple(value or ())


# --- stored scores ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredScore:
    """An account that exists, its newest capture time and its stored score (None: never
    scored)."""

    account_id: uuid.UUID
    last_captured_at: datetime | None
    score: AccountScore | None


def stored_scores(session: Session, account_ids: Sequence[uuid.UUID]) -> list[StoredScore]:
    """The accounts among ``account_ids`` that exist, each with its stored score (one query)."""
    if not account_ids:
        return []
    stmt = (
        sa.select(PlatformAccount.id, PlatformAccount.last_captured_at, AccountScore)
        .outerjoin(AccountScore, AccountScore.account_id == PlatformAccount.id)
        .where(PlatformAccount.id.in_(account_ids))
        # The per-post log-rates feed the peer pass only; nothing shown needs them.
        .options(defer(AccountScore.er_log_rates, raiseload=True))
    )
    return [StoredScore(row[0], row[1], row[2]) for row in session.execute(stmt)]
