"""Query plans: the typical filtered search reads the niche index, keywords the text index."""

from __future__ import annotations

import dataclasses
import struct
from collections import Counter
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.discovery import repository, service
from microreach.discovery.indexer import IndexResult
from microreach.discovery.models import DiscoveryProfile
from microreach.discovery.schemas import SearchParams
from microreach.discovery.search import fts, postings
from microreach.discovery.search.tokens import parse_query
from tests.discovery.conftest import NOW

TYPICAL = SearchParams(
    platform=["instagram"],
    tier=["micro"],
    niche=["food", "travel"],
    min_er_percentile=50,
    min_authenticity=70,
    country=["US"],
)


def _plan(connection: Connection, stmt: sa.Select[Any]) -> str:
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
        return "\n".join(str(row[-1]) for row in rows)
    # Tiny test tables make sequential scans cheapest; ask whether an index can serve.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {sql}").all())
    connection.exec_driver_sql("SET LOCAL enable_seqscan = on")
    return plan


def test_filtered_search_uses_the_niche_index(connection: Connection, indexed: IndexResult) -> None:
    clauses = service.filter_clauses(TYPICAL, "brief", NOW)
    stmt = repository.candidates_statement(clauses, None, 2000, False, repository.FIT_COLUMNS)
    plan = _plan(connection, stmt)
    if connection.dialect.name == "sqlite":
        assert "SEARCH discovery_niches USING PRIMARY KEY" in plan, plan
        assert "SCAN discovery_profiles" not in plan, plan
    else:
        assert "pk_discovery_niches" in plan, plan
        assert "Seq Scan" not in plan, plan


def test_keyword_search_uses_the_text_index(connection: Connection, indexed: IndexResult) -> None:
    matches = fts.matches(connection.dialect.name, parse_query("vintage thrift*"), True)
    stmt = repository.relevance_statement([], matches, 1000)
    plan = _plan(connection, stmt)
    if connection.dialect.name == "sqlite":
        assert "VIRTUAL TABLE INDEX" in plan and "discovery_fts" in plan, plan
        assert "SEARCH discovery_profiles USING" in plan, plan
        assert "SCAN discovery_profiles" not in plan and "TEMP B-TREE" not in plan, (
            plan
        )  # FTS5 walks doc ids down and the LIMIT stops it
    else:
        assert "discovery_fts_terms_gin" in plan or "pk_discovery_profiles" in plan, plan


def test_keyword_words_stay_inline_on_postgresql(
    connection: Connection, indexed: IndexResult
) -> None:
    """The words a keyword read tests are kept in the row (STORAGE MAIN), without positions,
    and the GIN index is on them (migration 0017)."""
    if connection.dialect.name != "postgresql":
        pytest.skip("PostgreSQL keyword layout")
    storage = connection.exec_driver_sql(
        "SELECT attstorage FROM pg_attribute WHERE attrelid = 'discovery_profiles'::regclass "
        "AND attname = 'discovery_fts_terms'"
    ).scalar()
    assert storage == "m"
    indexes = (
        connection.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'discovery_profiles' "
            "AND indexdef LIKE '%%gin%%'"
        )
        .scalars()
        .all()
    )
    assert indexes == [
        "CREATE INDEX discovery_fts_terms_gin ON public.discovery_profiles "
        "USING gin (discovery_fts_terms)"
    ]
    same, positions = connection.exec_driver_sql(
        "SELECT bool_and(discovery_fts_terms = strip(to_tsvector('simple', search_doc))), "
        "bool_or(discovery_fts_terms::text LIKE '%%:%%') FROM discovery_profiles"
    ).one()
    assert same is True and positions is False


def test_facets_read_the_niche_index(connection: Connection, indexed: IndexResult) -> None:
    clauses = service.filter_clauses(TYPICAL, "brief", NOW)
    plan = _plan(connection, repository.facet_statement(clauses, None, 5000))
    if connection.dialect.name == "sqlite":
        assert "SEARCH discovery_niches USING PRIMARY KEY" in plan, plan
        assert "SCAN discovery_profiles" not in plan, plan
    else:
        assert "pk_discovery_niches" in plan, plan
        assert "Seq Scan" not in plan, plan


QUERIES = ("o*", "ootd", "vintage thrift*", "fi* s*", "recipe", "a* e* i*", "zzzz", "c*")


