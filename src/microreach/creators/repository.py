"""Every query of the creators domain: account lists with keyset pages, creator detail reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, Session, contains_eager, selectinload

from microreach.creators.enums import Platform
from microreach.creators.models import AccountSnapshot, Creator, PlatformAccount, Post, PostSnapshot
from microreach.creators.schemas import CreatorSort


@dataclass(frozen=True, slots=True)
class FollowerRange:
    """Followers in [lower, upper), on one platform or (platform None) on any."""

    lower: int
    upper: int | None
    platform: Platform | None = None


@dataclass(frozen=True, slots=True)
class AccountFilters:
    platform: Platform | None = None
    min_followers: int | None = None
    max_followers: int | None = None
    # Accounts must fall in one of these ranges; None means no range restriction.
    follower_ranges: tuple[FollowerRange, ...] | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class Keyset:
    """The sort key and id of the last row of the previous page."""

    key: int | str
    id: uuid.UUID


def list_accounts(
    session: Session,
    filters: AccountFilters,
    sort: CreatorSort,
    after: Keyset | None,
    limit: int,
) -> list[PlatformAccount]:
    """Up to ``limit`` accounts in ``sort`` order after ``after``, each with its creator loaded."""
    stmt = (
        sa.select(PlatformAccount)
        .join(PlatformAccount.creator)
        .options(contains_eager(PlatformAccount.creator))
        .where(*_filter_clauses(filters))
        .order_by(*_order_by(sort))
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(_after_clause(sort, after))
    return list(session.scalars(stmt))


def any_accounts(session: Session) -> bool:
    return session.scalar(sa.select(PlatformAccount.id).limit(1)) is not None


def _filter_clauses(filters: AccountFilters) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.platform is not None:
        clauses.append(PlatformAccount.platform == filters.platform)
    if filters.min_followers is not None:
        clauses.append(PlatformAccount.followers >= filters.min_followers)
    if filters.max_followers is not None:
        clauses.append(PlatformAccount.followers <= filters.max_followers)
    if filters.follower_ranges is not None:
        clauses.append(sa.or_(sa.false(), *map(_range_clause, filters.follower_ranges)))
    if filters.search:
        clauses.append(_search_clause(filters.search))
    return clauses


def _range_clause(follower_range: FollowerRange) -> sa.ColumnElement[bool]:
    parts = [PlatformAccount.followers >= follower_range.lower]
    if follower_range.upper is not None:
        parts.append(PlatformAccount.followers < follower_range.upper)
    if follower_range.platform is not None:
        parts.append(PlatformAccount.platform == follower_range.platform)
    return sa.and_(*parts)


def _search_clause(text: str) -> sa.ColumnElement[bool]:
    handle = text.removeprefix("@").lower()
    return sa.or_(
        PlatformAccount.handle.icontains(handle, autoescape=True),
        PlatformAccount.display_name.icontains(text, autoescape=True),
    )


def _sort_column(sort: CreatorSort) -> QueryableAttribute[Any]:
    return PlatformAccount.handle if sort is CreatorSort.HANDLE else PlatformAccount.followers


def _order_by(sort: CreatorSort) -> tuple[sa.UnaryExpression[Any], ...]:
    column, row_id = _sort_column(sort), PlatformAccount.id
    if sort is CreatorSort.FOLLOWERS_DESC:
        return column.desc(), row_id.desc()
    return column.asc(), row_id.asc()


def _after_clause(sort: CreatorSort, after: Keyset) -> sa.ColumnElement[bool]:
    # Spelled out rather than as a row-value comparison so SQLite and PostgreSQL plan it alike.
    column, row_id = _sort_column(sort), PlatformAccount.id
    if sort is CreatorSort.FOLLOWERS_DESC:
        return sa.or_(column < after.key, sa.and_(column == after.key, row_id < after.id))
    return sa.or_(column > after.key, sa.and_(column == after.key, row_id > after.id))


def get_creator(session: Session, creator_id: uuid.UUID) -> Creator | None:
    """The creator with its accounts (largest first), or None."""
    stmt = (
        sa.select(Creator).where(Creator.id == creator_id).options(selectinload(Creator.accounts))
    )
    return session.scalars(stmt).one_or_none()


def recent_posts(
    session: Session, account_ids: Sequence[uuid.UUID], per_account: int
) -> list[Post]:
    """The ``per_account`` newest posts not deleted of each account, newest first."""
    rank = (
        sa.func.row_number()
        .over(partition_by=Post.account_id, order_by=(Post.posted_at.desc(), Post.id.desc()))
        .label("rank")
    )
    ranked = (
        sa.select(Post.id, rank)
        .where(Post.account_id.in_(account_ids), Post.deleted_at.is_(None))
        .subquery()
    )
    stmt = (
        sa.select(Post)
        .join(ranked, ranked.c.id == Post.id)
        .where(ranked.c.rank <= per_account)
        .order_by(Post.account_id, Post.posted_at.desc(), Post.id.desc())
    )
    return list(session.scalars(stmt))


def latest_post_snapshots(
    session: Session, post_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PostSnapshot]:
    """The most recent snapshot of each post that has one, by post id."""
    if not post_ids:
        return {}
    newest = (
        sa.select(PostSnapshot.post_id, sa.func.max(PostSnapshot.captured_at).label("captured_at"))
        .where(PostSnapshot.post_id.in_(post_ids))
        .group_by(PostSnapshot.post_id)
        .subquery()
    )
    stmt = sa.select(PostSnapshot).join(
        newest,
        sa.and_(
            newest.c.post_id == PostSnapshot.post_id,
            newest.c.captured_at == PostSnapshot.captured_at,
        ),
    )
    return {snapshot.post_id: snapshot for snapshot in session.scalars(stmt)}


def follower_series(
    session: Session, account_ids: Sequence[uuid.UUID]
) -> list[sa.Row[uuid.UUID, datetime, int]]:
    """(account_id, captured_at, followers) of every snapshot of the accounts, oldest first."""
    stmt = (
        sa.select(
            AccountSnapshot.account_id, AccountSnapshot.captured_at, AccountSnapshot.followers
        )
        .where(AccountSnapshot.account_id.in_(account_ids))
        .order_by(AccountSnapshot.account_id, AccountSnapshot.captured_at)
    )
    return list(session.execute(stmt).all())


# Reads for other domains (through service.py): accounts by id, a post by its platform id or URL


def accounts_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> list[PlatformAccount]:
    if not ids:
        return []
    return list(session.scalars(sa.select(PlatformAccount).where(PlatformAccount.id.in_(ids))))


def contact_emails(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """Account id -> the contact email of the account's creator (None when it has none)."""
    if not ids:
        return {}
    stmt = (
        sa.select(PlatformAccount.id, Creator.contact_email)
        .join(Creator, Creator.id == PlatformAccount.creator_id)
        .where(PlatformAccount.id.in_(ids))
    )
    return {row.id: row.contact_email for row in session.execute(stmt)}


def find_post(
    session: Session, platform: Platform, platform_post_id: str | None, url: str | None
) -> Post | None:
    """The stored post on ``platform`` with that platform id, else with that URL."""
    keys = []
    if platform_post_id:
        keys.append(Post.platform_post_id == platform_post_id)
    if url:
        keys.append(Post.url == url)
    if not keys:
        return None
    query = (
        sa.select(Post)
        .join(PlatformAccount, PlatformAccount.id == Post.account_id)
        .where(PlatformAccount.platform == platform, sa.or_(*keys))
        .order_by(Post.posted_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()
