"""Batch writers for each import kind: look up a batch's stored rows by natural key, then
insert what is new, update what changed and leave equal rows alone (so a re-import is a no-op).

Snapshots: a row with an explicit capture time is upserted under (row, capture time); a row
without one counts as captured at the import's time and adds a snapshot only when its figures
differ from the latest stored ones. An account's latest figures move only forward in time.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from microreach.creators.enums import CreatorKind, DataSource, Platform, PostType
from microreach.imports import repository as repo
from microreach.imports.repository import FIGURES, POST_COUNTS, StoredAccount, Writer
from microreach.imports.schemas import ImportKind, RowError
from microreach.kit.clock import as_utc
from microreach.science.disclosure import EvidenceKind, find_disclosures
from microreach.science.observations import PostObservation

SOURCE = DataSource.IMPORT.value
_HASHTAG = re.compile(r"#(\w+)")
_MENTION = re.compile(r"@([\w.]+)")
CREATOR_COLUMNS = ("id", "name", "kind", "contact_email", "source", "created_at", "updated_at")
ACCOUNT_COLUMNS = (
    "id", "creator_id", "platform", "handle", *repo.ACCOUNT_TEXT, *repo.ACCOUNT_FLAGS,
    "has_profile_picture", *FIGURES, "first_seen_at", "last_captured_at", "source",
    "created_at", "updated_at",
)  # fmt: skip
ACCOUNT_UPDATE = (
    *repo.ACCOUNT_TEXT,
    *repo.ACCOUNT_FLAGS,
    *FIGURES,
    "last_captured_at",
    "updated_at",
)
POST_COLUMNS = (
    "id", "account_id", "platform_post_id", "url", "post_type", "caption", "hashtags",
    "mentions", "posted_at", "is_paid_partnership", "has_disclosure", "source", "created_at",
)  # fmt: skip
POST_UPDATE = ("url", "post_type", "caption", "hashtags", "mentions", "posted_at",
               "is_paid_partnership", "has_disclosure")  # fmt: skip
ACCOUNT_TEXT_FIELDS = {"display_name": "name", **{c: c for c in repo.ACCOUNT_TEXT[1:]}}

Item = tuple[int, dict[str, Any]]
_LOW_62 = (1 << 62) - 1


class TimeOrderedIds:
    """UUIDv7-style ids (milliseconds, then a counter): a bulk load appends to the id indexes
    and to the snapshot tables clustered by id, instead of scattering writes over them."""

    def __init__(self) -> None:
        self.node = secrets.randbits(12)
        self.prefix = ""
        self.counter = secrets.randbits(59)

    def start_batch(self) -> None:
        ms = time.time_ns() // 1_000_000
        self.prefix = f"{ms & 0xFFFFFFFFFFFF:012x}7{self.node:03x}"

    def take(self) -> str:
        self.counter += 1
        return f"{self.prefix}{(0b10 << 62) | (self.counter & _LOW_62):016x}"

    def pair(self) -> tuple[str, str]:
        """Two ids in one call (a creator and its account): this runs once per imported row."""
        counter = self.counter = self.counter + 2
        prefix, variant = self.prefix, 0b10 << 62
        return (
            f"{prefix}{variant | ((counter - 1) & _LOW_62):016x}",
            f"{prefix}{variant | (counter & _LOW_62):016x}",
        )


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    snapshots: int = 0
    errors: list[RowError] = field(default_factory=list)


def row_key(kind: ImportKind, parsed: dict[str, Any]) -> Hashable:
    """The natural key two rows of one file must not share."""
    # ``_value_``: an enum's ``value`` is a Python-level property, and this runs for every row.
    account = (parsed["platform"]._value_, parsed["handle"])
    if kind is ImportKind.CREATORS:
        return account
    if kind is ImportKind.POSTS:
        return (*account, parsed["post_id"])
    return (*account, parsed.get("post_id"), parsed.get("captured_at"))


class BatchWriter:
    """Writes one kind's validated rows; ``now`` is the capture time of rows without one."""

    def __init__(self, kind: ImportKind, connection: Connection, now: datetime) -> None:
        self.kind = kind
        self.connection = connection
        self.db = Writer(connection)
        self.now = now
        self.ids = TimeOrderedIds()

    def write(self, items: Sequence[Item]) -> BatchResult:
        result = BatchResult()
        self.ids.start_batch()
        groups: dict[Platform, list[Item]] = defaultdict(list)
        for item in items:
            groups[item[1]["platform"]].append(item)
        for platform, group in groups.items():
            stored = repo.find_accounts(self.connection, platform, {p["handle"] for _, p in group})
            if self.kind is ImportKind.CREATORS:
                self._creators(platform, group, stored, result)
                continue
            known = [(line, p) for line, p in group if p["handle"] in stored]
            for line, p in group:
                if p["handle"] not in stored:
                    reason = f"no {platform} account @{p['handle']}: import creators first"
                    result.errors.append(RowError(line, None, reason))
            if self.kind is ImportKind.POSTS:
                self._posts(known, stored, result)
            else:
                self._metrics(known, stored, result)
        return result

    # creators

    def _creators(
        self, platform: Platform, group: list[Item], stored: dict[str, StoredAccount],
        result: BatchResult,
    ) -> None:  # fmt: skip
        group = self._check_external_ids(platform, group, stored, result)
        creators: list[repo.Row] = []
        accounts: list[repo.Row] = []
        updates: list[repo.Row] = []
        snapshots: list[repo.Row] = []
        new_account = self._new_account_maker(platform)
        for _, p in group:
            captured: datetime | None = p.get("captured_at")
            account = stored.get(p["handle"])
            if account is None:
                new_account(p, captured, creators, accounts, snapshots)
                continue
            explicit = captured is not None
            update, snapshot = self._account_change(account, p, captured or self.now, explicit)
            if update is not None:
                updates.append(update)
                result.updated += 1
            else:
                result.unchanged += 1
            if snapshot is not None:
                snapshots.append(snapshot)
        result.created += len(accounts)
        self.db.insert("creators", CREATOR_COLUMNS, creators)
        tail = "ON CONFLICT (platform, handle) DO NOTHING"
        self.db.insert("platform_accounts", ACCOUNT_COLUMNS, accounts, tail)
        self._write_account_changes(updates, snapshots, result)

    def _new_account_maker(self, platform: Platform) -> Callable[..., None]:
        """A function appending the creator, account and (with followers) snapshot rows of one
        new account; what is the same for the whole batch is worked out once, as this runs
        for every imported row."""
        stamp_of = self.db.stamp
        stamp = stamp_of(self.now)
        pair = self.ids.pair
        platform_value = platform.value
        person = CreatorKind.PERSON.value

        def add(
            p: dict[str, Any], captured: datetime | None, creators: list[repo.Row],
            accounts: list[repo.Row], snapshots: list[repo.Row],
        ) -> None:  # fmt: skip
            get = p.get
            creator_id, account_id = pair()
            handle, name, kind = p["handle"], get("name"), get("kind")
            creators.append((creator_id, name or handle, kind.value if kind else person,
                             get("email"), SOURCE, stamp, stamp))  # fmt: skip
            followers, following, media = get("followers"), get("following"), get("media_count")
            last = None
            if followers is not None:
                last = stamp if captured is None else stamp_of(captured)
                snapshots.append((account_id, last, followers, following, media, SOURCE))
            accounts.append((
                account_id, creator_id, platform_value, handle, name, get("external_id"),
                get("bio"), get("country"), get("language"), get("external_url"),
                bool(get("verified")), bool(get("is_private")), True, followers or 0,
                following or 0, media or 0, stamp, last, SOURCE, stamp, stamp,
            ))  # fmt: skip

        return add

    def _check_external_ids(
        self, platform: Platform, group: list[Item], stored: dict[str, StoredAccount],
        result: BatchResult,
    ) -> list[Item]:  # fmt: skip
        wanted = {p["external_id"] for _, p in group if p.get("external_id")}
        if not wanted:
            return group
        owners = repo.external_id_owners(self.connection, platform, wanted)
        kept: list[Item] = []
        for line, p in group:
            external_id = p.get("external_id")
            owner = owners.get(external_id) if external_id else None
            if owner is not None and owner != p["handle"]:
                reason = f"external id already belongs to @{owner}"
                result.errors.append(RowError(line, None, reason, external_id))
                continue
            if external_id:
                owners[external_id] = p["handle"]
            kept.append((line, p))
        return kept

    def _account_change(
        self, account: StoredAccount, p: dict[str, Any], captured: datetime, explicit: bool
    ) -> tuple[repo.Row | None, repo.Row | None]:
        """The account's update row (None when nothing changes) and its snapshot row."""
        merged = dict(account.values)
        for column, source in ACCOUNT_TEXT_FIELDS.items():
            if p.get(source) is not None:
                merged[column] = p[source]
        for flag in repo.ACCOUNT_FLAGS:
            if p.get(flag) is not None:
                merged[flag] = p[flag]
        figures_changed = any(p.get(f) is not None and p[f] != account.values[f] for f in FIGURES)
        last = account.last_captured_at
        newer = last is None or captured >= as_utc(last)
        if figures_changed and newer:
            for f in FIGURES:
                if p.get(f) is not None:
                    merged[f] = p[f]
            last = captured
        snapshot = None
        if p.get("followers") is not None and (explicit or figures_changed):
            snapshot = self._account_snapshot(self._id(account.id), p, captured)
        if merged == account.values and last == account.last_captured_at:
            return None, snapshot
        values = [merged[c] for c in (*repo.ACCOUNT_TEXT, *repo.ACCOUNT_FLAGS, *FIGURES)]
        stamps = (self.db.stamp(last), self.db.stamp(self.now))
        return (*values, *stamps, self._id(account.id)), snapshot

    def _account_snapshot(self, account_id: str, p: dict[str, Any], captured: datetime) -> repo.Row:
        return (account_id, self.db.stamp(captured), p["followers"], p.get("following"),
                p.get("media_count"), SOURCE)  # fmt: skip

    def _write_account_changes(
        self, updates: list[repo.Row], snapshots: list[repo.Row], result: BatchResult
    ) -> int:
        """Apply the updates and snapshots; the number of snapshots actually written."""
        self.db.update_by_id("platform_accounts", ACCOUNT_UPDATE, updates)
        key = ("account_id", "captured_at")
        written = self.db.upsert_snapshots("account_snapshots", key, FIGURES, snapshots)
        result.snapshots += written
        return written

    def _capture(self, p: dict[str, Any]) -> tuple[datetime, bool]:
        captured: datetime | None = p.get("captured_at")
        return (captured, True) if captured is not None else (self.now, False)

    def _id(self, value: uuid.UUID) -> Any:
        return value.hex if self.db.sqlite else value

    # posts

    def _posts(
        self, items: list[Item], stored: dict[str, StoredAccount], result: BatchResult
    ) -> None:
        keys = [(stored[p["handle"]].id, p["post_id"]) for _, p in items]
        posts = repo.find_posts(self.connection, keys)
        latest = repo.latest_post_counts(self.connection, [post.id for post in posts.values()])
        inserts, updates, snapshots = [], [], []
        stamp = self.db.stamp(self.now)
        for (_, p), key in zip(items, keys, strict=True):
            post = posts.get(key)
            if post is None:
                post_id = self.ids.take()
                values = self._post_values(p, None)
                row = (post_id, self._id(key[0]), p["post_id"], *values, SOURCE, stamp)
                inserts.append(self._post_stamped(row))
                result.created += 1
            else:
                post_id = self._id(post.id)
                values = self._post_values(p, post.values)
                current = tuple(post.values[c] for c in repo.POST_FIELDS)
                if tuple(values[i] for i in (0, 1, 2, 5, 6)) != current:
                    updates.append((*self._post_stamped(values), self._id(post.id)))
                    result.updated += 1
                else:
                    result.unchanged += 1
            snapshot = self._post_snapshot(post_id, p, latest.get(post.id) if post else None)
            if snapshot is not None:
                snapshots.append(snapshot)
        tail = "ON CONFLICT (account_id, platform_post_id) DO NOTHING"
        self.db.insert("posts", POST_COLUMNS, inserts, tail)
        self.db.update_by_id("posts", POST_UPDATE, updates)
        self._write_post_snapshots(snapshots, result)

    def _post_values(self, p: dict[str, Any], current: dict[str, Any] | None) -> list[Any]:
        """url, post_type, caption, hashtags, mentions, posted_at, paid, disclosure."""
        current = current or {}
        post_type = p.get("post_type")
        if post_type is None and p.get("is_video") is not None:
            post_type = PostType.VIDEO if p["is_video"] else PostType.PHOTO
        post_type = post_type or current.get("post_type") or PostType.PHOTO
        caption = p["caption"] if p.get("caption") is not None else current.get("caption")
        paid = p.get("paid_partnership")
        paid = bool(current.get("is_paid_partnership")) if paid is None else paid
        text = caption or ""
        hashtags = _HASHTAG.findall(text)
        mentions = _MENTION.findall(text)
        observation = PostObservation(
            posted_at=p["posted_at"], post_type=post_type.value, likes=None, comments=None,
            caption=text, hashtags=tuple(hashtags), is_paid_partnership=paid,
        )  # fmt: skip
        disclosed = any(e.kind is EvidenceKind.MARKER for e in find_disclosures(observation))
        url = p.get("url") if p.get("url") is not None else current.get("url")
        return [url, PostType(post_type), caption, hashtags, mentions, p["posted_at"], paid,
                disclosed]  # fmt: skip

    def _post_stamped(self, values: Sequence[Any]) -> tuple[Any, ...]:
        out = list(values)
        for i, value in enumerate(out):
            if isinstance(value, datetime):
                out[i] = self.db.stamp(value)
            elif isinstance(value, PostType):
                out[i] = value.value
            elif isinstance(value, list):
                out[i] = _json_list(value)
        return tuple(out)

    def _post_snapshot(
        self, post_id: str, p: dict[str, Any], latest: tuple[int | None, ...] | None
    ) -> repo.Row | None:
        counts = tuple(p.get(c) for c in POST_COUNTS)
        if all(c is None for c in counts):
            return None
        captured, explicit = self._capture(p)
        if not explicit and latest is not None and counts == latest:
            return None
        return (post_id, self.db.stamp(captured), *counts, SOURCE)

    def _write_post_snapshots(self, snapshots: list[repo.Row], result: BatchResult) -> int:
        key = ("post_id", "captured_at")
        written = self.db.upsert_snapshots("post_snapshots", key, POST_COUNTS, snapshots)
        result.snapshots += written
        return written

    # metrics

    def _metrics(
        self, items: list[Item], stored: dict[str, StoredAccount], result: BatchResult
    ) -> None:
        post_items = [(line, p) for line, p in items if p.get("post_id") is not None]
        updates, snapshots = [], []
        for line, p in items:
            if p.get("post_id") is not None:
                continue
            if p.get("followers") is None:
                result.errors.append(RowError(line, None, "followers is required without post_id"))
                continue
            captured, explicit = self._capture(p)
            update, snapshot = self._account_change(stored[p["handle"]], p, captured, explicit)
            if update is not None:
                updates.append(update)
            if snapshot is None:
                result.unchanged += 1
            else:
                snapshots.append(snapshot)
        # A snapshot equal to the one stored at its time is not rewritten: unchanged too.
        result.unchanged += len(snapshots) - self._write_account_changes(updates, snapshots, result)
        self._post_metrics(post_items, stored, result)

    def _post_metrics(
        self, items: list[Item], stored: dict[str, StoredAccount], result: BatchResult
    ) -> None:
        keys = [(stored[p["handle"]].id, p["post_id"]) for _, p in items]
        posts = repo.find_posts(self.connection, keys)
        latest = repo.latest_post_counts(self.connection, [post.id for post in posts.values()])
        snapshots = []
        for (line, p), key in zip(items, keys, strict=True):
            post = posts.get(key)
            if post is None:
                reason = f"no post {p['post_id']} of @{p['handle']}: import posts first"
                result.errors.append(RowError(line, None, reason))
                continue
            snapshot = self._post_snapshot(self._id(post.id), p, latest.get(post.id))
            if snapshot is None:
                result.unchanged += 1
            else:
                snapshots.append(snapshot)
        result.unchanged += len(snapshots) - self._write_post_snapshots(snapshots, result)


def _json_list(values: list[str]) -> str:
    from microreach.db.engine import json_dumps

    return json_dumps(values)
