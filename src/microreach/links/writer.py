"""The group-commit click writer: redirects wait for their click to be committed, in batches.

One writer task per process takes clicks (and orphan visits) from an `asyncio.Queue`, and
commits everything waiting in one transaction on a dedicated thread, so the event loop keeps
accepting requests while the database works. Each request's future is resolved only after the
commit, so a 302 is never sent for a click that is not durable. While one batch commits, the
next one gathers: under load batches grow by themselves; `max_wait` adds a short pause to let
more clicks join when the queue is nearly empty.

SQL: SQLite gets one multi-row `INSERT` per table and batch; PostgreSQL one `INSERT ... SELECT
FROM unnest(arrays)` per table (one round trip for the whole batch). Clicks are inserted with
`ON CONFLICT (id) DO NOTHING`: a replayed click id is stored once. Uniqueness is decided here
by inserting (link, day, visitor hash) into `link_visitors` with `ON CONFLICT DO NOTHING
RETURNING`: the keys that come back were not seen before, and the table's primary key makes
that atomic across processes. When a batch fails (a link deleted meanwhile), its records are
retried one per transaction so one bad record cannot fail the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from microreach.db.session import Database
from microreach.kit.clock import as_utc, utcnow
from microreach.observability import metrics

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClickRecord:
    id: uuid.UUID
    link_id: uuid.UUID
    occurred_at: datetime
    referrer_domain: str | None
    country: str | None
    device: str
    os: str
    browser: str
    is_bot: bool
    bot_name: str | None
    method: str
    visitor_hash: str
    day: date


@dataclass(frozen=True, slots=True)
class OrphanRecord:
    id: uuid.UUID
    host: str
    slug: str
    occurred_at: datetime
    is_bot: bool


Record = ClickRecord | OrphanRecord
VisitorKey = tuple[str, str, str]
Pending = tuple[Record, "asyncio.Future[None]"]

CLICK_COLUMNS = (
    "id, link_id, occurred_at, recorded_at, referrer_domain, country, device, os, browser, "
    "is_bot, bot_name, is_unique, method"
)
CHECKPOINT_INTERVAL_S = 0.5
NO_AUTOCHECKPOINT = "microreach_no_autocheckpoint"
SEEN_VISITORS = 100_000
PG_CLICK_TYPES = (
    "uuid[]", "uuid[]", "timestamptz[]", "timestamptz[]", "text[]", "text[]", "text[]", "text[]",
    "text[]", "boolean[]", "text[]", "boolean[]", "text[]",
)  # fmt: skip


class ClickWriter:
    """Collects records from request handlers and commits them in groups."""

    def __init__(self, database: Database, *, batch_size: int, max_wait_s: float) -> None:
        self._database = database
        self._batch_size = batch_size
        self._max_wait_s = max_wait_s
        self._queue: asyncio.Queue[Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._busy = False
        self._checkpointer: Checkpointer | None = None
        self._seen = SeenVisitors(SEEN_VISITORS)

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="click-writer")
        self._task = asyncio.create_task(self._run(), name="click-writer")
        if self._database.engine.dialect.name == "sqlite":
            self._checkpointer = Checkpointer(self._database.engine, CHECKPOINT_INTERVAL_S)
            self._checkpointer.start()

    async def stop(self) -> None:
        """Commit what is queued, then stop the task and its thread."""
        if self._task is None or self._queue is None or self._executor is None:
            return
        while not self._queue.empty() or self._busy:
            await asyncio.sleep(0.001)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._executor.shutdown(wait=True)
        self._task = None
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None

    async def record(self, record: Record) -> None:
        """Return once `record` is committed; raise when it could not be."""
        if self._queue is None:
            raise RuntimeError("the click writer is not started")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((record, future))
        metrics.CLICKS_ACCEPTED.inc()
        await future

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            first = await queue.get()
            self._busy = True
            try:
                batch = [first]
                self._drain(batch)
                if len(batch) < self._batch_size and self._max_wait_s > 0:
                    await asyncio.sleep(self._max_wait_s)
                    self._drain(batch)
                await self._commit_batch(batch)
            finally:
                self._busy = False

    def _drain(self, batch: list[Pending]) -> None:
        assert self._queue is not None
        while len(batch) < self._batch_size and not self._queue.empty():
            batch.append(self._queue.get_nowait())

    async def _commit_batch(self, batch: list[Pending]) -> None:
        loop = asyncio.get_running_loop()
        records = [record for record, _ in batch]
        started = time.perf_counter()
        try:
            await loop.run_in_executor(self._executor, self._write, records)
        except Exception:
            logger.exception("click batch of %d failed; retrying one by one", len(batch))
            await self._commit_singly(batch)
            return
        metrics.CLICK_WRITE_LAG.observe(time.perf_counter() - started)
        metrics.CLICKS_WRITTEN.inc(sum(1 for r in records if isinstance(r, ClickRecord)))
        if self._queue is not None:
            metrics.CLICK_QUEUE_DEPTH.set(self._queue.qsize())
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    async def _commit_singly(self, batch: list[Pending]) -> None:
        loop = asyncio.get_running_loop()
        for record, future in batch:
            try:
                await loop.run_in_executor(self._executor, self._write, [record])
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(None)

    def _write(self, records: Sequence[Record]) -> None:
        with self._database.sessions() as session, session.begin():
            connection = session.connection()
            if self._checkpointer is not None:
                self._checkpointer.take_over(connection)
            keys = write_records(connection, records, utcnow(), self._seen)
        self._seen.add_all(keys)


class Checkpointer:
    """Copies SQLite's write-ahead log into the database file on its own thread.

    By default the connection whose commit crosses 1,000 WAL pages checkpoints (and fsyncs)
    inside that commit, which made every hundredth click batch take tens of milliseconds. The
    writer's connections turn that off and this thread runs a PASSIVE checkpoint (it never
    blocks writers) every `interval` seconds instead.
    """

    def __init__(self, engine: Engine, interval: float) -> None:
        self._engine = engine
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def take_over(self, connection: Connection) -> None:
        pooled = connection.connection
        if not pooled.info.get(NO_AUTOCHECKPOINT):
            pooled.driver_connection.execute("PRAGMA wal_autocheckpoint=0")  # type: ignore[union-attr]
            pooled.info[NO_AUTOCHECKPOINT] = True

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                with self._engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:
                logger.exception("WAL checkpoint failed")


class SeenVisitors:
    """(link, day, visitor) keys this process has committed, newest kept (FIFO-bounded).

    A key in here is known to be in `link_visitors`, so its clicks are not unique and the
    insert can be skipped; keys not in here (or evicted) go to the database, whose primary key
    decides across processes. Used only from the writer's thread.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: dict[VisitorKey, None] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add_all(self, keys: Iterable[VisitorKey]) -> None:
        for key in keys:
            if key in self._keys:
                continue
            if len(self._keys) >= self._size:
                del self._keys[next(iter(self._keys))]
            self._keys[key] = None


