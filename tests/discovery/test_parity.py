"""Keyword search gives the same accounts on SQLite (FTS5) and PostgreSQL (tsvector) for the
same data: the PostgreSQL run of the suite builds a second, SQLite database from the same seed
and compares every query's results id for id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db import migrate
from microreach.db.engine import make_engine
from microreach.discovery import service
from microreach.discovery.indexer import IndexResult
from microreach.discovery.schemas import SearchParams, SearchSort
from microreach.scores import service as scores
from microreach.synthetic import service as synthetic
from tests.discovery.conftest import AS_OF, CREATORS, NOW

QUERIES = ("ootd", "vintage thrift*", "recipe", "coffee morning", "fi*", "dog* walk*", "café")


def _ids(session: Session, settings: Settings, query: str, sort: SearchSort) -> list[Any]:
    items: list[str] = []
    cursor = None
    while True:
        params = SearchParams(q=query, sort=sort, limit=50, cursor=cursor)
        page = service.search(session, settings, params, now=NOW)
        items.extend(str(i.account_id) for i in page.items)
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def test_same_ids_on_sqlite_and_postgresql(
    connection: Connection,
    session: Session,
    settings: Settings,
    indexed: IndexResult,
    tmp_path: Path,
) -> None:
    if connection.dialect.name != "postgresql":
        pytest.skip("run with MICROREACH_TEST_DATABASE_URL=postgresql+psycopg://... to compare")
    engine = make_engine(f"sqlite:///{tmp_path / 'parity.db'}")
    migrate.upgrade(engine)
    with engine.connect() as other:
        synthetic.generate(other, creators=CREATORS, seed=11, secret_key="k", as_of=AS_OF)
        scores.score_all(other, tier_scheme="brief", now=NOW)
        service.refresh_index(other, tier_scheme="brief")
        other.commit()
    with Session(engine) as sqlite_session:
        for query in QUERIES:
            postgres_ids = _ids(session, settings, query, SearchSort.ENGAGEMENT)
            sqlite_ids = _ids(sqlite_session, settings, query, SearchSort.ENGAGEMENT)
            assert postgres_ids == sqlite_ids, query
            assert sorted(_ids(session, settings, query, SearchSort.RELEVANCE)) == sorted(
                _ids(sqlite_session, settings, query, SearchSort.RELEVANCE)
            )
        assert any(_ids(session, settings, q, SearchSort.ENGAGEMENT) for q in QUERIES)
    engine.dispose()
