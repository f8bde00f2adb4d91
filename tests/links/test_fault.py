"""Crash safety: SIGKILL the redirect server under load; every delivered 302's click is stored
exactly once after a restart (embedded profile, SQLite file)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts.models import Organisation
from microreach.config import Settings
from microreach.db import migrate
from microreach.db.engine import make_engine
from microreach.kit.clock import utcnow
from microreach.links.models import ClickRollup, Link
from microreach.links.tasks import rollup_clicks
from tests.links.conftest import BROWSER_UA

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(tmp_path: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MICROREACH_")}
    env |= {"MICROREACH_DATABASE_URL": url, "MICROREACH_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "uvicorn", "--factory"]
    command += ["microreach.links.redirect:create_redirect_app", "--port", str(port)]
    process = subprocess.Popen([*command, "--log-level", "warning"], env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the redirect server did not start")


def seed(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = utcnow()
    organisation_id = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Organisation).values(
                id=organisation_id, name="Crash", slug="crash", created_at=now
            )
        )
        connection.execute(
            sa.insert(Link).values(
                id=uuid.uuid4(),
                organisation_id=organisation_id,
                slug="crash1",
                destination="https://shop.example.com/",
                enabled=True,
                created_at=now,
                updated_at=now,
            )
        )
    engine.dispose()


async def load(port: int, delivered: list[str], seconds: float) -> None:
    stop = time.monotonic() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            try:
                response = await client.get("/crash1")
            except httpx.HTTPError:
                return
            if response.status_code == 302:
                delivered.append(
                    parse_qs(urlsplit(response.headers["location"]).query)["mr_cid"][0]
                )

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"User-Agent": BROWSER_UA}, timeout=5
    ) as client:
        await asyncio.gather(*(worker(client) for _ in range(32)))


def test_sigkill_mid_load_loses_no_delivered_click(tmp_path: Path, settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    seed(url)
    port = free_port()
    server = start_server(tmp_path, url, port)
    delivered: list[str] = []

    async def run() -> None:
        task = asyncio.create_task(load(port, delivered, seconds=30))
        deadline = time.monotonic() + 20
        while len(delivered) < 300 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        os.kill(server.pid, signal.SIGKILL)
        await task

    asyncio.run(run())
    server.wait()
    assert len(delivered) >= 300
    journals = tmp_path / "data" / "click-journal"
    assert list(journals.glob("*.journal"))  # the killed process's journal is left behind
    restarted = start_server(tmp_path, url, port)
    try:
        # Replayed and deleted at start-up: only the new process's own segment is left.
        assert len(list(journals.glob("*.journal"))) == 1
        engine = make_engine(url)
        with engine.connect() as connection:
            stored = {
                row[0] for row in connection.exec_driver_sql("SELECT id FROM clicks").fetchall()
            }
            total = connection.exec_driver_sql("SELECT count(*) FROM clicks").scalar_one()
        engine.dispose()
    finally:
        restarted.terminate()
        restarted.wait(timeout=20)
    assert total == len(stored)
    assert set(delivered) <= stored  # ids are stored as 32 hex digits, as mr_cid carries them
    assert len(stored) - len(delivered) <= 32  # at most the requests in flight at the kill
    # After the kill and the replay, the rollups count every stored click once.
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        rollup_clicks(session, settings, utcnow() + timedelta(minutes=1))
        rolled = session.scalar(sa.select(sa.func.sum(ClickRollup.clicks)))
    engine.dispose()
    assert rolled == total