def write_records(
    connection: Connection,
    records: Sequence[Record],
    now: datetime,
    seen: SeenVisitors | None = None,
) -> list[VisitorKey]:
    """Insert clicks (deciding uniqueness) and orphan visits in the connection's transaction;
    returns the clicks' visitor keys, for `seen` once the transaction has committed."""
    clicks = [record for record in records if isinstance(record, ClickRecord)]
    orphans = [record for record in records if isinstance(record, OrphanRecord)]
    driver: Any = connection.connection.driver_connection
    sqlite = connection.dialect.name == "sqlite"
    keys = _visitor_keys(clicks)
    if clicks:
        unknown = keys if seen is None else [key for key in keys if key not in seen]
        new_visitors = (
            (_new_visitors_sqlite if sqlite else _new_visitors_pg)(driver, unknown)
            if unknown
            else set()
        )
        unique = _unique_flags(clicks, new_visitors)
        (_insert_clicks_sqlite if sqlite else _insert_clicks_pg)(driver, clicks, unique, now)
    if orphans:
        (_insert_orphans_sqlite if sqlite else _insert_orphans_pg)(driver, orphans)
    return keys


def _unique_flags(clicks: Sequence[ClickRecord], new_visitors: set[VisitorKey]) -> list[bool]:
    """The first click of each newly seen (link, day, visitor) in the batch is unique."""
    flags = []
    for click in clicks:
        key = (click.link_id.hex, click.day.isoformat(), click.visitor_hash)
        if key in new_visitors:
            new_visitors.discard(key)
            flags.append(True)
        else:
            flags.append(False)
    return flags


def _visitor_keys(clicks: Sequence[ClickRecord]) -> list[VisitorKey]:
    keys = {(c.link_id.hex, c.day.isoformat(), c.visitor_hash): None for c in clicks}
    return list(keys)


# SQLite: uuids as 32 hex digits, times as naive UTC text, as SQLAlchemy stores them. Each
# table gets one multi-row INSERT per batch rather than executemany: the sqlite3 module takes
# the GIL back after every row it steps, and under load each retake waits for the event loop's
# thread, so fewer steps means shorter commits. The driver caches the statement per row count.

