"""Query plans: the typical filtered search reads the niche index, keywords the text index."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.discovery import repository, service
from microreach.discovery.indexer import IndexResult
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
    stmt = repository.search_statement([], matches, "relevance", None, 26)
    plan = _plan(connection, stmt)
    if connection.dialect.name == "sqlite":
        assert "VIRTUAL TABLE INDEX" in plan and "discovery_fts" in plan, plan
        assert "SEARCH discovery_profiles USING INTEGER PRIMARY KEY" in plan, plan
    else:
        assert "discovery_fts_gin" in plan, plan
