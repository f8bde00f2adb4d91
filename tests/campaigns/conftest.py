"""Clients on the app for the campaigns tests: one per browser, each with its own cookies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from microreach.config import Settings
from microreach.db.session import Database
from tests.web.support import TestClient, running_client


@pytest.fixture
def new_client(settings: Settings, database: Database) -> Iterator[Callable[[], TestClient]]:
    with ExitStack() as stack:
        yield lambda: stack.enter_context(running_client(settings, database))