SQLITE_MAX_ROWS = 1000  # 13 columns x 1000 rows stays under SQLite's 32,766 parameters


def _values(columns: int, rows: int) -> str:
    row = "(" + ", ".join("?" * columns) + ")"
    return ", ".join([row] * rows)


def _insert_many(driver: Any, head: str, tail: str, rows: Sequence[tuple[Any, ...]]) -> Any:
    cursor = driver.cursor()
    found: list[Any] = []
    for start in range(0, len(rows), SQLITE_MAX_ROWS):
        chunk = rows[start : start + SQLITE_MAX_ROWS]
        flat = [value for row in chunk for value in row]
        cursor.execute(f"{head} VALUES {_values(len(chunk[0]), len(chunk))} {tail}", flat)
        found.extend(cursor.fetchall())
    cursor.close()
    return found


def _new_visitors_sqlite(driver: Any, keys: list[VisitorKey]) -> set[VisitorKey]:
    new = _insert_many(
        driver,
        "INSERT INTO link_visitors (link_id, day, visitor_hash)",
        "ON CONFLICT DO NOTHING RETURNING link_id, day, visitor_hash",
        keys,
    )
    return {(str(link_id), str(day), str(visitor)) for link_id, day, visitor in new}


def _insert_clicks_sqlite(
    driver: Any, clicks: Sequence[ClickRecord], unique: Sequence[bool], now: datetime
) -> None:
    recorded = _utc_text(now)
    rows = [
        (
            c.id.hex, c.link_id.hex, _utc_text(c.occurred_at), recorded, c.referrer_domain,
            c.country, c.device, c.os, c.browser, int(c.is_bot), c.bot_name, int(flag), c.method,
        )
        for c, flag in zip(clicks, unique, strict=True)
    ]  # fmt: skip
    _insert_many(
        driver, f"INSERT INTO clicks ({CLICK_COLUMNS})", "ON CONFLICT (id) DO NOTHING", rows
    )


def _insert_orphans_sqlite(driver: Any, orphans: Sequence[OrphanRecord]) -> None:
    _insert_many(
        driver,
        "INSERT INTO orphan_visits (id, host, slug, occurred_at, is_bot)",
        "ON CONFLICT (id) DO NOTHING",
        [(o.id.hex, o.host, o.slug, _utc_text(o.occurred_at), int(o.is_bot)) for o in orphans],
    )


def _utc_text(value: datetime) -> str:
    return as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


# PostgreSQL: one statement per table, the batch passed as arrays.


def _new_visitors_pg(driver: Any, keys: list[VisitorKey]) -> set[VisitorKey]:
    with driver.cursor() as cursor:
        cursor.execute(
            "INSERT INTO link_visitors (link_id, day, visitor_hash) "
            "SELECT * FROM unnest(%s::uuid[], %s::date[], %s::text[]) "
            "ON CONFLICT DO NOTHING RETURNING link_id, day, visitor_hash",
            (
                [uuid.UUID(hex=key[0]) for key in keys],
                [date.fromisoformat(key[1]) for key in keys],
                [key[2] for key in keys],
            ),
        )
        rows = cursor.fetchall()
    return {(link_id.hex, day.isoformat(), visitor) for link_id, day, visitor in rows}


def _insert_clicks_pg(
    driver: Any, clicks: Sequence[ClickRecord], unique: Sequence[bool], now: datetime
) -> None:
    columns: list[list[Any]] = [
        [c.id for c in clicks],
        [c.link_id for c in clicks],
        [c.occurred_at for c in clicks],
        [now] * len(clicks),
        [c.referrer_domain for c in clicks],
        [c.country for c in clicks],
        [c.device for c in clicks],
        [c.os for c in clicks],
        [c.browser for c in clicks],
        [c.is_bot for c in clicks],
        [c.bot_name for c in clicks],
        list(unique),
        [c.method for c in clicks],
    ]
    arrays = ", ".join(f"%s::{kind}" for kind in PG_CLICK_TYPES)
    with driver.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO clicks ({CLICK_COLUMNS}) SELECT * FROM unnest({arrays}) "
            "ON CONFLICT (id) DO NOTHING",
            columns,
        )


def _insert_orphans_pg(driver: Any, orphans: Sequence[OrphanRecord]) -> None:
    with driver.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orphan_visits (id, host, slug, occurred_at, is_bot) "
            "SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::timestamptz[], "
            "%s::boolean[]) ON CONFLICT (id) DO NOTHING",
            (
                [o.id for o in orphans],
                [o.host for o in orphans],
                [o.slug for o in orphans],
                [o.occurred_at for o in orphans],
                [o.is_bot for o in orphans],
            ),
        )
