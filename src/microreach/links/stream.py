"""Scale profile click path: the redirect appends clicks to a Redis stream, click workers write
them to the database (`MICROREACH_CLICK_TRANSPORT=redis`).

**Producer** (`StreamWriter`, one per web process, the same interface as `ClickWriter`): request
handlers hand a record over and wait; a sender task sends everything waiting as one stream entry
(one `XADD` whose field holds the records, one line each) and resolves the requests once Redis
answered, so a 302 is sent only for a click Redis holds. Batches grow by themselves while a
round trip is in flight; one entry per batch rather than one per click keeps the redirect
process, Redis and the workers from spending their time on per-command overhead. Two senders
(`SENDERS`, each on its own connection) keep a second batch going while the first one's answer
is on its way, so clicks that arrive meanwhile need not wait for a whole round trip first.

**Consumer** (`ClickConsumer`, `microreach click-worker`, any number of processes): reads the
stream through the consumer group `writers` (`XREADGROUP`, up to 256 entries at a time),
writes their records in transactions of at most `batch_size` with the same
`write_records` the embedded writer uses (clicks keyed by their id, `ON CONFLICT DO NOTHING`,
uniqueness decided in the same transaction), commits, and only then acknowledges and deletes the
entries (`XACK` + `XDEL`). A worker that dies between commit and acknowledgement leaves its
entries pending; they are read again (by itself on restart: its pending list comes first, or by
another worker: `XAUTOCLAIM` after `claim_idle`), and the replay inserts nothing new, so every
click is stored exactly once. While the database is down, entries stay in the stream and the
worker retries with backoff; while Redis is down, the redirect answers 503 (nothing accepted,
nothing lost) and the worker reconnects. A record that can never be written (it fails alone, for
example its link was deleted) moves to `microreach:clicks:dead` with the error.

Durability of an accepted click is Redis's: run the stream's Redis with `appendonly yes` and
`appendfsync always` (or `everysec`, accepting up to a second of clicks at a crash of Redis
itself); docs/production.md says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import redis
import redis.asyncio as aioredis
from redis.asyncio.connection import AbstractConnection

from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.links.writer import (
    Record,
    WriterMemory,
    Written,
    decode,
    encode,
    is_transient,
    write_lines_pg,
    write_records,
)
from microreach.observability import metrics

logger = logging.getLogger(__name__)

STREAM = "microreach:clicks"
DEAD_LETTERS = "microreach:clicks:dead"
GROUP = "writers"
FIELD = b"r"
# Batches in flight at once (each on its own connection): with one, every click that arrived
# during a round trip waited for it to end before its own batch could even be sent.
SENDERS = 2
# How often a busy click worker reads the stream's length for its metric.
LENGTH_INTERVAL_S = 1.0


def sender_name() -> str:
    """The Redis client name of this process's click senders."""
    return f"microreach-clicks-{socket.gethostname()}-{os.getpid()}"


def volatility_warning(config: dict[str, str]) -> str | None:
    """What a Redis server's persistence settings (`CONFIG GET append*`) put at risk, or None
    when it keeps what it acknowledged: the click stream is where a scale-profile click is
    durable once its 302 left, so a Redis that loses its memory on restart loses clicks."""
    appendonly = config.get("appendonly")
    fsync = config.get("appendfsync")
    if appendonly is None:
        return None  # not a setting this server reports: nothing to say
    fix = "run it with `appendonly yes` and `appendfsync always` or `everysec` (docs/production.md)"
    if appendonly != "yes":
        return (
            "Redis keeps the click stream in memory only (appendonly no): clicks not yet "
            f"written by a click worker are lost if Redis restarts; {fix}"
        )
    if fsync == "no":
        return (
            "Redis appends the click stream to its log but leaves flushing it to the operating "
            "system (appendfsync no): a crash of the machine loses up to about 30 s of clicks; "
            f"{fix}"
        )
    return None


def _config(answer: Any) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else str(k)): (
            v.decode() if isinstance(v, bytes) else str(v)
        )
        for k, v in dict(answer).items()
    }


class ClickTransportError(Exception):
    """Redis did not take the click: the redirect answers 503, nothing was accepted."""


Pending = tuple[bytes, "asyncio.Future[None]"]


