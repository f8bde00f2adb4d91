"""Fill a database with synthetic creators: chunked, idempotent for a seed, bulk-written.

A bulk load is the one place where the service commits: each chunk is its own transaction
(a savepoint when the caller already holds one), so a long run keeps memory flat and an
interrupted run resumes where it stopped.
"""

from __future__ import annotations

import math
import multiprocessing
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.creators.models import Creator, PlatformAccount
from microreach.kit.clock import as_utc, utcnow
from microreach.kit.errors import InvalidError
from microreach.synthetic import writer
from microreach.synthetic.calibration import MODEL_VERSION
from microreach.synthetic.generator import (
    CHUNK_SIZE,
    Chunk,
    chunk_creator_ids,
    generate_chunk,
    without_creators,
)
from microreach.synthetic.models import GenerationRun

MAX_CREATORS = 10_000_000
MAX_POSTS_PER_ACCOUNT = 200
SQLITE_BULK_CACHE_KIB = 131_072
ChunkJob = tuple[int, int, int, str, int, int]


@dataclass
class GenerateResult:
    seed: int
    as_of: datetime
    requested: int
    created: int = 0
    already_present: int = 0
    skipped_conflicts: int = 0
    rows_written: int = 0


def generate(
    connection: Connection,
    *,
    creators: int,
    seed: int,
    secret_key: str,
    posts_per_account: int = 12,
    as_of: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 0,
) -> GenerateResult:
    """Generate ``creators`` creators for ``seed``; creators already present are left as they are.

    ``workers`` processes generate chunks ahead while this one writes (0: all in-process).
    """
    _validate(creators, posts_per_account)
    if connection.dialect.name == "sqlite" and not connection.in_transaction():
        # A larger page cache keeps the bulk load's index pages in memory (128 MiB).
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}")
        connection.commit()
    with _unit(connection):
        run_as_of = _record_run(connection, seed, creators, as_of)
    result = GenerateResult(seed=seed, as_of=run_as_of, requested=creators)
    as_of_us = int(run_as_of.timestamp() * 1_000_000)
    plan = _plan(connection, seed, creators)
    done = creators - sum(keep for _, keep in plan)
    result.already_present += done
    if progress is not None and done:
        progress(done)
    jobs = [(seed, index, as_of_us, secret_key, posts_per_account, keep) for index, keep in plan]
    for (_, index, *_rest, keep), chunk in zip(jobs, _chunks(jobs, workers), strict=True):
        with _unit(connection):
            present = _existing_creators(connection, chunk_creator_ids(seed, index)[:keep])
            _write_chunk(connection, chunk, present, result)
        result.already_present += len(present)
        if progress is not None:
            progress(keep)
    return result


def _plan(connection: Connection, seed: int, creators: int) -> list[tuple[int, int]]:
    """(chunk index, creators to keep) for every chunk that still misses creators."""
    plan = []
    for index in range(math.ceil(creators / CHUNK_SIZE)):
        keep = min(CHUNK_SIZE, creators - index * CHUNK_SIZE)
        with _unit(connection):
            present = _existing_creators(connection, chunk_creator_ids(seed, index)[:keep])
        if len(present) < keep:
            plan.append((index, keep))
    return plan


def _chunks(jobs: list[ChunkJob], workers: int) -> Iterator[Chunk]:
    """Generated chunks in order; with workers, generation runs ahead in other processes
    while this one writes."""
    if workers <= 0 or len(jobs) <= 1:
        yield from (generate_chunk(*job) for job in jobs)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[Chunk]] = deque()
        for job in jobs:
            pending.append(pool.submit(generate_chunk, *job))
            if len(pending) > workers + 1:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _validate(creators: int, posts_per_account: int) -> None:
    if not 1 <= creators <= MAX_CREATORS:
        raise InvalidError(f"must be between 1 and {MAX_CREATORS:,}", field="creators")
    if not 1 <= posts_per_account <= MAX_POSTS_PER_ACCOUNT:
        raise InvalidError(f"must be between 1 and {MAX_POSTS_PER_ACCOUNT}", field="posts")


@contextmanager
def _unit(connection: Connection) -> Iterator[None]:
    """Commit on success; a savepoint when the caller already holds a transaction."""
    scope = connection.begin_nested() if connection.in_transaction() else connection.begin()
    with scope:
        yield


def _record_run(
    connection: Connection, seed: int, creators: int, as_of: datetime | None
) -> datetime:
    """The run's reference time: the stored one for a known seed, so re-runs match."""
    run = connection.execute(
        sa.select(GenerationRun.as_of, GenerationRun.creators).where(GenerationRun.seed == seed)
    ).first()
    if run is not None:
        if creators > run.creators:
            connection.execute(
                sa.update(GenerationRun)
                .where(GenerationRun.seed == seed)
                .values(creators=creators, updated_at=utcnow())
            )
        return as_utc(run.as_of)
    chosen = as_utc(as_of) if as_of else utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    connection.execute(
        sa.insert(GenerationRun).values(
            seed=seed, as_of=chosen, creators=creators, model_version=MODEL_VERSION,
            created_at=utcnow(), updated_at=utcnow(),
        )
    )  # fmt: skip
    return chosen.astimezone(UTC)


def _existing_creators(connection: Connection, ids: list[str]) -> set[str]:
    found = connection.execute(
        sa.select(Creator.id).where(Creator.id.in_([uuid.UUID(hex=i) for i in ids]))
    )
    return {value.hex for value in found.scalars()}


def _handle_conflicts(connection: Connection, chunk: Chunk) -> tuple[set[str], set[str]]:
    """Creators whose handle is taken by another stored account, and accounts already stored."""
    accounts = chunk.rows[writer.ACCOUNTS.name]
    ours = {(str(r[2]), str(r[3])): (str(r[0]), str(r[1])) for r in accounts}
    stored = connection.execute(
        sa.select(PlatformAccount.id, PlatformAccount.platform, PlatformAccount.handle).where(
            PlatformAccount.handle.in_([key[1] for key in ours])
        )
    )
    conflicts, existing = set(), set()
    for account_id, platform, handle in stored:
        mine = ours.get((str(platform), handle))
        if mine is None:
            continue
        if mine[0] == account_id.hex:
            existing.add(mine[0])
        else:
            conflicts.add(mine[1])
    return conflicts, existing


def _write_chunk(
    connection: Connection, chunk: Chunk, present: set[str], result: GenerateResult
) -> None:
    conflicts, existing_accounts = _handle_conflicts(connection, chunk)
    conflicts -= present
    if present or conflicts:
        chunk = without_creators(chunk, present | conflicts, existing_accounts)
    for spec in writer.TABLES:
        writer.write_rows(connection, spec, chunk.rows[spec.name])
    result.created += len(chunk.rows[writer.CREATORS.name])
    result.skipped_conflicts += len(conflicts)
    result.rows_written += chunk.row_count
