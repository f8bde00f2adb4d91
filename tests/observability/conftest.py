"""Fixtures for the observability tests: captured JSON logs, scratch databases, a real Redis."""

from __future__ import annotations

import io
import json
import logging
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from microreach.config import Settings
from microreach.db.engine import make_engine
from microreach.db.session import Database
from microreach.observability.logs import OWN_LOGGERS, configure_logging
from tests.conftest import TEST_DATABASE_URL
from tests.web.support import TestClient, running_client


class LogLines:
    """What the JSON handler wrote, parsed."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def of(self, logger: str) -> list[dict[str, Any]]:
        return [entry for entry in self.all() if entry["logger"] == logger]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    own = {name: logging.getLogger(name).level for name in OWN_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in own.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture
def json_logs(restore_logging: None) -> LogLines:
    stream = io.StringIO()
    configure_logging(log_format="json", level="debug", stream=stream)
    return LogLines(stream)


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(settings, database) as client:
        yield client


@pytest.fixture
def scratch_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty database of the test run's kind: a new SQLite file, or a new PostgreSQL
    schema (dropped afterwards) on the test server."""
    if not TEST_DATABASE_URL:
        engine = make_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def unreachable_database_url(tmp_path: Path) -> str:
    """A URL of the test run's kind that no database answers."""
    if TEST_DATABASE_URL:
        return "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2"
    return f"sqlite:///{tmp_path / 'no-such-directory' / 'x.db'}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_redis(password: str | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real redis-server on a free port: its URL and process (skipped without Redis)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    if password:
        args += ["--requirepass", password]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        credentials = f":{password}@" if password else ""
        yield f"redis://{credentials}127.0.0.1:{port}/0", process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A session-wide redis-server that wants the password s3cret; its URL."""
    with running_redis("s3cret") as (url, _):
        yield url
