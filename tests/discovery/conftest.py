"""Discovery tests: a scored synthetic population, indexed, and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection

from microreach.config import Settings
from microreach.db.session import Database
from microreach.discovery import service
from microreach.discovery.indexer import IndexResult
from microreach.scores import service as scores
from microreach.synthetic import service as synthetic
from tests.web.support import TestClient, running_client

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 2, tzinfo=UTC)
CREATORS = 150


@pytest.fixture
def indexed(connection: Connection) -> IndexResult:
    synthetic.generate(connection, creators=CREATORS, seed=11, secret_key="k", as_of=AS_OF)
    scores.score_all(connection, tier_scheme="brief", now=NOW)
    return service.refresh_index(connection, tier_scheme="brief")


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(settings, database) as client:
        yield client
