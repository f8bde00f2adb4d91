"""Job tests: an inline job environment on the test database, and Redis when it answers
(db 11 of MICROREACH_TEST_REDIS_URL's server, keys and queues named per test)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from microreach.config import Settings
from microreach.db.session import Database
from microreach.jobs import environment
from microreach.jobs.environment import Jobs
from tests.jobs import sample

assert sample.SEEN is not None  # importing it registers the tests' own jobs
REDIS_URL = os.environ.get("MICROREACH_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def redis_answers(url: str = REDIS_URL) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def inline_jobs(settings: Settings, database: Database) -> Iterator[Jobs]:
    """The process's job environment for this test: inline, on the test's transaction."""
    jobs = environment.configure(settings, database)
    yield jobs
    environment._current = None


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    if not redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A unique name for this test's queue and keys; every key under it is deleted after."""
    name = f"mrtest-{uuid.uuid4().hex[:10]}"
    yield name
    keys = list(redis_client.scan_iter(match=f"*{name}*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def redis_jobs(
    settings: Settings, database: Database, prefix: str, redis_client: redis.Redis
) -> Iterator[Jobs]:
    """The process's job environment on Redis (a per-test queue), on the test's transaction."""
    scaled = settings.model_copy(update={"redis_url": REDIS_URL})
    jobs = environment.configure(scaled, database, queue_name=prefix)
    yield jobs
    jobs.close()
    environment._current = None


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A private directory for server processes. Not pytest's tmp_path: other pytest sessions
    on the machine prune old tmp_path trees, which would pull a data directory from under a
    running server."""
    with tempfile.TemporaryDirectory(prefix="microreach-jobs-") as name:
        yield Path(name)


def stop_group(process: subprocess.Popen[Any], grace: float = 15.0) -> None:
    """Stop a process started with ``start_new_session=True`` and every process it started
    (uvicorn's workers, rq's scheduler): SIGTERM to the group, SIGKILL after ``grace``."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(10)
