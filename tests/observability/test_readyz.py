"""/readyz: the database answers, migrations are current, Redis answers; else 503 with why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from microreach.config import Settings
from microreach.db import migrate
from microreach.db.engine import make_engine
from microreach.db.session import Database
from microreach.links.slugs import RESERVED_SLUGS
from microreach.observability.readiness import ReadinessProbe, redis_check
from tests.observability.conftest import free_port, running_redis, unreachable_database_url
from tests.web.support import TestClient, app_of, running_client


def readyz(settings: Settings, database: Database) -> tuple[int, dict[str, Any]]:
    with running_client(settings, database) as client:
        response = client.get("/readyz")
    return response.status_code, response.json()


def test_ready_when_the_database_answers_and_is_migrated(client: TestClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "skip"


def test_not_ready_when_the_database_does_not_answer(settings: Settings, tmp_path: Path) -> None:
    url = unreachable_database_url(tmp_path)
    broken = Database.from_engine(make_engine(url))
    probe = ReadinessProbe(broken.engine, None)
    readiness = probe.run()

    assert not readiness.ready
    assert readiness.failed == ["database"]
    assert readiness.checks["migrations"].status == "skip"
    body = readiness.as_json()
    assert "127.0.0.1" not in str(body) and "no-such-directory" not in str(body)


def test_not_ready_when_migrations_are_behind(
    settings: Settings, database: Database, scratch_engine: Engine
) -> None:
    empty = ReadinessProbe(scratch_engine, None).run()
    migrate.upgrade(scratch_engine, "0001")
    behind = ReadinessProbe(scratch_engine, None).run()

    for readiness, shown in ((empty, "empty"), (behind, "0001")):
        assert readiness.failed == ["migrations"]
        detail = readiness.checks["migrations"].detail or ""
        assert f"at {shown}" in detail and "microreach db upgrade" in detail
    status, body = readyz(settings, Database.from_engine(scratch_engine))
    assert status == 503 and body["failed"] == ["migrations"]


def test_ready_with_redis_answering_ping(
    settings: Settings, database: Database, redis_server: str
) -> None:
    status, body = readyz(settings.model_copy(update={"redis_url": redis_server}), database)

    assert status == 200
    assert body["checks"]["redis"] == {"status": "ok", "detail": None}


def test_not_ready_when_redis_goes_down(settings: Settings, database: Database) -> None:
    with running_redis() as (url, process):
        redis_settings = settings.model_copy(update={"redis_url": url})
        with running_client(redis_settings, database) as client:
            up = client.get("/readyz")
            process.terminate()
            process.wait(timeout=10)
            down = client.get("/readyz")

    assert up.status_code == 200
    assert down.status_code == 503
    body = down.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert redis_check(f"redis://127.0.0.1:{free_port()}/0").status == "fail"


def test_not_ready_when_redis_refuses_the_password(redis_server: str) -> None:
    wrong = redis_server.replace(":s3cret@", ":wrong@")
    missing = redis_server.replace(":s3cret@", "")

    assert redis_check(redis_server).status == "ok"
    assert redis_check(wrong).status == "fail"
    assert redis_check(missing).status == "fail"
    assert redis_check("http://127.0.0.1:6379").status == "fail"


def test_readyz_answers_503_and_healthz_200_when_the_database_is_down(
    settings: Settings, tmp_path: Path
) -> None:
    broken = Database.from_engine(make_engine(unreachable_database_url(tmp_path)))
    with running_client(settings, broken) as client:
        health = client.get("/healthz")
        ready = client.get("/readyz")

    assert health.status_code == 200
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable" and body["failed"] == ["database"]
    assert body["checks"]["database"]["status"] == "fail"


def test_every_first_path_segment_the_app_serves_is_a_reserved_slug(client: TestClient) -> None:
    segments = {
        path.strip("/").split("/")[0]
        for route in app_of(client).router.routes
        if isinstance(path := getattr(route, "path", None), str)
    }
    served = {s for s in segments if s and not s.startswith("{")}

    assert {s for s in served if s.lower() not in RESERVED_SLUGS} == set()
