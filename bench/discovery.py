"""Benchmark discovery search: p95 of a typical filtered search and of a keyword search over
200 varied queries each, with the discovery indexes and, in the same run, without them.

Uses a database given by --database-url (SQLite file or PostgreSQL), or builds one: migrate,
`generate` N creators (default 1,000,000; generating and scoring a million takes the better
part of two hours on two cores, so --creators is there for smaller runs), `score`, then the
discovery index. A database already holding data is reused as it is.

The filtered search is the brief's: one platform, one tier, two niches, peer percentile above
50, authenticity above 70, one country, a brand profile, sorted by fit, first page. The keyword
search is one or two words (some as prefixes) sorted by relevance, first page. "Without the
indexes" (p95 over the first 50 queries of each kind) drops the discovery secondary indexes
inside a transaction that is rolled back, replaces the full-text match by a LIKE scan of the
same documents and the niche index by the niche confidences read from each row's JSON vector.

    python bench/discovery.py --database-url sqlite:////tmp/x/microreach.db
    python bench/discovery.py --creators 20000   # builds a fresh SQLite database first
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.config import load_settings
from microreach.db.engine import make_engine
from microreach.discovery import repository, service
from microreach.discovery.models import DiscoveryProfile
from microreach.discovery.schemas import SearchParams, SearchSort
from microreach.discovery.search import fts
from microreach.discovery.search.tokens import Term
from microreach.science.niches import NICHES as NICHE_ORDER

QUERIES = 200
# Without the indexes every keyword query scans every document: p95 over the first 50 only.
BASELINE_QUERIES = 50
TARGET_P95_MS = 100.0
NICHES = ("fashion", "beauty", "food", "fitness", "travel", "family", "pets", "home", "tech")
COUNTRIES = ("US", "GB", "BR", "IN", "DE", "ES", "FR", "IT")
WORDS = ("ootd", "recipe", "vegan", "workout", "travel", "coffee", "vintage", "skincare", "dog",
         "gaming", "thrift", "homemade", "sunset", "makeup", "running", "cat", "garden",
         "bak*", "fit*", "trav*", "style", "family", "music", "beach", "pasta")  # fmt: skip
INDEXES = tuple(
    f"ix_discovery_profiles_{name}"
    for name in ("filters", "followers", "sort_engagement", "sort_authenticity")
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
            )
        )
    return out


def keyword_queries(rng: random.Random) -> list[SearchParams]:
    return [
        SearchParams(q=" ".join(rng.sample(WORDS, rng.choice([1, 1, 2]))), limit=25)
        for _ in range(QUERIES)
    ]


def like_matches(_dialect: str, terms: tuple[Term, ...], _ranked: bool) -> fts.KeywordMatch:
    """The keyword match without the full-text index: a LIKE scan of the same documents."""
    padded = sa.literal(" ") + DiscoveryProfile.search_doc + sa.literal(" ")
    clauses = [padded.like(f"% {t.word}%" if t.prefix else f"% {t.word} %") for t in terms]
    return fts.KeywordMatch(None, sa.and_(*clauses), sa.literal(0.0))


def vector_niches(
    niches: Sequence[str],
    platforms: Sequence[str],  # noqa: ARG001 (the other filters apply on their own)
    tiers: Sequence[str],  # noqa: ARG001
    countries: Sequence[str],  # noqa: ARG001
) -> sa.ColumnElement[bool]:
    """The niche filter without the niche index: each niche's confidence read from the JSON
    vector of every row (confidence >= 0.5, as the index's confident niches)."""
    vector = DiscoveryProfile.niche_vector
    return sa.or_(*(vector[NICHE_ORDER.index(n)].as_float() >= 0.5 for n in niches))


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def timed(session: Session, settings: Any, queries: list[SearchParams]) -> tuple[float, int, float]:
    """p95 wall time (ms), results found, and p95 CPU time of this process (ms)."""
    samples, cpu, found = [], [], 0
    for params in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        page = service.search(session, settings, params)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        found += len(page.items)
    return p95(samples), found, p95(cpu)


@contextmanager
def without_indexes(connection: sa.Connection) -> Iterator[None]:
    transaction = connection.begin_nested() if connection.in_transaction() else connection.begin()
    for name in INDEXES:
        connection.exec_driver_sql(f"DROP INDEX {name}")
    original: Callable[..., fts.KeywordMatch] = fts.matches
    original_niches = repository.niche_clause
    fts.matches = like_matches  # type: ignore[assignment]
    repository.niche_clause = vector_niches
    try:
        yield
    finally:
        fts.matches = original
        repository.niche_clause = original_niches
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an existing database (SQLite or PostgreSQL)")
    parser.add_argument("--creators", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    url = args.database_url
    if url is None:
        data_dir = Path(tempfile.mkdtemp(prefix="bench-discovery-"))
        url = f"sqlite:///{data_dir / 'microreach.db'}"
        build(url, args.creators, data_dir)
    build_seconds = ensure_index(url)
    settings = load_settings(environ={}, data_dir=Path(tempfile.mkdtemp()), env="test")
    engine = make_engine(url)
    rng = random.Random(args.seed)
    filtered, keyword = filtered_queries(rng), keyword_queries(rng)
    with engine.connect() as connection, Session(bind=connection) as session:
        profiles = connection.exec_driver_sql("SELECT count(*) FROM discovery_profiles").scalar()
        print(f"{engine.dialect.name}: {profiles:,} indexed accounts"
              + (f" (index built in {build_seconds:.0f} s)" if build_seconds else ""))  # fmt: skip
        timed(session, settings, filtered[:20] + keyword[:20])  # warm the caches
        results = {"filtered": timed(session, settings, filtered)}
        results["keyword"] = timed(session, settings, keyword)
        with without_indexes(connection):
            slow_filtered = timed(session, settings, filtered[:BASELINE_QUERIES])
            slow_keyword = timed(session, settings, keyword[:BASELINE_QUERIES])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, (fast, found, cpu), (slow, _, slow_cpu) in (
        ("filtered search (fit)", results["filtered"], slow_filtered),
        ("keyword search", results["keyword"], slow_keyword),
    ):
        verdict = "ok" if fast < TARGET_P95_MS else "OVER TARGET"
        print(
            f"{name:24} p95 {fast:8.1f} ms  without indexes {slow:9.1f} ms  "
            f"ratio {slow / fast:6.1f}x  ({found / QUERIES:.1f} results/query, {verdict})"
        )
        print(f"{'':24} p95 CPU of this process {cpu:.1f} ms (without indexes {slow_cpu:.1f} ms)")
    print(f"peak RSS of this process: {rss:.0f} MB (target < 2048 MB)")
    engine.dispose()


if __name__ == "__main__":
    main()
