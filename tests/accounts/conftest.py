"""Clients on the app for the accounts tests: one per browser, each with its own cookies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from microreach.config import Settings
from microreach.db.session import Database
from tests.web.support import TestClient, running_client


@pytest.fixture
def new_client(settings: Settings, database: Database) -> Iterator[Callable[[], TestClient]]:
    """Makes another browser: a client with an empty cookie jar on the same app and database."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(running_client(settings, database))


@pytest.fixture
def client(new_client: Callable[[], TestClient]) -> TestClient:
    return new_client()
