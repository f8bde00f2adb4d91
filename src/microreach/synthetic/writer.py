"""Bulk writes of generated rows: executemany on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

Row = tuple[object, ...]


@dataclass(frozen=True)
class TableSpec:
    """The column order generated rows follow, and which columns hold timestamps."""

    name: str
    columns: tuple[str, ...]
    timestamps: tuple[str, ...] = ()

    @property
    def timestamp_positions(self) -> tuple[int, ...]:
        return tuple(self.columns.index(c) for c in self.timestamps)


CREATORS = TableSpec(
    "creators",
    ("id", "name", "kind", "contact_email", "source", "created_at", "updated_at"),
    ("created_at", "updated_at"),
)
ACCOUNTS = TableSpec(
    "platform_accounts",
    ("id", "creator_id", "platform", "handle", "external_id", "display_name", "bio",
     "followers", "following", "media_count", "country", "language", "verified",
     "has_profile_picture", "is_private", "external_url", "account_created_at",
     "first_seen_at", "last_captured_at", "source", "created_at", "updated_at"),
    ("account_created_at", "first_seen_at", "last_captured_at", "created_at", "updated_at"),
)  # fmt: skip
TRUTH = TableSpec("synthetic_truth", ("account_id", "niche", "fraud", "pod"))
ACCOUNT_SNAPSHOTS = TableSpec(
    "account_snapshots",
    ("account_id", "captured_at", "followers", "following", "media_count", "source"),
    ("captured_at",),
)
AUDIENCE = TableSpec(
    "audience_shares",
    ("account_id", "captured_at", "dimension", "key", "share", "source"),
    ("captured_at",),
)
POSTS = TableSpec(
    "posts",
    ("id", "account_id", "platform_post_id", "url", "post_type", "caption", "hashtags",
     "mentions", "posted_at", "is_paid_partnership", "has_disclosure", "deleted_at", "source",
     "created_at"),
    ("posted_at", "deleted_at", "created_at"),
)  # fmt: skip
POST_SNAPSHOTS = TableSpec(
    "post_snapshots",
    ("post_id", "captured_at", "likes", "comments", "views", "shares", "saves", "reach",
     "impressions", "source"),
    ("captured_at",),
)  # fmt: skip
COMMENTS = TableSpec(
    "comments",
    ("id", "post_id", "platform_comment_id", "parent_id", "text", "commented_at", "by_creator",
     "commenter_hash", "commenter_account_id", "likes", "source"),
    ("commented_at",),
)  # fmt: skip

# Parents before children, so foreign keys hold row by row.
TABLES = (CREATORS, ACCOUNTS, TRUTH, ACCOUNT_SNAPSHOTS, AUDIENCE, POSTS, POST_SNAPSHOTS, COMMENTS)


def write_rows(connection: Connection, spec: TableSpec, rows: Sequence[Row]) -> None:
    """Append ``rows`` to ``spec``'s table inside the connection's current transaction."""
    if not rows:
        return
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in spec.columns)
        sql = f"INSERT INTO {spec.name} ({', '.join(spec.columns)}) VALUES ({marks})"
        cursor = driver.cursor()
        cursor.executemany(sql, rows)
        cursor.close()
        return
    _copy_rows(driver, spec, rows)


def _copy_rows(driver: Any, spec: TableSpec, rows: Sequence[Row]) -> None:
    """COPY in text form; timestamps are naive UTC text, so they get an explicit offset."""
    positions = spec.timestamp_positions
    sql = f"COPY {spec.name} ({', '.join(spec.columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        if not positions:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for p in positions:
                if values[p] is not None:
                    values[p] = f"{values[p]}+00"
            copy.write_row(values)
