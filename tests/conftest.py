"""Test database: SQLite by default, PostgreSQL when MICROREACH_TEST_DATABASE_URL is set.

The schema is migrated once per run; every test runs inside one transaction that is rolled
back afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from microreach.config import Settings, load_settings
from microreach.db import migrate
from microreach.db.engine import make_engine
from microreach.db.session import Database

TEST_DATABASE_URL = os.environ.get("MICROREACH_TEST_DATABASE_URL", "")


def pytest_report_header() -> str:
    return f"microreach test database: {TEST_DATABASE_URL or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            yield connection
        finally:
            outer.rollback()


@pytest.fixture
def database(connection: Connection) -> Database:
    """A Database whose sessions all join the test's transaction (commits become savepoints)."""
    sessions = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return Database(engine=connection.engine, sessions=sessions)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.sessions() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        environ={},
        data_dir=tmp_path / "data",
        env="test",
        database_url=TEST_DATABASE_URL or None,
    )
