"""Structured logs: JSON shape, text format, request ids from the request into jobs."""

from __future__ import annotations

import io
import logging
import re
import threading
from contextvars import copy_context

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from microreach.config import Settings
from microreach.db.session import Database
from microreach.observability.context import (
    accept_request_id,
    bind_request_id,
    current_request_id,
)
from microreach.observability.logs import configure_logging, setup_logging
from tests.observability.conftest import LogLines
from tests.properties.strategies import AS_OF
from tests.web.support import TestClient, app_of, running_client

HEX_ID = re.compile(r"[0-9a-f]{32}")
logger = logging.getLogger("microreach.tests.observability")


def test_a_json_line_has_time_level_logger_message_request_id_and_extras(
    json_logs: LogLines,
) -> None:
    with bind_request_id("req-1"):
        logger.info("batch of %d", 3, extra={"clicks": 3, "link": "abc"})

    [entry] = json_logs.of(logger.name)
    assert entry["message"] == "batch of 3"
    assert entry["level"] == "INFO"
    assert entry["request_id"] == "req-1"
    assert entry["clicks"] == 3 and entry["link"] == "abc"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_a_json_line_outside_a_request_has_a_null_request_id_and_keeps_the_traceback(
    json_logs: LogLines,
) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")

    [entry] = json_logs.of(logger.name)
    assert entry["request_id"] is None
    assert entry["level"] == "ERROR"
    assert "ValueError: boom" in entry["exception"]


def test_any_extra_value_is_written(json_logs: LogLines) -> None:
    logger.info("odd values", extra={"big": 2**70, "when": AS_OF, "thing": object()})

    [entry] = json_logs.of(logger.name)
    assert entry["big"] == 2**70
    assert entry["when"].startswith("2026-06-01T12:00:00")
    assert entry["thing"].startswith("<object object")


def test_text_lines_show_the_request_id_and_extras(restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging(log_format="text", level="info", stream=stream)
    with bind_request_id("req-2"):
        logger.info("hello", extra={"status": 200})
    logger.info("outside")

    first, second = stream.getvalue().splitlines()
    assert "INFO" in first and "[req-2] hello status=200" in first
    assert "[-] outside" in second


def test_library_info_lines_stay_quiet_unless_debugging(restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging(log_format="text", level="info", stream=stream)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("alembic.runtime.migration").warning("a real warning")

    assert "Context impl" not in stream.getvalue()
    assert "a real warning" in stream.getvalue()


def test_production_logs_json_by_default_and_development_text(restore_logging: None) -> None:
    production = Settings(env="production", secret_key="x" * 40)
    development = Settings()
    assert production.resolved_log_format == "json"
    assert development.resolved_log_format == "text"
    assert Settings(log_format="text", env="production").resolved_log_format == "text"
    handler = setup_logging(production)
    assert type(handler.formatter).__name__ == "JsonFormatter"


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("3f2c9a1e-8d4b-4a57-9c1e-2b7d6f0a4e11", True),
        ("01JD3X7Q9Z8K5M2N4P6R8T0V2W", True),
        ("Root=1-5759e988-bd862e3fe1be46a994272793", True),
        ("", False),
        ("has space", False),
        ("line\nbreak", False),
        ('"quoted"', False),
        ("x" * 129, False),
        ("-leading-dash", False),
    ],
)
def test_only_sane_incoming_request_ids_are_kept(incoming: str, kept: bool) -> None:
    result = accept_request_id(incoming)
    assert (result == incoming) is kept
    if not kept:
        assert HEX_ID.fullmatch(result)


def test_bind_request_id_nests_and_restores() -> None:
    assert current_request_id() is None
    with bind_request_id("outer"):
        with bind_request_id() as fresh:
            assert HEX_ID.fullmatch(fresh) and current_request_id() == fresh
        assert current_request_id() == "outer"
    assert current_request_id() is None


