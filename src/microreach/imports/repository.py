"""Every query of the import: batched look-ups by natural key and bulk writes.

Reads go through SQLAlchemy Core (typed results on both databases); writes use the driver's
``executemany`` directly, as the synthetic writer does, because type processing per value
would cost more than the insert itself. Ids are written as 32-digit hex and times as naive UTC
text on SQLite, as aware datetimes on PostgreSQL (the forms SQLAlchemy itself stores).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.creators.enums import Platform
from microreach.creators.models import AccountSnapshot, PlatformAccount, Post, PostSnapshot

Row = tuple[Any, ...]
ACCOUNT_TEXT = ("display_name", "external_id", "bio", "country", "language", "external_url")
ACCOUNT_FLAGS = ("verified", "is_private")
FIGURES = ("followers", "following", "media_count")
POST_FIELDS = ("url", "post_type", "caption", "posted_at", "is_paid_partnership")
_ACCOUNT_VALUES = (*ACCOUNT_TEXT, *ACCOUNT_FLAGS, *FIGURES)
POST_COUNTS = ("likes", "comments", "views", "shares", "saves", "reach", "impressions")


@dataclass(slots=True)
class StoredAccount:
    id: uuid.UUID
    values: dict[str, Any]
    last_captured_at: datetime | None


@dataclass(slots=True)
class StoredPost:
    id: uuid.UUID
    account_id: uuid.UUID
    values: dict[str, Any]


class Writer:
    """Dialect-aware bulk statements on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.distinct = "IS NOT" if self.sqlite else "IS DISTINCT FROM"
        self._last_time: datetime | None = None
        self._last_stamp = ""

    def stamp(self, value: datetime | None) -> Any:
        if value is None or not self.sqlite:
            return value
        if value is self._last_time:
            return self._last_stamp
        stamped = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        self._last_time, self._last_stamp = value, stamped
        return stamped

    def executemany(self, sql: str, rows: Sequence[Row]) -> int:
        """Run ``sql`` once per row; the number of rows inserted or changed."""
        if not rows:
            return 0
        driver: Any = self.connection.connection.driver_connection
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        cursor = driver.cursor()
        try:
            cursor.executemany(sql, rows)
            return max(int(cursor.rowcount), 0)
        finally:
            cursor.close()

    def insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Row], tail: str = ""
    ) -> int:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {tail}"
        return self.executemany(sql, rows)

    def update_by_id(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """``rows`` hold the new values of ``columns`` followed by the id."""
        sets = ", ".join(f"{c} = ?" for c in columns)
        self.executemany(f"UPDATE {table} SET {sets} WHERE id = ?", rows)

    def upsert_snapshots(
        self, table: str, key: Sequence[str], values: Sequence[str], rows: Sequence[Row]
    ) -> int:
        """Insert, or on the same key overwrite values that differ (equal rows stay as they are);
        the number of snapshots written."""
        sets = ", ".join(f"{c} = excluded.{c}" for c in values)
        differ = " OR ".join(f"{table}.{c} {self.distinct} excluded.{c}" for c in values)
        tail = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets} WHERE {differ}"
        return self.insert(table, (*key, *values, "source"), rows, tail)


def find_accounts(
    connection: Connection, platform: Platform, handles: Iterable[str]
) -> dict[str, StoredAccount]:
    """Stored accounts by handle. A raw driver query: this runs once per batch over thousands
    of rows, where per-value result processing would cost more than the query."""
    wanted = list(handles)
    if not wanted:
        return {}
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    columns = ("id", "handle", "last_captured_at", *_ACCOUNT_VALUES)
    sql = (
        f"SELECT {', '.join(columns)} FROM platform_accounts "
        f"WHERE platform = {mark} AND handle IN ({', '.join(mark for _ in wanted)})"
    )
    driver: Any = connection.connection.driver_connection
    cursor = driver.cursor()
    try:
        cursor.execute(sql, [platform.value, *wanted])
        rows = cursor.fetchall()
    finally:
        cursor.close()
    found: dict[str, StoredAccount] = {}
    for account_id, handle, last, *values in rows:
        if sqlite:
            account_id = uuid.UUID(account_id)
            last = datetime.fromisoformat(last).replace(tzinfo=UTC) if last else None
            values[6:8] = [bool(values[6]), bool(values[7])]
        found[handle] = StoredAccount(
            account_id, dict(zip(_ACCOUNT_VALUES, values, strict=True)), last
        )
    return found


def external_id_owners(
    connection: Connection, platform: Platform, external_ids: Iterable[str]
) -> dict[str, str]:
    """External id -> handle of the stored account that carries it."""
    a = PlatformAccount
    stmt = sa.select(a.external_id, a.handle).where(
        a.platform == platform, a.external_id.in_(list(external_ids))
    )
    return {row.external_id: row.handle for row in connection.execute(stmt)}


def find_posts(
    connection: Connection, keys: Iterable[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], StoredPost]:
    """Stored posts by (account, platform post id). A row-value IN: two separate IN lists
    would make SQLite probe every combination of their values."""
    wanted = list(set(keys))
    if not wanted:
        return {}
    p = Post
    stmt = sa.select(p.id, p.account_id, p.platform_post_id, *[getattr(p, c) for c in POST_FIELDS])
    stmt = stmt.where(sa.tuple_(p.account_id, p.platform_post_id).in_(wanted))
    found: dict[tuple[uuid.UUID, str], StoredPost] = {}
    for row in connection.execute(stmt):
        values = {c: row._mapping[c] for c in POST_FIELDS}
        found[(row.account_id, row.platform_post_id)] = StoredPost(row.id, row.account_id, values)
    return found


def latest_post_counts(
    connection: Connection, post_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int | None, ...]]:
    """Each post's counts at its newest capture."""
    if not post_ids:
        return {}
    s = PostSnapshot
    newest = (
        sa.select(s.post_id, sa.func.max(s.captured_at).label("at"))
        .where(s.post_id.in_(list(post_ids)))
        .group_by(s.post_id)
        .subquery()
    )
    stmt = sa.select(s.post_id, *[getattr(s, c) for c in POST_COUNTS]).join(
        newest, sa.and_(s.post_id == newest.c.post_id, s.captured_at == newest.c.at)
    )
    return {row[0]: tuple(row[1:]) for row in connection.execute(stmt)}


def latest_account_figures(
    connection: Connection, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int | None, ...]]:
    """Each account's figures at its newest snapshot."""
    if not account_ids:
        return {}
    s = AccountSnapshot
    newest = (
        sa.select(s.account_id, sa.func.max(s.captured_at).label("at"))
        .where(s.account_id.in_(list(account_ids)))
        .group_by(s.account_id)
        .subquery()
    )
    stmt = sa.select(s.account_id, s.followers, s.following, s.media_count).join(
        newest, sa.and_(s.account_id == newest.c.account_id, s.captured_at == newest.c.at)
    )
    return {row[0]: tuple(row[1:]) for row in connection.execute(stmt)}
