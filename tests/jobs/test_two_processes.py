"""The scale profile end to end: two `microreach serve` processes and one `microreach worker`
on a fresh PostgreSQL database and Redis. A brand runs a campaign through the API on one
process, creators accept, people click the creators' links on both processes, orders arrive
on the other, the rollup job runs on the worker, and the campaign's ledger (and report, when
that API exists) counts every click exactly once.

Runs only when the test database is PostgreSQL and Redis answers; it makes (and drops) its
own database, since the servers cannot see the rows of a test's open transaction.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from rq.job import Job

from microreach.config import load_settings
from microreach.db.session import Database
from microreach.jobs import registry
from microreach.jobs.environment import Jobs
from microreach.jobs.scheduler import REPORTS_JOB
from tests.accounts.support import PASSWORD, post, token
from tests.campaigns.support import BRIEF
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_account
from tests.jobs.conftest import redis_answers, stop_group
from tests.jobs.test_processes import _free_port
from tests.jobs.test_scheduler import wait_for

REDIS_URL = os.environ.get("MICROREACH_TEST_REDIS_URL_TWO", "redis://127.0.0.1:6379/12")
BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
SETTLE_SECONDS = 31  # the rollup leaves the last 30 s of clicks for its next run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith("postgresql"), reason="needs a PostgreSQL test database"
    ),
]


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    if not redis_answers(REDIS_URL):
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    server = sa.make_url(TEST_DATABASE_URL)
    name = f"mr_twoproc_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        stop_group(process)


def _start(
    args: list[str], env: dict[str, str], log: Path, started: list[subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "microreach", *args],
            env=env,
            stdout=sink,
            stderr=sink,
            start_new_session=True,
        )
    started.append(process)
    return process


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _api(client: httpx.Client, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"X-CSRF-Token": token(client, "/organisation")} if method != "GET" else {}
    return client.request(method, path, json=body, headers=headers)  # type: ignore[arg-type]


def _sign_up(client: httpx.Client, path: str, data: dict[str, str]) -> None:
    response = post(client, path, {**data, "password": PASSWORD}, page=path)  # type: ignore[arg-type]
    assert response.status_code == 303, response.text


def _accept(base: str, url: str, email: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as creator:
        _sign_up(creator, "/portal/sign-up", {"email": email, "display_name": "Cre Ator"})
        link = url[url.index("/portal/") :]
        fields = {
            "token": link.split("token=")[1],
            "answer": "accept",
            "csrf_token": token(creator, link),  # type: ignore[arg-type]
        }
        answer = creator.post("/portal/invitations", data=fields, follow_redirects=False)
        assert answer.status_code == 303, answer.text


def _click(base: str, slug: str, address: str) -> str:
    """One click from a browser at ``address``; the click id the destination received."""
    headers = {"User-Agent": BROWSER, "X-Forwarded-For": address}
    response = httpx.get(f"{base}/{slug}", headers=headers, follow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    return location.split("mr_cid=")[1].split("&")[0]


def test_two_web_processes_and_a_worker_count_every_click_once(
    workdir: Path, fresh_database: str, started: list[subprocess.Popen[bytes]]
) -> None:
    queue = f"mrtwo-{uuid.uuid4().hex[:8]}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
    env = {
        **clean,
        "MICROREACH_DATA_DIR": str(workdir / "data"),
        "MICROREACH_DATABASE_URL": fresh_database,
        "MICROREACH_REDIS_URL": REDIS_URL,
        "MICROREACH_SECRET_KEY": secrets.token_urlsafe(48),
        "MICROREACH_DESTINATION_CHECK_DNS": "false",
        "MICROREACH_LOG_LEVEL": "warning",
    }
    upgrade = subprocess.run(
        [sys.executable, "-m", "microreach", "db", "upgrade"],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    ports = [_free_port(), _free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    for i, port in enumerate(ports):
        _start(["serve", "--port", str(port)], env, workdir / f"web{i}.log", started)
    _start(["worker", "--queue", queue], env, workdir / "worker.log", started)

    settings = load_settings(environ=env)
    database = Database.from_settings(settings)
    try:
        with database.transaction() as session:  # creators arrive by import or refresh
            accounts = [make_account(session) for _ in range(2)]
            account_ids = [str(a.id) for a in accounts]
            creator_ids = [str(a.creator_id) for a in accounts]
        for base in bases:
            assert wait_for(lambda b=base: _healthy(b), 300), (workdir / "web0.log").read_text()
        _campaign_flow(bases, account_ids, creator_ids, database, queue, settings, workdir)
    finally:
        database.engine.dispose()


def _campaign_flow(
    bases: list[str],
    account_ids: list[str],
    creator_ids: list[str],
    database: Database,
    queue: str,
    settings: Any,
    workdir: Path,
) -> None:
    with httpx.Client(base_url=bases[0], timeout=30) as shop:
        _sign_up(
            shop,
            "/sign-up",
            {"email": "brand@example.com", "display_name": "Bea", "organisation_name": "Two Shop"},
        )
        today = datetime.now(UTC).date()
        dates = {
            "starts_on": str(today - timedelta(days=7)),
            "ends_on": str(today + timedelta(days=30)),
        }
        campaign = _api(shop, "POST", "/api/v1/campaigns", {**BRIEF, **dates}).json()
        cid = campaign["id"]
        status = _api(shop, "POST", f"/api/v1/campaigns/{cid}/status", {"status": "active"})
        assert status.status_code == 200, status.text
        emails = [f"creator{i}@example.com" for i in range(2)]
        body = {
            "creators": [
                {"account_id": a, "email": e} for a, e in zip(account_ids, emails, strict=True)
            ]
        }
        invited = _api(shop, "POST", f"/api/v1/campaigns/{cid}/invitations", body)
        assert invited.status_code == 201, invited.text
        for item, email in zip(invited.json(), emails, strict=True):
            _accept(bases[1], item["url"], email)
        slugs = []
        for creator in creator_ids:
            link = {"destination": "https://shop.example/shoes", "creator_id": creator}
            made = _api(shop, "POST", "/api/v1/links", {**link, "campaign_id": cid})
            assert made.status_code == 201, made.text
            slugs.append(made.json()["slug"])
        with database.engine.connect() as connection:
            slug_of_org = connection.execute(sa.text("SELECT slug FROM organisations")).scalar_one()
        key = _api(
            shop,
            "POST",
            f"/api/v1/organisations/{slug_of_org}/api-keys",
            {"name": "shop", "scopes": ["conversions:write"]},
        )
        assert key.status_code == 201, key.text
        secret = key.json()["secret"]

        # People click: creator 0's link 5 times on process A and 4 on B, creator 1's 3 on B.
        plan = [(0, 0, 5), (0, 1, 4), (1, 1, 3)]
        click_ids: dict[int, list[str]] = {0: [], 1: []}
        for creator, process, times in plan:
            for n in range(times):
                address = f"203.0.113.{10 * creator + n + 1}"
                click_ids[creator].append(_click(bases[process], slugs[creator], address))
        assert all(len(set(ids)) == len(ids) for ids in click_ids.values())

        # Orders arrive on process B, each naming the click that brought it; one is replayed.
        orders = [("o-1", click_ids[0][0], "40.00"), ("o-2", click_ids[0][6], "10.00")]
        orders.append(("o-3", click_ids[1][1], "25.50"))
        key_headers = {"Authorization": f"Bearer {secret}"}
        for order_id, click_id, amount in [*orders, orders[0]]:
            response = httpx.post(
                f"{bases[1]}/api/v1/conversions",
                json={
                    "order_id": order_id,
                    "amount": amount,
                    "currency": "EUR",
                    "click_id": click_id,
                },
                headers=key_headers,
                timeout=30,
            )
            assert response.status_code in (200, 201), response.text

        # The rollup runs on the worker, once the clicks are older than its settle time.
        time.sleep(SETTLE_SECONDS)
        jobs = Jobs(settings, database, queue)
        for _ in range(2):  # twice: a second run changes nothing
            sent = jobs.enqueue("links.rollup_clicks")
            assert sent.state == "queued" and sent.job_id
            job = Job.fetch(sent.job_id, connection=jobs.redis())
            done = wait_for(lambda j=job: j.get_status(refresh=True) in ("finished", "failed"), 90)
            assert done and job.get_status() == "finished", (workdir / "worker.log").read_text()
        jobs.close()

        with database.engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT count(*) FROM clicks")).scalar_one()
            rolled = connection.execute(
                sa.text("SELECT coalesce(sum(clicks), 0) FROM click_rollups")
            ).scalar_one()
        assert stored == rolled == 12

        ledger = _api(shop, "GET", f"/api/v1/campaigns/{cid}/ledger").json()
        by_creator = {line["creator_id"]: line for line in ledger}
        assert by_creator[creator_ids[0]]["clicks"] == 9
        assert by_creator[creator_ids[1]]["clicks"] == 3
        assert by_creator[creator_ids[0]]["conversions"] == 2
        assert by_creator[creator_ids[0]]["revenue"] == 5000
        assert by_creator[creator_ids[1]]["conversions"] == 1
        assert by_creator[creator_ids[1]]["revenue"] == 2550

        schema = shop.get("/api/openapi.json").json()
        if "/api/v1/campaigns/{campaign_id}/report" in schema.get("paths", {}):
            _refresh_report_model(settings, database, queue, workdir)
            report = _api(shop, "GET", f"/api/v1/campaigns/{cid}/report")
            assert report.status_code == 200, report.text
            metrics = report.json()["metrics"]
            assert (metrics["clicks_human"], metrics["conversions"]) == (12, 3), report.text
            assert metrics["revenue"] == 7550


def _refresh_report_model(settings: Any, database: Database, queue: str, workdir: Path) -> None:
    """The reports read model follows the rollups: through the worker when reports register
    their job, else by the module's own cron entry point."""
    if REPORTS_JOB in registry.names():
        jobs = Jobs(settings, database, queue)
        sent = jobs.enqueue(REPORTS_JOB)
        job = Job.fetch(sent.job_id or "", connection=jobs.redis())
        done = wait_for(lambda: job.get_status(refresh=True) in ("finished", "failed"), 90)
        assert done and job.get_status() == "finished", (workdir / "worker.log").read_text()
        jobs.close()
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
    env |= {
        "MICROREACH_DATA_DIR": str(settings.data_dir),
        "MICROREACH_DATABASE_URL": settings.database_url,
        "MICROREACH_SECRET_KEY": settings.secret_key,
    }
    ran = subprocess.run(
        [sys.executable, "-m", "microreach.reports.tasks"],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