def _postgresql_only(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        pytest.skip("PostgreSQL keyword reads")


def test_postings_hold_exactly_the_indexed_words(
    connection: Connection, indexed: IndexResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every (word, document) pair of ``discovery_fts_terms`` is in the posting lists once, and
    nothing else, whatever the block size."""
    _postgresql_only(connection)
    expected = set(
        connection.exec_driver_sql(
            "SELECT w, doc_id FROM discovery_profiles, "
            "unnest(tsvector_to_array(discovery_fts_terms)) AS w"
        ).all()
    )
    for bits in (16, 4):
        monkeypatch.setattr(postings, "BLOCK_BITS", bits)
        postings.rebuild(connection)
        pairs: list[tuple[str, int]] = []
        for word, block, docs in connection.exec_driver_sql(
            "SELECT word, block, docs FROM discovery_fts_postings"
        ):
            for (offset,) in struct.iter_unpack(">h", docs):
                pairs.append((word, (block << bits) + offset + 32768))
        assert len(pairs) == len(set(pairs)) and set(pairs) == expected, bits
    assert len(expected) > 1000


def test_keyword_reads_find_the_rows_the_text_index_finds(
    connection: Connection, indexed: IndexResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads from the posting lists, in small blocks and batches, give the rows, in the same
    order, that one statement over the GIN index gives: with and without other filters, under
    a cursor, counted for the facets."""
    _postgresql_only(connection)
    monkeypatch.setattr(postings, "BLOCK_BITS", 4)  # 16 doc ids a block: many blocks
    postings.rebuild(connection)
    monkeypatch.setattr(repository, "FILTERED_START", 1)
    monkeypatch.setattr(repository, "BATCH_GROWTH", 2)
    profiles = cast(sa.Table, DiscoveryProfile.__table__)
    top = connection.execute(sa.select(sa.func.max(profiles.c.doc_id))).scalar_one()
    compared = 0
    for query in QUERIES:
        matches = fts.matches("postgresql", parse_query(query), True)
        gin = dataclasses.replace(matches, terms=())  # the statement over the GIN index
        for clauses in ([], [profiles.c.platform == "instagram"], [profiles.c.followers < 9000]):
            stmt = sa.select(profiles.c.doc_id, matches.rank.label("rank")).where(*clauses)
            facets = sa.select(profiles.c.platform, profiles.c.tier).where(*clauses)
            for cap, below in ((1, None), (7, None), (60, None), (10_000, None), (20, top // 2)):
                expected = repository.best_rows(connection, stmt, gin, cap, below=below)
                got = repository.best_rows(connection, stmt, matches, cap, below=below)
                assert got == expected, (query, clauses, cap, below)
                counted = [
                    _counts(
                        repository.best_rows(connection, facets, m, cap, counted=True, below=below)
                    )
                    for m in (gin, matches)
                ]
                assert counted[0] == counted[1], (query, clauses, cap, below)
                compared += len(expected)
    assert compared > 1000


def _counts(rows: list[sa.Row[Any]]) -> Counter[tuple[Any, ...]]:
    out: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        out[tuple(row)[:-1]] += row.n
    return out


def test_keyword_facets_read_the_narrow_index(connection: Connection, indexed: IndexResult) -> None:
    matches = fts.matches(connection.dialect.name, parse_query("ootd"), False)
    plan = _plan(connection, repository.facet_statement([], matches, 5000))
    if connection.dialect.name == "sqlite":
        assert "COVERING INDEX ix_discovery_profiles_best" in plan, plan
        assert "SCAN discovery_profiles" not in plan, plan


def _niche_reads(
    connection: Connection,
    params: SearchParams,
    cap: int,
    below: int | None,
) -> tuple[list[Any], list[Any], Counter[tuple[Any, ...]]]:
    clauses, niches = service.split_filters(params, "brief", NOW)
    after = None if below is None else (0.0, below)
    rows = repository.search(connection, clauses, None, "engagement", after, cap, niches)
    fit = repository.candidates(
        connection, clauses, None, cap, False, repository.FIT_COLUMNS, niches
    )
    facets: Counter[tuple[Any, ...]] = Counter()
    for row in repository.facet_rows(connection, clauses, None, cap, niches):
        facets[tuple(row[:-1])] += row[-1]
    return rows, fit, facets


def test_niche_filters_read_in_doc_id_order_find_the_same_rows(
    connection: Connection, indexed: IndexResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads a niche filter naming every key column from the niche index in doc_id
    order (``NicheIds``), in batches: the same rows, in the same order, as the niche clause in
    one statement, for searches, fit candidates and facets, under a cursor."""
    _postgresql_only(connection)
    monkeypatch.setattr(repository, "FILTERED_START", 1)
    monkeypatch.setattr(repository, "BATCH_GROWTH", 2)
    searches = [
        TYPICAL,
        SearchParams(
            platform=["instagram", "tiktok"],
            tier=["micro", "nano"],
            niche=["food"],
            country=["US", "GB", "FR"],
        ),
        SearchParams(
            platform=["instagram"],
            tier=["micro"],
            niche=["fashion", "beauty"],
            country=["US"],
            min_authenticity=90,
        ),
    ]
    compared = 0
    for params in searches:
        _, niches = service.split_filters(params, "brief", NOW)
        assert niches is not None and niches.ordered(connection)
        for cap, below in ((1, None), (5, None), (40, None), (10_000, None), (10, 150)):
            monkeypatch.setattr(repository, "ORDERED_NICHE_RANGES", 0)  # the clause
            expected = _niche_reads(connection, params, cap, below)
            monkeypatch.setattr(repository, "ORDERED_NICHE_RANGES", 16)  # NicheIds
            assert _niche_reads(connection, params, cap, below) == expected, (params, cap)
            compared += len(expected[0])
    assert compared > 40  # 150 creators: a few dozen rows match these filters