def test_a_job_started_from_a_request_logs_under_the_request_id(json_logs: LogLines) -> None:
    def job(request_id: str | None) -> None:
        with bind_request_id(request_id):
            logger.info("job ran")

    with bind_request_id("req-job"):
        captured = current_request_id()  # what enqueue stores with the job
    worker = threading.Thread(target=job, args=(captured,))
    worker.start()
    worker.join()
    # A thread run in a copy of the request's context sees the id without binding it.
    with bind_request_id("req-ctx"):
        context = copy_context()
    copied = threading.Thread(target=context.run, args=(logger.info, "in context"))
    copied.start()
    copied.join()

    lines = [(e["message"], e["request_id"]) for e in json_logs.of(logger.name)]
    assert lines == [("job ran", "req-job"), ("in context", "req-ctx")]


def _with_probe_routes(client: TestClient) -> FastAPI:
    """Routes that log and return the request id, ahead of the catch-all slug route."""
    app = app_of(client)

    def sync_probe() -> dict[str, str | None]:
        logger.info("inside a sync handler")
        return {"request_id": current_request_id()}

    async def async_probe() -> dict[str, str | None]:
        logger.info("inside an async handler")
        return {"request_id": current_request_id()}

    app.router.routes.insert(0, APIRoute("/test-sync/{item}", sync_probe))
    app.router.routes.insert(0, APIRoute("/test-async", async_probe))
    return app


def test_the_request_id_is_echoed_and_carried_into_handlers_and_the_access_log(
    settings: Settings, database: Database, json_logs: LogLines
) -> None:
    with running_client(settings, database) as client:
        _with_probe_routes(client)
        given = client.get("/test-sync/42", headers={"X-Request-ID": "edge-abc.123"})
        fresh = client.get("/test-async")
        forged = client.get("/test-async", headers={"X-Request-ID": "bad id\twith tab"})

    assert given.headers["X-Request-ID"] == "edge-abc.123"
    assert given.json() == {"request_id": "edge-abc.123"}
    assert HEX_ID.fullmatch(fresh.headers["X-Request-ID"])
    assert fresh.json()["request_id"] == fresh.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(forged.headers["X-Request-ID"])
    inside = json_logs.of(logger.name)
    assert [e["request_id"] for e in inside] == [
        "edge-abc.123",
        fresh.headers["X-Request-ID"],
        forged.headers["X-Request-ID"],
    ]
    access = json_logs.of("microreach.access")
    assert access[0] == {
        **access[0],
        "level": "INFO",
        "request_id": "edge-abc.123",
        "method": "GET",
        "route": "/test-sync/{item}",
        "status": 200,
    }
    assert isinstance(access[0]["duration_ms"], float) and access[0]["duration_ms"] >= 0
    assert "42" not in access[0]["message"]


def test_the_access_log_uses_route_templates_and_logs_errors(
    settings: Settings, database: Database, json_logs: LogLines
) -> None:
    with running_client(settings, database, raise_server_exceptions=False) as client:
        app = app_of(client)

        def broken() -> None:
            raise RuntimeError("kaput")

        app.router.routes.insert(0, APIRoute("/test-broken", broken))
        client.get("/api/v1/creators/00000000-0000-0000-0000-000000000000")
        client.get("/Zz9abc1")  # a short link that does not exist
        client.get("/no/such/page")
        failed = client.get("/test-broken", headers={"X-Request-ID": "req-500"})

    assert failed.status_code == 500
    access = [(e["route"], e["status"]) for e in json_logs.of("microreach.access")]
    assert access == [
        ("/api/v1/creators/{creator_id}", 404),
        ("/{slug}", 404),
        ("unmatched", 404),
        ("/test-broken", 500),
    ]
    errors = [e for e in json_logs.all() if e["level"] == "ERROR"]
    assert errors and all(e["request_id"] == "req-500" for e in errors)
    assert any("kaput" in e.get("exception", "") for e in errors)


def test_probes_and_scrapes_are_logged_at_debug_only(
    client: TestClient, json_logs: LogLines
) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/api/v1/creators"):
        client.get(path)

    levels = {e["route"]: e["level"] for e in json_logs.of("microreach.access")}
    assert levels == {
        "/healthz": "DEBUG",
        "/readyz": "DEBUG",
        "/metrics": "DEBUG",
        "/api/v1/creators": "INFO",
    }
