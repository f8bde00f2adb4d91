"""An HTTP client on the app for the creators tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from microreach.config import Settings
from microreach.db.session import Database
from tests.web.support import TestClient, running_client


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(settings, database) as client:
        yield client