class StreamWriter:
    """Hands records to the Redis stream in pipelined batches; same interface as ClickWriter."""

    def __init__(
        self, url: str, *, batch_size: int, timeout_s: float = 2.0, senders: int = SENDERS
    ) -> None:
        self._url = url
        self._batch_size = batch_size
        self._timeout_s = timeout_s
        self._senders = senders
        self._pool: aioredis.ConnectionPool | None = None
        # A deque and wake-up futures rather than an asyncio.Queue (less work per click).
        self._pending: deque[Pending] = deque()
        self._idle: list[asyncio.Future[None]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._sending = 0

    async def start(self) -> None:
        self._pool = aioredis.ConnectionPool.from_url(
            self._url,
            socket_timeout=self._timeout_s,
            socket_connect_timeout=self._timeout_s,
            client_name=sender_name(),  # CLIENT LIST tells which process each connection is
        )
        self._tasks = [
            asyncio.create_task(self._run(), name=f"click-stream-{n}") for n in range(self._senders)
        ]
        await self._warn_if_volatile()

    async def _warn_if_volatile(self) -> None:
        """Log what the stream's Redis settings put at risk; an unreachable Redis (the redirect
        answers 503 until it is back) or one that refuses CONFIG is not an error here."""
        assert self._pool is not None
        client = aioredis.Redis(connection_pool=self._pool)
        try:
            warning = volatility_warning(_config(await client.config_get("append*")))
        except (redis.RedisError, OSError) as exc:
            logger.info("click stream: Redis persistence not checked (%s)", exc)
            return
        if warning:
            logger.warning("click stream: %s", warning)

    async def stop(self) -> None:
        if not self._tasks:
            return
        while self._pending or self._sending:
            await asyncio.sleep(0.001)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._pool is not None:
            await self._pool.disconnect()

    async def record(self, record: Record) -> None:
        """Return once Redis holds `record`; raise ClickTransportError otherwise."""
        if not self._tasks:
            raise RuntimeError("the click stream writer is not started")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((encode(record), future))
        if self._idle:
            wakeup = self._idle.pop()
            if not wakeup.done():
                wakeup.set_result(None)
        await future

    async def _run(self) -> None:
        pending = self._pending
        loop = asyncio.get_running_loop()
        # Each sender keeps one connection of the pool for itself, given back when it stops.
        connection: AbstractConnection | None = None
        try:
            while True:
                if not pending:
                    wakeup = loop.create_future()
                    self._idle.append(wakeup)
                    try:
                        await wakeup
                    finally:
                        if wakeup in self._idle:
                            self._idle.remove(wakeup)
                    if not pending:  # another sender took it
                        continue
                self._sending += 1
                try:
                    count = min(len(pending), self._batch_size)
                    batch = [pending.popleft() for _ in range(count)]
                    metrics.CLICKS_ACCEPTED.inc(count)
                    connection = await self._send(batch, connection)
                finally:
                    self._sending -= 1
        finally:
            if connection is not None and self._pool is not None:
                await self._pool.release(connection)

    async def _send(
        self, batch: list[Pending], connection: AbstractConnection | None
    ) -> AbstractConnection | None:
        """XADD the batch as one entry on the sender's own connection (the command sent and its
        answer read directly: the client's per-command pool and retry handling cost more than
        the command here). Returns the connection to use next, None after a failure."""
        assert self._pool is not None
        try:
            if connection is None:
                connection = await self._pool.get_connection()  # type: ignore[no-untyped-call]
            await connection.send_command("XADD", STREAM, "*", FIELD, b"".join(r for r, _ in batch))
            await connection.read_response()  # the entry's id; an error reply raises
        except (redis.RedisError, OSError) as exc:
            logger.warning("click stream unavailable (%s); %d clicks refused", exc, len(batch))
            if connection is not None:
                await connection.disconnect()
                await self._pool.release(connection)
            error = ClickTransportError(str(exc))
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return None
        for _, future in batch:
            if not future.done():
                future.set_result(None)
        return connection


@dataclass
class ConsumerStats:
    written: int = 0
    batches: int = 0
    replayed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


class ClickConsumer:
    """Moves clicks from the stream to the database; acknowledges only after the commit."""

    def __init__(
        self,
        url: str,
        database: Database,
        *,
        name: str | None = None,
        batch_size: int = 1024,
        entries_per_read: int = 256,
        block_ms: int = 1000,
        claim_idle_ms: int = 30_000,
        linger_ms: int = 20,
    ) -> None:
        self._url = url
        self._database = database
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self._batch_size = batch_size
        self._entries_per_read = entries_per_read
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms
        self._linger_s = linger_ms / 1000
        self._client: redis.Redis | None = None
        self._memory = WriterMemory(100_000)
        self._own_pending = True  # read our own unacknowledged entries first
        self._next_claim = 0.0  # when to look for entries other workers abandoned
        self._next_length = 0.0  # when to read the stream's length for the metric again
        self.stats = ConsumerStats()

    def _redis(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(
                self._url, socket_timeout=max(5.0, self._block_ms / 1000 + 2)
            )
            try:
                self._client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def volatility(self) -> str | None:
        """What the stream's Redis settings put at risk (volatility_warning), None when it
        keeps what it acknowledged or does not let CONFIG be read."""
        try:
            return volatility_warning(_config(self._redis().config_get("append*")))
        except redis.ResponseError:
            return None

    def run(self, stop: Any = None) -> None:
        """Loop until `stop` (a threading.Event or None for ever); survive outages."""
        delay = 0.5
        while stop is None or not stop.is_set():
            try:
                self.step()
                delay = 0.5
            except (redis.RedisError, OSError) as exc:
                logger.warning("click stream unreachable (%s); retrying in %.1f s", exc, delay)
                self.close()
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
            except Exception as exc:
                logger.warning("click batch not written (%s); retrying in %.1f s", exc, delay)
                self._own_pending = True
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def step(self) -> int:
        """Read and write one batch (own pending entries first, then claimed, then new)."""
        client = self._redis()
        entries: list[tuple[bytes, dict[bytes, bytes]]] = []
        replay = False
        if self._own_pending:
            entries = self._read("0", block=None)
            if not entries:
                self._own_pending = False
            replay = bool(entries)
        now = time.monotonic()
        if not entries and now >= self._next_claim:
            # Entries another worker left pending longer than claim_idle: looked for at most
            # twice per claim_idle (and at once when there is nothing new), not on every read.
            claimed = client.xautoclaim(
                STREAM, GROUP, self.name, self._claim_idle_ms, "0-0", count=self._entries_per_read
            )
            entries = [e for e in claimed[1] if e and e[1]]
            replay = bool(entries)
            if not entries:
                self._next_claim = now + self._claim_idle_ms / 2000
        if not entries:
            entries = self._read(">", block=self._block_ms)
            if 0 < len(entries) < self._entries_per_read and self._linger_s > 0:
                # Caught up with the stream: let clicks gather for linger_ms and take them in
                # the same transaction. Under bench/redirect.py's load this turned about 275
                # transactions a second of 49 clicks into about 24 of 730 (each a commit, a
                # session and three Redis round trips); an idle stream's first click waits
                # linger_ms more, in Redis.
                time.sleep(self._linger_s)
                entries += self._read(">", block=None)
        if not entries:
            self._next_claim = 0.0
            metrics.CLICK_STREAM_LENGTH.set(client.xlen(STREAM))
            return 0
        written = self._write(entries, fresh=not replay)
        if replay:
            self.stats.replayed += written
        if now >= self._next_length:
            self._next_length = now + LENGTH_INTERVAL_S
            metrics.CLICK_STREAM_LENGTH.set(client.xlen(STREAM))
        return written

    def _read(self, start: str, block: int | None) -> list[tuple[bytes, dict[bytes, bytes]]]:
        answer: Any = self._redis().xreadgroup(
            GROUP, self.name, {STREAM: start}, count=self._entries_per_read, block=block
        )
        if not answer:
            return []
        return [(entry_id, values) for entry_id, values in answer[0][1] if values]

    def _write(
        self, entries: Sequence[tuple[bytes, dict[bytes, bytes]]], *, fresh: bool = False
    ) -> int:
        """Commit the entries' records, then acknowledge the entries; the records written.
        `fresh`: read for the first time (not a replay), so their clicks may be copied."""
        lines = [
            (entry_id, line)
            for entry_id, values in entries
            for line in values.get(FIELD, b"").splitlines() or [b""]
        ]
        written = 0
        for start in range(0, len(lines), self._batch_size):
            chunk = lines[start : start + self._batch_size]
            try:
                written += self._commit_lines([line for _, line in chunk], fresh=fresh)
            except Exception as exc:
                if is_transient(exc):
                    raise  # nothing acknowledged: the entries are read again
                logger.warning("click batch of %d failed (%s); writing one by one", len(chunk), exc)
                written += self._write_decoded(chunk)
            self.stats.batches += 1
        self._ack([entry_id for entry_id, _ in entries])
        self.stats.written += written
        return written

    def _commit_lines(self, lines: Sequence[bytes], *, fresh: bool = False) -> int:
        """Write a batch of lines in one transaction; the records written. On PostgreSQL the
        records are not rebuilt (writer.write_lines_pg, half the worker's CPU per click) and
        fresh clicks go in with COPY (a third less of PostgreSQL's time); a copy that meets
        an id already stored is rolled back and the batch inserted with ON CONFLICT instead."""
        started = time.perf_counter()
        try:
            written = self._commit_lines_once(lines, copy=fresh)
        except psycopg.errors.UniqueViolation:
            logger.info("click batch of %d held a stored id; inserting it instead", len(lines))
            written = self._commit_lines_once(lines, copy=False)
        self._memory.remember(written)
        metrics.CLICKS_WRITTEN.inc(written.clicks)
        metrics.CLICK_WRITE_LAG.observe(time.perf_counter() - started)
        return len(lines)

    def _commit_lines_once(self, lines: Sequence[bytes], *, copy: bool) -> Written:
        with self._database.sessions() as session, session.begin():
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                return write_lines_pg(connection, lines, utcnow(), self._memory, copy=copy)
            records = [decode(line) for line in lines]
            return write_records(connection, records, utcnow(), self._memory)

    def _write_decoded(self, chunk: Sequence[tuple[bytes, bytes]]) -> int:
        """A batch that failed as a whole: each line decoded (one that is not a record goes to
        the dead letters), the records committed together, else one by one."""
        good: list[tuple[bytes, Record]] = []
        for entry_id, line in chunk:
            try:
                good.append((entry_id, decode(line)))
            except ValueError as exc:
                self._dead(entry_id, line, str(exc))
        if not good:
            return 0
        try:
            self._commit([record for _, record in good])
        except Exception as exc:
            if len(good) == 1 and is_transient(exc):
                raise
            self._commit_singly(good)
        return len(good)

    def _commit_singly(self, chunk: Sequence[tuple[bytes, Record]]) -> None:
        for entry_id, record in chunk:
            try:
                self._commit([record])
            except Exception as single:
                if is_transient(single):
                    raise  # nothing acknowledged: the entries are read again
                self._dead(entry_id, encode(record).rstrip(), str(single))

    def _commit(self, records: Sequence[Record]) -> None:
        started = time.perf_counter()
        with self._database.sessions() as session, session.begin():
            written = write_records(session.connection(), records, utcnow(), self._memory)
        self._memory.remember(written)
        metrics.CLICKS_WRITTEN.inc(written.clicks)
        metrics.CLICK_WRITE_LAG.observe(time.perf_counter() - started)

    def _ack(self, ids: Sequence[bytes]) -> None:
        client = self._redis()
        pipe = client.pipeline(transaction=False)
        pipe.xack(STREAM, GROUP, *ids)
        pipe.xdel(STREAM, *ids)
        pipe.execute()

    def _dead(self, entry_id: bytes, raw: bytes, error: str) -> None:
        """Keep a record that can never be written aside (its entry is acknowledged with the
        others of the read once they are committed)."""
        logger.error("a record of click stream entry %r cannot be written: %s", entry_id, error)
        self._redis().xadd(
            DEAD_LETTERS, {FIELD: raw, b"error": error[:500].encode(), b"id": entry_id}
        )
        self.stats.dead += 1

    def lag(self) -> int:
        """Entries in the stream not yet written (new and pending)."""
        return int(self._redis().xlen(STREAM))
