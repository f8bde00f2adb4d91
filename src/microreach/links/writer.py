"""The group-commit click writer: clicks committed in batches, the redirect never kept waiting.

One writer task per process takes clicks (and orphan visits) from an `asyncio.Queue`, and
commits everything waiting in one transaction on a dedicated thread, so the event loop keeps
accepting requests while the database works. A record that finds the writer idle waits for
its commit (so a lone click is in the database when its 302 leaves); a record that arrives
while a batch commits is first copied into this process's click journal (links.journal) and
its request goes on at once: the journal survives a killed process and is replayed at the next
start, so a 302 is never sent for a click that could be lost with the process. While one batch
commits, the next one gathers: under load batches grow by themselves, and while every queued
record is journaled (no request waits) a batch starts at most every `journaled_interval_s`
(0.05 s), so a thousand clicks share one commit's fixed cost and each dirtied index page;
`max_wait` adds a short pause to let more clicks join when the queue is nearly empty. Past
`max_backlog` journaled records waiting, requests wait for their commit again (which also
starts it at once), which bounds memory.

SQL: SQLite gets multi-row `INSERT`s (at most 64 rows each) per table and batch; PostgreSQL one
`INSERT ... SELECT FROM unnest(arrays)` per table (one round trip for the whole batch). Clicks
are inserted with `ON CONFLICT (id) DO NOTHING`: a replayed click id is stored once. Uniqueness
is decided here by inserting (link, day, visitor hash) into `link_visitors` with `ON CONFLICT
DO NOTHING RETURNING`: the keys that come back were not seen before, and the table's primary
key makes that atomic across processes. When a batch fails (a link deleted meanwhile), its
records are retried one per transaction so one bad record cannot fail the others; a journaled
record that fails because the database is unreachable stays in the journal for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from microreach.db.session import Database
from microreach.kit.clock import as_utc, utcnow
from microreach.links.clickids import uuid_of_int
from microreach.links.journal import ClickJournal, orphaned
from microreach.observability import metrics

logger = logging.getLogger(__name__)


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made building
# a record cost more than the rest of the click's bookkeeping on the redirect path.
@dataclass(slots=True)
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


@dataclass(slots=True)
class OrphanRecord:
    id: uuid.UUID
    host: str
    slug: str
    occurred_at: datetime
    is_bot: bool


Record = ClickRecord | OrphanRecord
VisitorKey = tuple[str, str, str]
# (link id as 32 hex digits, UTC hour as "YYYY-MM-DD HH", or "YYYY-MM-DDTHH" from the click
# worker's lines): a click_marks row to write.
Mark = tuple[str, str]
# A record, the future of the request waiting for its commit (None: answered from the
# journal) and its journal segment (-1: not journaled).
Pending = tuple[Record, "asyncio.Future[None] | None", int]

CLICK_COLUMNS = (
    "id, link_id, occurred_at, recorded_at, referrer_domain, country, device, os, browser, "
    "is_bot, bot_name, is_unique, method"
)
CHECKPOINT_INTERVAL_S = 0.5
# While nobody waits for a commit (every queued click is journaled), batches start at most this
# often: each commit costs a fixed part (a transaction, a WAL frame per dirtied page) that fewer,
# larger batches share; over 1,000 links a batch dirties about one index page per link.
JOURNALED_COMMIT_INTERVAL_S = 0.05
NO_AUTOCHECKPOINT = "microreach_no_autocheckpoint"
WRITER_CACHE_KIB = 32 * 1024
SEEN_VISITORS = 100_000
# A writer marks a (link, hour) at most this often (links.models.ClickMark); the rollup job's
# SETTLE (30 s) must exceed it plus the longest commit.
MARK_EVERY_S = 5.0
# Journaled clicks waiting for a commit, at most; past it requests wait for their commit again.
MAX_BACKLOG = 20_000


class ClickWriter:
    """Collects records from request handlers and commits them in groups.

    With a journal (`journal_dir`), a record that arrives while a batch is being committed (or
    is due) is appended to the journal and its request goes on at once; otherwise (the writer
    is idle, or the backlog is full) the request waits for the commit of its record.
    """

    def __init__(
        self,
        database: Database,
        *,
        batch_size: int,
        max_wait_s: float,
        journal_dir: Path | None = None,
        max_backlog: int = MAX_BACKLOG,
        journaled_interval_s: float = JOURNALED_COMMIT_INTERVAL_S,
    ) -> None:
        self._database = database
        self._batch_size = batch_size
        self._max_wait_s = max_wait_s
        self._journal_dir = journal_dir
        self._max_backlog = max_backlog
        self._journaled_interval_s = journaled_interval_s
        self._journal: ClickJournal | None = None
        # A deque and one wake-up future rather than an asyncio.Queue: appending is all a
        # journaled click costs the event loop.
        self._pending: deque[Pending] = deque()
        self._waiters = 0  # pending records whose request waits for the commit
        self._wakeup: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._busy = False
        self._stopping = False
        self._checkpointer: Checkpointer | None = None
        self._memory = WriterMemory(SEEN_VISITORS)
        self.replayed = 0

    async def start(self) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="click-writer")
        if self._database.engine.dialect.name == "sqlite":
            self._checkpointer = Checkpointer(self._database.engine, CHECKPOINT_INTERVAL_S)
            self._checkpointer.start()
        if self._journal_dir is not None:
            loop = asyncio.get_running_loop()
            self.replayed = await loop.run_in_executor(self._executor, self._replay)
            self._journal = ClickJournal(self._journal_dir)
            self._journal.open()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="click-writer")

    async def stop(self) -> None:
        """Commit what is queued, then stop the task and its thread."""
        if self._task is None or self._executor is None:
            return
        self._stopping = True  # no more waiting for the interval
        self._wake()
        while self._pending or self._busy:
            await asyncio.sleep(0.001)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._executor.shutdown(wait=True)
        self._task = None
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None

    @property
    def busy(self) -> bool:
        """A batch is being committed or due (records arriving now go to the journal)."""
        return self._busy

    async def record(self, record: Record) -> None:
        """Return once `record` is committed or journaled; raise when it could be neither."""
        if self._task is None:
            raise RuntimeError("the click writer is not started")
        pending = self._pending
        journal = self._journal
        if self._busy and journal is not None and len(pending) < self._max_backlog:
            pending.append((record, None, journal.append(encode(record))))
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pending.append((record, future, -1))
        self._waiters += 1
        # A commit is due now: the records that arrive before it starts go to the journal too,
        # rather than all waiting for it.
        self._busy = True
        self._wake()
        await future

    def _wake(self) -> None:
        wakeup = self._wakeup
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    async def _sleep(self, timeout: float | None) -> None:
        """Wait until `_wake` (a record that waits for its commit) or `timeout` seconds."""
        loop = asyncio.get_running_loop()
        self._wakeup = wakeup = loop.create_future()
        timer = loop.call_later(timeout, self._wake) if timeout is not None else None
        try:
            await wakeup
        finally:
            self._wakeup = None
            if timer is not None:
                timer.cancel()

    async def _run(self) -> None:
        pending = self._pending
        loop = asyncio.get_running_loop()
        last_start = 0.0
        while True:
            if not pending:
                self._busy = False
                await self._sleep(None)
            self._busy = True
            try:
                # Only journaled records: their requests are answered, so let more join.
                remaining = last_start + self._journaled_interval_s - loop.time()
                if self._waiters == 0 and remaining > 0 and not self._stopping:
                    await self._sleep(remaining)
                if len(pending) < self._batch_size and self._max_wait_s > 0:
                    await asyncio.sleep(self._max_wait_s)
                last_start = loop.time()
                batch = self._take()
                metrics.CLICKS_ACCEPTED.inc(len(batch))
                await self._commit_batch(batch)
                self._release_journal(batch)
            finally:
                self._busy = bool(pending)

    def _take(self) -> list[Pending]:
        pending = self._pending
        count = min(len(pending), self._batch_size)
        batch = [pending.popleft() for _ in range(count)]
        self._waiters -= sum(1 for _, future, _ in batch if future is not None)
        return batch

    def _release_journal(self, batch: list[Pending]) -> None:
        """Delete (or empty) the journal segments whose records are all committed now."""
        if self._journal is None:
            return
        if not self._pending:
            self._journal.all_committed()
            return
        newest = max(segment for _, _, segment in batch)
        if newest >= 0:
            self._journal.committed_before(newest)

    async def _commit_batch(self, batch: list[Pending]) -> None:
        loop = asyncio.get_running_loop()
        records = [record for record, _, _ in batch]
        started = time.perf_counter()
        try:
            await loop.run_in_executor(self._executor, self._write, records)
        except Exception:
            logger.exception("click batch of %d failed; retrying one by one", len(batch))
            await self._commit_singly(batch)
            return
        metrics.CLICK_WRITE_LAG.observe(time.perf_counter() - started)
        metrics.CLICKS_WRITTEN.inc(sum(1 for r in records if isinstance(r, ClickRecord)))
        metrics.CLICK_QUEUE_DEPTH.set(len(self._pending))
        for _, future, _ in batch:
            if future is not None and not future.done():
                future.set_result(None)

    async def _commit_singly(self, batch: list[Pending]) -> None:
        loop = asyncio.get_running_loop()
        for record, future, segment in batch:
            try:
                await loop.run_in_executor(self._executor, self._write, [record])
            except Exception as exc:
                if future is not None:
                    if not future.done():
                        future.set_exception(exc)
                elif is_transient(exc) and self._journal is not None:
                    self._journal.keep(segment)  # answered already: the next start writes it
                else:
                    logger.error("journaled click %s dropped: %s", record.id, exc)
            else:
                if isinstance(record, ClickRecord):
                    metrics.CLICKS_WRITTEN.inc()
                if future is not None and not future.done():
                    future.set_result(None)

    def _write(self, records: Sequence[Record]) -> None:
        with self._database.sessions() as session, session.begin():
            connection = session.connection()
            if self._checkpointer is not None:
                self._checkpointer.take_over(connection)
            written = write_records(connection, records, utcnow(), self._memory)
        self._memory.remember(written)

    def _replay(self) -> int:
        """Write the clicks of journals whose process died (on the writer's thread)."""
        assert self._journal_dir is not None
        replayed = 0
        with orphaned(self._journal_dir) as segments:
            for path, data in segments:
                records = _decode_lines(path, data)
                for start in range(0, len(records), self._batch_size):
                    chunk = records[start : start + self._batch_size]
                    try:
                        self._write(chunk)
                    except Exception as exc:
                        if is_transient(exc):
                            raise
                        self._write_singly(chunk)
                    replayed += len(chunk)
        if replayed:
            logger.warning("replayed %d journaled clicks of a stopped process", replayed)
        return replayed

    def _write_singly(self, records: Sequence[Record]) -> None:
        for record in records:
            try:
                self._write([record])
            except Exception as exc:
                if is_transient(exc):
                    raise
                logger.error("journaled click %s dropped: %s", record.id, exc)


def _decode_lines(path: Path, data: bytes) -> list[Record]:
    records = []
    for line in data.rstrip(b"\0").splitlines():
        line = line.lstrip(b"\0")  # a zeroed (committed) stretch ends where new lines start
        if not line:
            continue
        try:
            records.append(decode(line))
        except ValueError:
            # A line cut by the kill: its request was not answered.
            logger.warning("unreadable line in click journal %s skipped", path.name)
    return records


def is_transient(exc: BaseException) -> bool:
    """A database that is down, restarting or busy (retry later), not a bad record."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | OSError)


def encode(record: Record) -> bytes:
    """A record as one line of compact JSON: a tag, then the fields in declaration order (ids
    in orjson's own uuid form, which `decode` reads like the plain hex of older lines)."""
    if isinstance(record, ClickRecord):
        return orjson.dumps(
            (
                "c",
                record.id,
                record.link_id,
                record.occurred_at,
                record.referrer_domain,
                record.country,
                record.device,
                record.os,
                record.browser,
                record.is_bot,
                record.bot_name,
                record.method,
                record.visitor_hash,
                record.day,
            ),
            option=orjson.OPT_APPEND_NEWLINE,
        )
    return orjson.dumps(
        ("o", record.id, record.host, record.slug, record.occurred_at, record.is_bot),
        option=orjson.OPT_APPEND_NEWLINE,
    )


def decode(raw: bytes) -> Record:
    """The record `encode` wrote; ValueError for anything else."""
    try:
        values = orjson.loads(raw)
        if values[0] == "c":
            (_, cid, link, at, referrer, country, device, os_, browser, bot, bot_name, method,
             visitor, day) = values  # fmt: skip
            return ClickRecord(
                uuid_of_text(cid),
                uuid_of_text(link),
                datetime.fromisoformat(at),
                referrer,
                country,
                device,
                os_,
                browser,
                bool(bot),
                bot_name,
                method,
                visitor,
                date.fromisoformat(day),
            )
        if values[0] == "o":
            _, oid, host, slug, at, bot = values
            return OrphanRecord(
                uuid_of_text(oid), host, slug, datetime.fromisoformat(at), bool(bot)
            )
    except (orjson.JSONDecodeError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise ValueError(f"not a click record: {raw[:80]!r}") from exc
    raise ValueError(f"not a click record: {raw[:80]!r}")


def uuid_of_text(text: str) -> uuid.UUID:
    """`uuid.UUID(hex=text)` for 32 hex digits, hyphens allowed; ValueError otherwise."""
    digits = text.replace("-", "")
    if len(digits) != 32 or not (digits.isascii() and digits.isalnum()):
        raise ValueError(f"not a uuid: {text!r}")
    return uuid_of_int(int(digits, 16))


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
            driver: Any = pooled.driver_connection
            driver.execute("PRAGMA wal_autocheckpoint=0")
            # The index pages clicks go to stay in memory instead of being read back per batch.
            driver.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
            pooled.info[NO_AUTOCHECKPOINT] = True

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                with self._engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:
                logger.exception("WAL checkpoint failed")


class WriterMemory:
    """What this writer has committed, so later batches can skip database work. Used only from
    the writer's thread (or the click worker's).

    - Visitors: (link, day, visitor) keys known to be in `link_visitors` (newest kept,
      FIFO-bounded), so their clicks are not unique and the insert can be skipped; keys not in
      here (or evicted) go to the database, whose primary key decides across processes.
    - Marks: when this writer last committed a `click_marks` row of each (link, hour); a batch
      adds one only when the last is MARK_EVERY old, so a busy link costs one mark row every
      few seconds, not an index entry per click.

    Both are remembered once the batch's transaction has committed (`remember`): a batch rolled
    back leaves nothing behind that the next one would trust.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: dict[VisitorKey, None] = {}
        self._marked: dict[Mark, float] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add_all(self, keys: Iterable[VisitorKey]) -> None:
        for key in keys:
            if key in self._keys:
                continue
            if len(self._keys) >= self._size:
                del self._keys[next(iter(self._keys))]
            self._keys[key] = None

    def due(self, marks: Iterable[Mark], now: datetime) -> list[Mark]:
        """The marks a batch committed at `now` must write."""
        since = now.timestamp() - MARK_EVERY_S
        marked = self._marked
        return [mark for mark in marks if marked.get(mark, -1.0) <= since]

    def remember(self, written: Written) -> None:
        """A batch's transaction committed: its visitors and marks are in the database."""
        self.add_all(written.visitors)
        if written.marks:
            if len(self._marked) + len(written.marks) > self._size:
                self._marked.clear()  # forgetting only costs a few extra mark rows
            at = written.at.timestamp()
            for mark in written.marks:
                self._marked[mark] = at


class Written(NamedTuple):
    """What one `write_records` (or `write_lines_pg`) call wrote in its transaction."""

    clicks: int
    visitors: list[VisitorKey]
    marks: list[Mark]
    at: datetime


def _due_marks(marks: Iterable[Mark], now: datetime, memory: WriterMemory | None) -> list[Mark]:
    return list(marks) if memory is None else memory.due(marks, now)


def write_records(
    connection: Connection,
    records: Sequence[Record],
    now: datetime,
    memory: WriterMemory | None = None,
) -> Written:
    """Insert clicks (deciding uniqueness), their link-hour marks and orphan visits in the
    connection's transaction; what it wrote goes to `memory.remember` once that commits."""
    clicks = [record for record in records if isinstance(record, ClickRecord)]
    # In the order they happened (nearly sorted already: a linear pass).
    clicks.sort(key=CLICK_ORDER)
    orphans = [record for record in records if isinstance(record, OrphanRecord)]
    driver: Any = connection.connection.driver_connection
    sqlite = connection.dialect.name == "sqlite"
    click_keys = _click_keys(clicks)
    keys = list(dict.fromkeys(click_keys))
    marks: list[Mark] = []
    if clicks:
        unknown = keys if memory is None else [key for key in keys if key not in memory]
        new_visitors = (
            (_new_visitors_sqlite if sqlite else _new_visitors_pg)(driver, unknown)
            if unknown
            else set()
        )
        unique = _unique_flags(click_keys, new_visitors)
        times = [_utc_text(c.occurred_at) for c in clicks]
        if sqlite:
            _insert_clicks_sqlite(driver, clicks, click_keys, times, unique, now)
        else:
            _insert_clicks_pg(driver, clicks, times, unique, now)
        marks = _due_marks(
            dict.fromkeys(
                [(key[0], text[:13]) for key, text in zip(click_keys, times, strict=True)]
            ),
            now,
            memory,
        )
        if marks:
            (_insert_marks_sqlite if sqlite else _insert_marks_pg)(driver, marks, now)
    if orphans:
        (_insert_orphans_sqlite if sqlite else _insert_orphans_pg)(driver, orphans)
    return Written(len(clicks), keys, marks, now)


def _unique_flags(click_keys: Sequence[VisitorKey], new_visitors: set[VisitorKey]) -> list[bool]:
    """The first click of each newly seen (link, day, visitor) in the batch is unique."""
    flags = []
    for key in click_keys:
        if key in new_visitors:
            new_visitors.discard(key)
            flags.append(True)
        else:
            flags.append(False)
    return flags


def _click_keys(clicks: Sequence[ClickRecord]) -> list[VisitorKey]:
    """Each click's (link hex, day, visitor hash); a batch has few links and days, so their
    text is worked out once each."""
    links: dict[uuid.UUID, str] = {}
    days: dict[date, str] = {}
    keys = []
    for click in clicks:
        link = links.get(click.link_id)
        if link is None:
            link = links[click.link_id] = click.link_id.hex
        day = days.get(click.day)
        if day is None:
            day = days[click.day] = click.day.isoformat()
        keys.append((link, day, click.visitor_hash))
    return keys


# SQLite: uuids as 32 hex digits, times as naive UTC text, as SQLAlchemy stores them. Each
# table gets one multi-row INSERT per batch rather than executemany: the sqlite3 module takes
# the GIL back after every row it steps, and under load each retake waits for the event loop's
# thread, so fewer steps means shorter commits. The driver caches the statement per row count.

# Binding a statement's parameters holds the GIL in one C call (about 5 µs a click row), and
# the event loop waits that long: chunks of at most 64 rows keep each hold near 0.3 ms. Chunks
# are powers of two, so each table needs at most 7 statements in the driver's statement cache.
SQLITE_MAX_ROWS = 64
# (time, link id as a number), got in C: a batch's clicks in the order they happened (so the
# first click of a new visitor is the one marked unique), ties in a fixed order.
CLICK_ORDER = attrgetter("occurred_at", "link_id.int")


def _chunks(count: int) -> list[tuple[int, int]]:
    """(start, end) of chunks of `SQLITE_MAX_ROWS` rows, then powers of two for the rest."""
    bounds = []
    start = 0
    size = SQLITE_MAX_ROWS
    while start < count:
        while size > count - start:
            size //= 2
        bounds.append((start, start + size))
        start += size
    return bounds


@lru_cache(maxsize=64)
def _values(columns: int, rows: int) -> str:
    row = "(" + ", ".join("?" * columns) + ")"
    return ", ".join([row] * rows)


def _insert_many(driver: Any, head: str, tail: str, flat: list[Any], width: int) -> Any:
    """Insert rows given one after another in `flat` (`width` values each), in chunks."""
    cursor = driver.cursor()
    found: list[Any] = []
    for start, end in _chunks(len(flat) // width):
        values = flat[start * width : end * width]
        cursor.execute(f"{head} VALUES {_values(width, end - start)} {tail}", values)
        found.extend(cursor.fetchall())
    cursor.close()
    return found


def _new_visitors_sqlite(driver: Any, keys: list[VisitorKey]) -> set[VisitorKey]:
    new = _insert_many(
        driver,
        "INSERT INTO link_visitors (link_id, day, visitor_hash)",
        "ON CONFLICT DO NOTHING RETURNING link_id, day, visitor_hash",
        [value for key in keys for value in key],
        3,
    )
    return {(str(link_id), str(day), str(visitor)) for link_id, day, visitor in new}


def _insert_clicks_sqlite(
    driver: Any,
    clicks: Sequence[ClickRecord],
    click_keys: Sequence[VisitorKey],
    times: Sequence[str],
    unique: Sequence[bool],
    now: datetime,
) -> None:
    recorded = _utc_text(now)
    # Straight into one flat list: a row tuple each, flattened per chunk, was a sixth of this.
    flat: list[Any] = []
    extend = flat.extend
    for c, key, at, flag in zip(clicks, click_keys, times, unique, strict=True):
        extend((
            c.id.hex, key[0], at, recorded, c.referrer_domain, c.country,
            c.device, c.os, c.browser, 1 if c.is_bot else 0, c.bot_name, 1 if flag else 0,
            c.method,
        ))  # fmt: skip
    _insert_many(
        driver, f"INSERT INTO clicks ({CLICK_COLUMNS})", "ON CONFLICT (id) DO NOTHING", flat, 13
    )


def _insert_marks_sqlite(driver: Any, marks: Sequence[Mark], now: datetime) -> None:
    recorded = _utc_text(now)
    _insert_many(
        driver,
        "INSERT INTO click_marks (recorded_at, link_id, hour)",
        "ON CONFLICT DO NOTHING",
        [value for link, hour in marks for value in (recorded, link, hour + ":00:00.000000")],
        3,
    )


def _insert_orphans_sqlite(driver: Any, orphans: Sequence[OrphanRecord]) -> None:
    _insert_many(
        driver,
        "INSERT INTO orphan_visits (id, host, slug, occurred_at, is_bot)",
        "ON CONFLICT (id) DO NOTHING",
        [
            value
            for o in orphans
            for value in (o.id.hex, o.host, o.slug, _utc_text(o.occurred_at), int(o.is_bot))
        ],
        5,
    )


# "YYYY-MM-DD HH:MM:SS" by Unix second: a batch's clicks share a few seconds, and formatting
# the whole time (`isoformat`) cost more than the rest of a click row.
_SECOND_TEXTS: dict[int, str] = {}


def _utc_text(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = as_utc(value)
    second = int(value.timestamp() // 1)
    text = _SECOND_TEXTS.get(second)
    if text is None:
        if len(_SECOND_TEXTS) >= 4096:
            _SECOND_TEXTS.clear()
        text = value.replace(microsecond=0, tzinfo=None).isoformat(" ")
        _SECOND_TEXTS[second] = text
    return "%s.%06d" % (text, value.microsecond)  # noqa: UP031  (twice as fast as an f-string)


# PostgreSQL: one statement per table, the batch passed as arrays.


def _new_visitors_pg(driver: Any, keys: list[VisitorKey]) -> set[VisitorKey]:
    """Inserts the (link, day, visitor) keys and returns those that were new, as the same
    text keys: arrays go as literals and rows come back as text (see PG_CLICKS_SQL), so no
    UUID or date object is built on either side."""
    quoted: dict[str | None, str] = {None: "NULL"}
    with driver.cursor() as cursor:
        cursor.execute(
            "INSERT INTO link_visitors (link_id, day, visitor_hash) "
            "SELECT * FROM unnest(%s::uuid[], %s::date[], %s::text[]) "
            "ON CONFLICT DO NOTHING "
            "RETURNING replace(link_id::text, '-', ''), to_char(day, 'YYYY-MM-DD'), visitor_hash",
            (
                _pg_texts([key[0] for key in keys], quoted),
                _pg_texts([key[1] for key in keys], quoted),
                _pg_texts([key[2] for key in keys], quoted),
            ),
        )
        rows = cursor.fetchall()
    return {(link, day, visitor) for link, day, visitor in rows}


# The arrays go as array literals built here: psycopg's list dumper runs two regular
# expressions per element (quoting, escaping), which was a third of a click worker's CPU. A
# batch has few distinct texts per column (device, OS, browser, ...), so each is quoted once.
PG_CLICKS_SQL = (
    f"INSERT INTO clicks ({CLICK_COLUMNS}) "
    "SELECT u.id, u.link_id, u.occurred_at, %s::timestamptz, u.referrer_domain, u.country, "
    "u.device, u.os, u.browser, u.is_bot, u.bot_name, u.is_unique, u.method "
    "FROM unnest(%s::uuid[], %s::uuid[], %s::timestamptz[], %s::text[], %s::text[], %s::text[], "
    "%s::text[], %s::text[], %s::boolean[], %s::text[], %s::boolean[], %s::text[]) "
    "AS u(id, link_id, occurred_at, referrer_domain, country, device, os, browser, is_bot, "
    "bot_name, is_unique, method) "
    "ON CONFLICT (id) DO NOTHING"
)


def _insert_clicks_pg(
    driver: Any,
    clicks: Sequence[ClickRecord],
    times: Sequence[str],
    unique: Sequence[bool],
    now: datetime,
) -> None:
    quoted: dict[str | None, str] = {None: "NULL"}
    params = (
        now,
        _pg_array([c.id.hex for c in clicks]),
        _pg_array([c.link_id.hex for c in clicks]),
        _pg_array([f'"{at}+00"' for at in times]),
        _pg_texts([c.referrer_domain for c in clicks], quoted),
        _pg_texts([c.country for c in clicks], quoted),
        _pg_texts([c.device for c in clicks], quoted),
        _pg_texts([c.os for c in clicks], quoted),
        _pg_texts([c.browser for c in clicks], quoted),
        _pg_array(["t" if c.is_bot else "f" for c in clicks]),
        _pg_texts([c.bot_name for c in clicks], quoted),
        _pg_array(["t" if flag else "f" for flag in unique]),
        _pg_texts([c.method for c in clicks], quoted),
    )
    with driver.cursor() as cursor:
        cursor.execute(PG_CLICKS_SQL, params)


PG_MARKS_SQL = (
    "INSERT INTO click_marks (recorded_at, link_id, hour) "
    "SELECT %s, * FROM unnest(%s::uuid[], %s::timestamptz[]) ON CONFLICT DO NOTHING"
)


def _insert_marks_pg(driver: Any, marks: Sequence[Mark], now: datetime) -> None:
    with driver.cursor() as cursor:
        cursor.execute(
            PG_MARKS_SQL,
            (
                now,
                _pg_array([link for link, _ in marks]),
                _pg_array([f'"{hour}:00:00+00"' for _, hour in marks]),
            ),
        )


def write_lines_pg(
    connection: Connection,
    lines: Sequence[bytes],
    now: datetime,
    memory: WriterMemory | None,
    *,
    copy: bool = False,
) -> Written:
    """`write_records` for lines as `encode` wrote them, on PostgreSQL, without building the
    records: the batch is parsed in one orjson call and its text goes to PostgreSQL as it is
    (it reads uuids with hyphens and ISO times itself). The click worker's path; orphan
    visits (rare) still go through `decode`. Returns the clicks written and their visitor
    keys. A line that is not a record raises ValueError and a value PostgreSQL refuses raises
    its error: the caller then writes the lines one by one.

    With `copy`, the clicks go in with `COPY` instead of `INSERT ... ON CONFLICT DO NOTHING`:
    a third less of PostgreSQL's time per click, but a click id already stored fails the whole
    statement (psycopg.errors.UniqueViolation, the transaction to roll back). The worker
    copies entries read for the first time, which hold new ids (a redirect sends a click
    once), and inserts replays and any batch whose copy met a stored id."""
    try:
        rows = orjson.loads(b"[" + b",".join(lines) + b"]")
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not a batch of click records: {exc}") from exc
    clicks = []
    orphans: list[OrphanRecord] = []
    for row, line in zip(rows, lines, strict=True):
        if type(row) is list and len(row) == 14 and row[0] == "c":
            clicks.append(row)
        else:
            record = decode(line)
            if not isinstance(record, OrphanRecord):
                raise ValueError(f"not a click record: {line[:80]!r}")
            orphans.append(record)
    driver: Any = connection.connection.driver_connection
    # CLICK_ORDER's order; every time is UTC, so its ISO text sorts as the time.
    clicks.sort(key=_WIRE_ORDER)
    click_keys = [(row[2].replace("-", ""), row[13], row[12]) for row in clicks]
    keys = list(dict.fromkeys(click_keys))
    if clicks:
        unknown = keys if memory is None else [key for key in keys if key not in memory]
        new_visitors = _new_visitors_pg(driver, unknown) if unknown else set()
        unique = _unique_flags(click_keys, new_visitors)
        if copy:
            _copy_clicks_pg(driver, clicks, unique, now)
        else:
            # Every text is quoted, ids too: a malformed value is then one element that
            # PostgreSQL refuses, never a comma that shifts the columns' arrays.
            quoted: dict[str | None, str] = {None: "NULL"}
            params = (
                now,
                # id, link id, time, referrer, country, device, OS, browser
                *(_pg_texts([row[i] for row in clicks], quoted) for i in range(1, 9)),
                _pg_array(["t" if row[9] else "f" for row in clicks]),
                _pg_texts([row[10] for row in clicks], quoted),
                _pg_array(["t" if flag else "f" for flag in unique]),
                _pg_texts([row[11] for row in clicks], quoted),
            )
            with driver.cursor() as cursor:
                cursor.execute(PG_CLICKS_SQL, params)
    marks: list[Mark] = []
    if clicks:
        # Times are UTC ISO text, so a mark's hour is its first 13 characters ("YYYY-MM-DDTHH",
        # which PostgreSQL reads like "YYYY-MM-DD HH").
        marks = _due_marks(
            dict.fromkeys(
                [(key[0], row[3][:13]) for key, row in zip(click_keys, clicks, strict=True)]
            ),
            now,
            memory,
        )
        if marks:
            _insert_marks_pg(driver, marks, now)
    if orphans:
        _insert_orphans_pg(driver, orphans)
    return Written(len(clicks), keys, marks, now)


PG_COPY_CLICKS = f"COPY clicks ({CLICK_COLUMNS}) FROM STDIN"


def _copy_clicks_pg(driver: Any, clicks: list[Any], unique: Sequence[bool], now: datetime) -> None:
    """The clicks through COPY, in CLICK_COLUMNS order (psycopg escapes each value)."""
    with driver.cursor() as cursor, cursor.copy(PG_COPY_CLICKS) as copy:
        write = copy.write_row
        for row, flag in zip(clicks, unique, strict=True):
            write((row[1], row[2], row[3], now, row[4], row[5], row[6], row[7], row[8],
                   bool(row[9]), row[10], flag, row[11]))  # fmt: skip


_WIRE_ORDER = itemgetter(3, 2)


def _pg_array(elements: list[str]) -> str:
    return "{" + ",".join(elements) + "}"


def _pg_texts(values: list[str | None], quoted: dict[str | None, str]) -> str:
    """A text[] literal: each value double-quoted and escaped (once per distinct value)."""
    elements = []
    for value in values:
        element = quoted.get(value)
        if element is None:
            assert value is not None  # None is in `quoted` from the start
            element = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            quoted[value] = element
        elements.append(element)
    return _pg_array(elements)


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
