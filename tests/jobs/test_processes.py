"""The job commands as an operator runs them: real processes, one-line errors, a scheduler
killed with SIGKILL replaced by its standby, and `serve --workers 2` running the periodic
jobs once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import Engine

from tests.jobs.conftest import REDIS_URL, stop_group
from tests.jobs.test_scheduler import wait_for
from tests.test_cli import assert_one_line_error, run


def _env(extra: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
    return {**clean, **extra}


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_without_redis_the_job_commands_say_so_in_one_line(tmp_path: Path, command: str) -> None:
    result = run([command], {"MICROREACH_DATA_DIR": str(tmp_path)})
    assert_one_line_error(result, "MICROREACH_REDIS_URL")
    assert f"`microreach {command}` needs Redis" in result.stderr


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        stop_group(process)


def _database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.slow
def test_a_killed_scheduler_is_replaced_by_the_standby(
    workdir: Path,
    engine: Engine,
    redis_client: redis.Redis,
    prefix: str,
    processes: list[subprocess.Popen[str]],
) -> None:
    env = _env(
        {
            "MICROREACH_DATA_DIR": str(workdir),
            "MICROREACH_DATABASE_URL": _database_url(engine),
            "MICROREACH_REDIS_URL": REDIS_URL,
            "MICROREACH_SCHEDULER_LEASE_SECONDS": "1",
            "MICROREACH_SCHEDULE_ROLLUP_SECONDS": "1",
        }
    )
    key = f"{prefix}:scheduler:leader"

    def leader_pid() -> int | None:
        value = redis_client.get(key)
        return int(str(value, "utf-8").split(":")[1]) if isinstance(value, bytes) else None

    command = [sys.executable, "-m", "microreach", "scheduler", "--queue", prefix]
    logs = [workdir / "first.log", workdir / "second.log"]
    with logs[0].open("w") as sink:
        first = subprocess.Popen(command, env=env, stderr=sink, text=True, start_new_session=True)
    processes.append(first)
    assert wait_for(lambda: leader_pid() == first.pid, 240), logs[0].read_text()
    led = time.monotonic()
    with logs[1].open("w") as sink:
        second = subprocess.Popen(command, env=env, stderr=sink, text=True, start_new_session=True)
    processes.append(second)
    assert wait_for(lambda: "standing by" in logs[1].read_text() or bool(second.poll()), 240)
    assert leader_pid() == first.pid and second.poll() is None, logs[1].read_text()
    os.kill(first.pid, signal.SIGKILL)
    killed = time.monotonic()
    assert wait_for(lambda: leader_pid() == second.pid, 10), logs[1].read_text()
    assert time.monotonic() - killed < 5

    # Rollups were enqueued by one scheduler at a time: at most one job per one-second slot.
    # The new leader enqueues its first one within a slot or two of taking over (on a fast
    # machine the first leader may have had a single slot before it was killed).
    def queued() -> list[str]:
        ids = [i.decode() for i in redis_client.lrange(f"rq:queue:{prefix}", 0, -1)]  # type: ignore[union-attr]
        assert len(set(ids)) == len(ids)
        return [i for i in ids if i.startswith("periodic-links_rollup_clicks-")]

    assert wait_for(lambda: len(queued()) >= 2, 10), queued()
    assert len(queued()) <= time.monotonic() - led + 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_with_two_workers_on_sqlite_runs_the_periodic_jobs_once(
    workdir: Path, processes: list[subprocess.Popen[str]]
) -> None:
    # A slot is whole intervals since the epoch: with the default 300 s a start just before a
    # five-minute boundary rightly runs the job twice (one per slot), so use a day-long slot.
    env = _env(
        {
            "MICROREACH_DATA_DIR": str(workdir),
            "MICROREACH_LOG_FORMAT": "text",
            "MICROREACH_SCHEDULE_ROLLUP_SECONDS": "86400",
        }
    )
    assert run(["db", "upgrade"], {"MICROREACH_DATA_DIR": str(workdir)}).returncode == 0
    port = _free_port()
    log = workdir / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "microreach", "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stderr=sink,
            text=True,
            start_new_session=True,
        )
    processes.append(server)

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_for(healthy, 300), log.read_text()
    assert wait_for(lambda: "job links.rollup_clicks done" in log.read_text(), 30)
    text = log.read_text()
    assert "one SQLite file" in text
    assert text.count("scheduler: leading") == 1
    assert text.count("job links.rollup_clicks done") == 1


def test_jobs_run_runs_a_job_now_and_names_a_bad_argument(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path)}
    assert run(["db", "upgrade"], env).returncode == 0
    listed = run(["jobs", "list"], env)
    assert "links.rollup_clicks\tevery 300 s" in listed.stdout
    ran = run(["jobs", "run", "links.rollup_clicks"], env)
    assert ran.returncode == 0 and "links.rollup_clicks: ran" in ran.stdout, ran.stderr
    bad = run(["jobs", "run", "connectors.refresh_due", "--arg", "limit=zero"], env)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("error: limit:")
