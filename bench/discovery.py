"""Benchmark discovery search: p95 of a typical filtered search and of a keyword search over
200 varied queries each, with the discovery indexes and, in the same run, without them.

Uses a database given by --database-url (SQLite file or PostgreSQL), or builds one: migrate,
`generate` N creators (default 1,000,000; generating and scoring a million takes the better
part of two hours on two cores, so --creators is there for smaller runs), `score`, then the
discovery index. A database already holding data is reused as it is.

The filtered search is the brief's: one platform, one tier, two niches, peer percentile above
50, authenticity above 70, one country, a brand profile, sorted by fit, first page. The keyword
search is one or two words (some as prefixes) sorted by relevance, first page. Both ask for the
facets, as the Discover page does. "Without the indexes" (p95 over the first 50 queries of
each kind, fewer when they pass a time budget: --baseline-seconds, 300 by default) drops the
discovery secondary indexes inside a transaction that is rolled back, replaces the full-text
match by a LIKE scan of the same documents and the niche index by the niche confidences read
from each row's JSON vector; its ratio is against the indexed p95 of the same queries.

PostgreSQL at the same size without generating twice: --copy-from fills an empty, migrated
PostgreSQL database (--database-url) with the rows a search reads from an already built SQLite
database, by COPY in streaming batches, then VACUUM ANALYZE, and checks that a few searches
give the same accounts on both.

    python bench/discovery.py --database-url sqlite:////tmp/x/microreach.db
    python bench/discovery.py --creators 20000   # builds a fresh SQLite database first
    MICROREACH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/big microreach db upgrade
    python bench/discovery.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/big \\
        --copy-from sqlite:////tmp/x/microreach.db
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.config import load_settings
from microreach.db.base import Base, StrEnumType
from microreach.db.engine import make_engine
from microreach.discovery import repository, service
from microreach.discovery.models import DiscoveryProfile
from microreach.discovery.schemas import SearchParams, SearchSort
from microreach.discovery.search import fts
from microreach.discovery.search.tokens import Term
from microreach.science.niches import NICHES as NICHE_ORDER

QUERIES = 200
# Without the indexes every query scans every row: p95 over the first 50 only, and fewer when
# they take longer than BASELINE_SECONDS (a million rows), at least BASELINE_MINIMUM.
BASELINE_QUERIES = 50
BASELINE_SECONDS = 300.0
BASELINE_MINIMUM = 5
TARGET_P95_MS = 100.0
NICHES = ("fashion", "beauty", "food", "fitness", "travel", "family", "pets", "home", "tech")
COUNTRIES = ("US", "GB", "BR", "IN", "DE", "ES", "FR", "IT")
WORDS = ("ootd", "recipe", "vegan", "workout", "travel", "coffee", "vintage", "skincare", "dog",
         "gaming", "thrift", "homemade", "sunset", "makeup", "running", "cat", "garden",
         "bak*", "fit*", "trav*", "style", "family", "music", "beach", "pasta")  # fmt: skip
INDEXES = tuple(
    f"ix_discovery_profiles_{name}"
    for name in ("filters", "followers", "sort_engagement", "sort_authenticity", "best")
)


def filtered_queries(rng: random.Random) -> list[SearchParams]:
    out = []
    for _ in range(QUERIES):
        niches = rng.sample(NICHES, 2)
        country = rng.choice(COUNTRIES)
        out.append(
            SearchParams(
                platform=[rng.choice(["instagram", "tiktok", "youtube"])],
                tier=[rng.choice(["micro", "micro", "nano", "mid"])],
                niche=niches,
                min_er_percentile=50,
                min_authenticity=70,
                country=[country],
                brand_niche=niches,
                brand_country=[country],
                sort=SearchSort.FIT,
                facets=True,
            )
        )
    return out


def keyword_queries(rng: random.Random) -> list[SearchParams]:
    return [
        SearchParams(q=" ".join(rng.sample(WORDS, rng.choice([1, 1, 2]))), limit=25, facets=True)
        for _ in range(QUERIES)
    ]


def like_matches(_dialect: str, terms: tuple[Term, ...], _ranked: bool) -> fts.KeywordMatch:
    """The keyword match without the full-text index: a LIKE scan of the same documents."""
    padded = sa.literal(" ") + DiscoveryProfile.search_doc + sa.literal(" ")
    clauses = [padded.like(f"% {t.word}%" if t.prefix else f"% {t.word} %") for t in terms]
    return fts.KeywordMatch(None, sa.and_(*clauses), sa.literal(0.0), fts.PROFILES.c.doc_id)


def vector_niches(
    niches: Sequence[str],
    platforms: Sequence[str],  # noqa: ARG001 (the other filters apply on their own)
    tiers: Sequence[str],  # noqa: ARG001
    countries: Sequence[str],  # noqa: ARG001
    floor: Any = None,  # noqa: ARG001
) -> sa.ColumnElement[bool]:
    """The niche filter without the niche index: each niche's confidence read from the JSON
    vector of every row (confidence >= 0.5, as the index's confident niches)."""
    vector = DiscoveryProfile.niche_vector
    return sa.or_(*(vector[NICHE_ORDER.index(n)].as_float() >= 0.5 for n in niches))


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


@dataclass(frozen=True, slots=True)
class Timing:
    p95: float  # wall time, ms
    cpu: float  # p95 CPU time of this process, ms
    found: int  # results shown, summed over the queries
    queries: int
    samples: tuple[float, ...]  # wall time of each query, s
    note: str = ""

    def first(self, count: int) -> float:
        """p95 (ms) of the first ``count`` queries."""
        return p95(list(self.samples[:count]))


def timed(
    session: Session, settings: Any, queries: list[SearchParams], budget: float | None = None
) -> Timing:
    """Run ``queries`` (stopping once ``budget`` seconds are spent, after at least
    BASELINE_MINIMUM of them) and time each."""
    samples: list[float] = []
    cpu: list[float] = []
    found = 0
    started_all = time.perf_counter()
    for params in queries:
        if (
            budget is not None
            and len(samples) >= BASELINE_MINIMUM
            and time.perf_counter() - started_all > budget
        ):
            break
        started, started_cpu = time.perf_counter(), time.process_time()
        page = service.search(session, settings, params)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        found += len(page.items)
    note = ""
    if len(samples) < len(queries):
        note = f" (of {len(queries)}: stopped after the {budget:.0f} s budget)"
    return Timing(p95(samples), p95(cpu), found, len(samples), tuple(samples), note)


@contextmanager
def without_indexes(connection: sa.Connection) -> Iterator[None]:
    transaction = connection.begin_nested() if connection.in_transaction() else connection.begin()
    for name in INDEXES:
        connection.exec_driver_sql(f"DROP INDEX {name}")
    original: Callable[..., fts.KeywordMatch] = fts.matches
    original_niches, ordered_ranges = repository.niche_clause, repository.ORDERED_NICHE_RANGES
    fts.matches = like_matches  # type: ignore[assignment]
    repository.niche_clause = vector_niches
    repository.ORDERED_NICHE_RANGES = 0  # no ordered read of the niche index either
    try:
        yield
    finally:
        fts.matches = original
        repository.niche_clause = original_niches
        repository.ORDERED_NICHE_RANGES = ordered_ranges
        transaction.rollback()


def build(url: str, creators: int, data_dir: Path) -> None:
    env = {**os.environ, "MICROREACH_DATABASE_URL": url, "MICROREACH_DATA_DIR": str(data_dir)}
    env.setdefault("MICROREACH_SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789")
    for command in (["db", "upgrade"], ["generate", "--creators", str(creators)], ["score"]):
        print("$ microreach", " ".join(command), flush=True)
        subprocess.run([sys.executable, "-m", "microreach", *command], env=env, check=True)


def ensure_index(url: str) -> float:
    """Build the discovery index when it is empty; its build time in seconds (0 if reused)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM discovery_profiles").scalar()
        if count:
            return 0.0
        started = time.perf_counter()
        result = service.refresh_index(connection, tier_scheme="brief")
        connection.commit()
        print(f"indexed {result.profiles:,} accounts", flush=True)
        return time.perf_counter() - started


# The tables a search reads, in foreign-key order (profiles point at accounts, accounts at
# creators); --copy-from copies them and nothing else.
COPIED_TABLES = (
    "creators", "platform_accounts", "discovery_profiles", "discovery_niches",
    "discovery_audience",
)  # fmt: skip
COPY_BATCH = 5_000
PARITY_QUERIES = 10


def copy_database(source_url: str, target_url: str) -> None:
    """Fill the empty, migrated PostgreSQL database ``target_url`` with the rows a search reads
    from ``source_url`` (COPY, ``COPY_BATCH`` rows read at a time), then VACUUM ANALYZE."""
    source, target = make_engine(source_url), make_engine(target_url)
    if target.dialect.name != "postgresql":
        raise SystemExit("--copy-from fills a PostgreSQL database: give one as --database-url")
    tables = [Base.metadata.tables[name] for name in COPIED_TABLES]
    with source.connect() as reader, target.connect() as writer:
        for table in tables:
            if writer.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise SystemExit(f"--copy-from needs an empty database; {table.name} has rows")
        raw = writer.connection.driver_connection
        assert raw is not None
        for table in tables:
            started = time.perf_counter()
            with raw.cursor() as cursor:
                rows = _copy_table(reader, cursor, table)
            seconds = time.perf_counter() - started
            print(f"copied {rows:,} rows of {table.name} in {seconds:.0f} s", flush=True)
        writer.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('discovery_profiles', 'doc_id'), "
            "(SELECT coalesce(max(doc_id), 0) + 1 FROM discovery_profiles), false)"
        )
        started = time.perf_counter()
        written = repository.write_postings(writer)
        seconds = time.perf_counter() - started
        print(f"built {written:,} keyword posting lists in {seconds:.0f} s", flush=True)
        writer.commit()
    # VACUUM too, as autovacuum would have: it sets the visibility map that index-only and
    # bitmap scans rely on.
    with target.connect().execution_options(isolation_level="AUTOCOMMIT") as maintenance:
        for table in tables:
            maintenance.exec_driver_sql(f"VACUUM ANALYZE {table.name}")
    source.dispose()
    target.dispose()


def _copy_table(reader: sa.Connection, cursor: Any, table: sa.Table) -> int:
    # JSON and enum columns travel as their stored text: PostgreSQL parses them on COPY.
    columns = [
        sa.type_coerce(c, sa.Text) if isinstance(c.type, sa.JSON | StrEnumType) else c
        for c in table.columns
    ]
    names = ", ".join(c.name for c in table.columns)
    stmt = sa.select(*columns)
    if table.name == "discovery_profiles":
        stmt = stmt.order_by(table.c.doc_id)  # the heap in doc_id order, as the index builds it
    result = reader.execution_options(yield_per=COPY_BATCH).execute(stmt)
    count = 0
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for batch in result.partitions():
            for row in batch:
                copy.write_row(tuple(row))
            count += len(batch)
    return count


def check_parity(source_url: str, target_url: str, settings: Any, rng: random.Random) -> None:
    """The same accounts, in the same order, on both databases for a few filtered searches
    (sorted by fit) and keyword searches sorted by engagement (relevance formulas differ)."""
    queries = filtered_queries(rng)[:PARITY_QUERIES] + [
        p.model_copy(update={"sort": SearchSort.ENGAGEMENT})
        for p in keyword_queries(rng)[:PARITY_QUERIES]
    ]
    ids: list[list[list[str]]] = []
    for url in (source_url, target_url):
        engine = make_engine(url)
        with Session(engine) as session:
            ids.append(
                [
                    [str(i.account_id) for i in service.search(session, settings, p).items]
                    for p in queries
                ]
            )
        engine.dispose()
    same = sum(a == b for a, b in zip(*ids, strict=True))
    print(f"parity: {same} of {len(queries)} searches give the same accounts in the same order")
    if same != len(queries):
        raise SystemExit("the copied database answers differently from its source")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an existing database (SQLite or PostgreSQL)")
    parser.add_argument("--creators", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--copy-from",
        metavar="URL",
        help="first fill the empty PostgreSQL --database-url from this built SQLite database",
    )
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=BASELINE_SECONDS,
        help="time budget of each kind of query without the indexes",
    )
    args = parser.parse_args()
    url = args.database_url
    settings = load_settings(environ={}, data_dir=Path(tempfile.mkdtemp()), env="test")
    if args.copy_from:
        if url is None:
            raise SystemExit("--copy-from needs --database-url (an empty, migrated PostgreSQL)")
        copy_database(args.copy_from, url)
        print(
            f"data generated once (in {args.copy_from}) and copied here with COPY: "
            "not generated a second time",
            flush=True,
        )
        check_parity(args.copy_from, url, settings, random.Random(args.seed))
    if url is None:
        data_dir = Path(tempfile.mkdtemp(prefix="bench-discovery-"))
        url = f"sqlite:///{data_dir / 'microreach.db'}"
        build(url, args.creators, data_dir)
    build_seconds = ensure_index(url)
    engine = make_engine(url)
    rng = random.Random(args.seed)
    filtered, keyword = filtered_queries(rng), keyword_queries(rng)
    with engine.connect() as connection, Session(bind=connection) as session:
        profiles = connection.exec_driver_sql("SELECT count(*) FROM discovery_profiles").scalar()
        print(f"{engine.dialect.name}: {profiles:,} indexed accounts"
              + (f" (index built in {build_seconds:.0f} s)" if build_seconds else ""))  # fmt: skip
        # As `microreach serve` does once started (web.app.create_app, freeze_heap): what is
        # loaded by then is left out of the collector's full passes.
        gc.collect()
        gc.freeze()
        timed(session, settings, filtered[:20] + keyword[:20])  # warm the caches
        results = {"filtered": timed(session, settings, filtered)}
        results["keyword"] = timed(session, settings, keyword)
        with without_indexes(connection):
            slow = {
                "filtered": timed(
                    session, settings, filtered[:BASELINE_QUERIES], args.baseline_seconds
                ),
                "keyword": timed(
                    session, settings, keyword[:BASELINE_QUERIES], args.baseline_seconds
                ),
            }
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, label in (("filtered", "filtered search (fit)"), ("keyword", "keyword search")):
        fast, baseline = results[name], slow[name]
        same = fast.first(baseline.queries)
        verdict = "ok" if fast.p95 < TARGET_P95_MS else "OVER TARGET"
        print(
            f"{label:24} p95 {fast.p95:8.1f} ms over {fast.queries} queries "
            f"({fast.found / fast.queries:.1f} results/query, {verdict}); "
            f"p95 CPU of this process {fast.cpu:.1f} ms"
        )
        print(
            f"{'':24} without indexes: p95 {baseline.p95:9.1f} ms over the first "
            f"{baseline.queries} queries{baseline.note}; with them {same:.1f} ms on the same "
            f"queries: ratio {baseline.p95 / same:6.1f}x"
        )
    print(f"peak RSS of this process: {rss:.0f} MB (target < 2048 MB)")
    engine.dispose()


if __name__ == "__main__":
    main()
