"""Query plans: the typical filtered search reads the niche index, keywords the text index."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.discovery import repository, service
from microreach.discovery.indexer import IndexResult
from microreach.discovery.models import DiscoveryProfile
from microreach.discovery.schemas import SearchParams
from microreach.discovery.search import fts
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


def test_keyword_windows_find_the_same_rows_as_one_read(
    connection: Connection, indexed: IndexResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The doc_id windows (PostgreSQL keyword reads) give the rows one ordered read gives."""
    profiles = cast(sa.Table, DiscoveryProfile.__table__)
    like = fts.KeywordMatch(
        None, profiles.c.search_doc.like("%o%"), sa.literal(0.0), profiles.c.doc_id
    )
    stmt = sa.select(profiles.c.doc_id, profiles.c.handle).where(profiles.c.platform != "x")
    for cap in (1, 7, 60, 10_000):
        expected = list(connection.execute(repository.best_first(stmt, like, cap)))
        monkeypatch.setattr(repository, "WINDOW_START", 1)
        monkeypatch.setattr(repository, "WINDOW_GROWTH", 2)
        assert repository.best_rows(connection, stmt, like, cap) == expected, cap
        monkeypatch.undo()
    assert 60 < len(expected) < 10_000
    grouped = sa.select(profiles.c.platform, profiles.c.tier)
    for cap in (5, 50):
        plain = Counter(
            tuple(r) for r in connection.execute(repository.best_first(grouped, like, cap))
        )
        monkeypatch.setattr(repository, "WINDOW_START", 1)
        counted: Counter[tuple[Any, ...]] = Counter()
        for row in repository.best_rows(connection, grouped, like, cap, counted=True):
            counted[tuple(row)[:-1]] += row.n
        monkeypatch.undo()
        assert counted == plain and sum(plain.values()) == cap


def test_keyword_facets_read_the_narrow_index(connection: Connection, indexed: IndexResult) -> None:
    matches = fts.matches(connection.dialect.name, parse_query("ootd"), False)
    plan = _plan(connection, repository.facet_statement([], matches, 5000))
    if connection.dialect.name == "sqlite":
        assert "COVERING INDEX ix_discovery_profiles_best" in plan, plan
        assert "SCAN discovery_profiles" not in plan, plan
