"""Scale profile click path: the redirect appends clicks to a Redis stream, click workers write
them to the database (`MICROREACH_CLICK_TRANSPORT=redis`).

**Producer** (`StreamWriter`, one per web process, the same interface as `ClickWriter`): request
handlers hand a record over and wait; one task sends everything waiting in one pipelined round
trip of `XADD`s and resolves the requests once Redis answered, so a 302 is sent only for a click
Redis holds. Batches grow by themselves while a round trip is in flight.

**Consumer** (`ClickConsumer`, `microreach click-worker`, any number of processes): reads the
stream through the consumer group `writers` (`XREADGROUP`), writes each batch with the same
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
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
import redis
import redis.asyncio as aioredis
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.links.writer import ClickRecord, OrphanRecord, Record, SeenVisitors, write_records
from microreach.observability import metrics

logger = logging.getLogger(__name__)

STREAM = "microreach:clicks"
DEAD_LETTERS = "microreach:clicks:dead"
GROUP = "writers"
FIELD = b"r"


class ClickTransportError(Exception):
    """Redis did not take the click: the redirect answers 503, nothing was accepted."""


def encode(record: Record) -> bytes:
    """A record as compact JSON: a tag, then the fields in declaration order."""
    if isinstance(record, ClickRecord):
        return orjson.dumps(
            [
                "c",
                record.id.hex,
                record.link_id.hex,
                record.occurred_at.isoformat(),
                record.referrer_domain,
                record.country,
                record.device,
                record.os,
                record.browser,
                record.is_bot,
                record.bot_name,
                record.method,
                record.visitor_hash,
                record.day.isoformat(),
            ]
        )
    return orjson.dumps(
        [
            "o",
            record.id.hex,
            record.host,
            record.slug,
            record.occurred_at.isoformat(),
            record.is_bot,
        ]
    )


def decode(raw: bytes) -> Record:
    """The record `encode` wrote; ValueError for anything else."""
    try:
        values = orjson.loads(raw)
        if values[0] == "c":
            (_, cid, link, at, referrer, country, device, os_, browser, bot, bot_name, method,
             visitor, day) = values  # fmt: skip
            return ClickRecord(
                id=uuid.UUID(hex=cid),
                link_id=uuid.UUID(hex=link),
                occurred_at=datetime.fromisoformat(at),
                referrer_domain=referrer,
                country=country,
                device=device,
                os=os_,
                browser=browser,
                is_bot=bool(bot),
                bot_name=bot_name,
                method=method,
                visitor_hash=visitor,
                day=date.fromisoformat(day),
            )
        if values[0] == "o":
            _, oid, host, slug, at, bot = values
            return OrphanRecord(
                id=uuid.UUID(hex=oid),
                host=host,
                slug=slug,
                occurred_at=datetime.fromisoformat(at),
                is_bot=bool(bot),
            )
    except (orjson.JSONDecodeError, ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"not a click record: {raw[:80]!r}") from exc
    raise ValueError(f"not a click record: {raw[:80]!r}")


Pending = tuple[bytes, "asyncio.Future[None]"]


class StreamWriter:
    """Hands records to the Redis stream in pipelined batches; same interface as ClickWriter."""

    def __init__(self, url: str, *, batch_size: int, timeout_s: float = 2.0) -> None:
        self._url = url
        self._batch_size = batch_size
        self._timeout_s = timeout_s
        self._client: aioredis.Redis | None = None
        self._queue: asyncio.Queue[Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    async def start(self) -> None:
        self._client = aioredis.Redis.from_url(
            self._url, socket_timeout=self._timeout_s, socket_connect_timeout=self._timeout_s
        )
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="click-stream")

    async def stop(self) -> None:
        if self._task is None or self._queue is None:
            return
        while not self._queue.empty() or self._busy:
            await asyncio.sleep(0.001)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self._client is not None:
            await self._client.aclose()

    async def record(self, record: Record) -> None:
        """Return once Redis holds `record`; raise ClickTransportError otherwise."""
        if self._queue is None:
            raise RuntimeError("the click stream writer is not started")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((encode(record), future))
        metrics.CLICKS_ACCEPTED.inc()
        await future

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            self._busy = True
            try:
                while len(batch) < self._batch_size and not queue.empty():
                    batch.append(queue.get_nowait())
                await self._send(batch)
            finally:
                self._busy = False

    async def _send(self, batch: list[Pending]) -> None:
        assert self._client is not None
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for raw, _ in batch:
                    pipe.xadd(STREAM, {FIELD: raw})
                await pipe.execute()
        except (redis.RedisError, OSError) as exc:
            logger.warning("click stream unavailable (%s); %d clicks refused", exc, len(batch))
            error = ClickTransportError(str(exc))
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)


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
        block_ms: int = 1000,
        claim_idle_ms: int = 30_000,
    ) -> None:
        self._url = url
        self._database = database
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self._batch_size = batch_size
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms
        self._client: redis.Redis | None = None
        self._seen = SeenVisitors(100_000)
        self._own_pending = True  # read our own unacknowledged entries first
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
        if self._own_pending:
            entries = self._read("0", block=None)
            if not entries:
                self._own_pending = False
            else:
                self.stats.replayed += len(entries)
        if not entries:
            claimed = client.xautoclaim(
                STREAM, GROUP, self.name, self._claim_idle_ms, "0-0", count=self._batch_size
            )
            entries = [e for e in claimed[1] if e and e[1]]
            self.stats.replayed += len(entries)
        if not entries:
            entries = self._read(">", block=self._block_ms)
        if not entries:
            metrics.CLICK_STREAM_LENGTH.set(client.xlen(STREAM))
            return 0
        written = self._write(entries)
        metrics.CLICK_STREAM_LENGTH.set(client.xlen(STREAM))
        return written

    def _read(self, start: str, block: int | None) -> list[tuple[bytes, dict[bytes, bytes]]]:
        answer: Any = self._redis().xreadgroup(
            GROUP, self.name, {STREAM: start}, count=self._batch_size, block=block
        )
        if not answer:
            return []
        return [(entry_id, values) for entry_id, values in answer[0][1] if values]

    def _write(self, entries: Sequence[tuple[bytes, dict[bytes, bytes]]]) -> int:
        good: list[tuple[bytes, Record]] = []
        for entry_id, values in entries:
            try:
                good.append((entry_id, decode(values[FIELD])))
            except (KeyError, ValueError) as exc:
                self._dead(entry_id, values.get(FIELD, b""), str(exc))
        if good:
            try:
                self._commit([record for _, record in good])
            except Exception as exc:
                if len(good) == 1:
                    raise
                logger.warning("click batch of %d failed (%s); writing one by one", len(good), exc)
                for entry_id, record in good:
                    try:
                        self._commit([record])
                    except Exception as single:
                        if not _is_transient(single):
                            self._dead(entry_id, encode(record), str(single))
                            continue
                        raise
                    self._ack([entry_id])
                return len(good)
            self._ack([entry_id for entry_id, _ in good])
        self.stats.written += len(good)
        self.stats.batches += 1
        return len(good)

    def _commit(self, records: Sequence[Record]) -> None:
        started = time.perf_counter()
        with self._database.sessions() as session, session.begin():
            keys = write_records(session.connection(), records, utcnow(), self._seen)
        self._seen.add_all(keys)
        clicks = sum(1 for record in records if isinstance(record, ClickRecord))
        metrics.CLICKS_WRITTEN.inc(clicks)
        metrics.CLICK_WRITE_LAG.observe(time.perf_counter() - started)

    def _ack(self, ids: Sequence[bytes]) -> None:
        client = self._redis()
        pipe = client.pipeline(transaction=False)
        pipe.xack(STREAM, GROUP, *ids)
        pipe.xdel(STREAM, *ids)
        pipe.execute()

    def _dead(self, entry_id: bytes, raw: bytes, error: str) -> None:
        logger.error("click stream entry %r cannot be written: %s", entry_id, error)
        client = self._redis()
        pipe = client.pipeline(transaction=True)
        pipe.xadd(DEAD_LETTERS, {FIELD: raw, b"error": error[:500].encode(), b"id": entry_id})
        pipe.xack(STREAM, GROUP, entry_id)
        pipe.xdel(STREAM, entry_id)
        pipe.execute()
        self.stats.dead += 1

    def lag(self) -> int:
        """Entries in the stream not yet written (new and pending)."""
        return int(self._redis().xlen(STREAM))


def _is_transient(exc: Exception) -> bool:
    """A database that is down or restarting (retry later), not a bad record."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | OSError)
