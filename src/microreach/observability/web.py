"""The web side of observability: request ids, access log and request metrics as ASGI
middleware, and the /metrics and /readyz routes."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI
from prometheus_client import Histogram
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microreach.config import Settings
from microreach.db.session import Database
from microreach.observability import metrics
from microreach.observability.context import (
    REQUEST_ID_HEADER,
    accept_request_id,
    reset_request_id,
    set_request_id,
)
from microreach.observability.readiness import ReadinessProbe

METRICS_PATH = "/metrics"
READY_PATH = "/readyz"
HEALTH_PATH = "/healthz"
# Probes and scrapes arrive every few seconds; their access lines are debug, not info.
QUIET_PATHS = frozenset({METRICS_PATH, READY_PATH, HEALTH_PATH})
UNMATCHED = "unmatched"
# Any token is a valid HTTP method; labels keep the standard ones and call the rest "other".
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
access_logger = logging.getLogger("microreach.access")


def add_routes(app: FastAPI, settings: Settings, database: Database) -> None:
    """/readyz, and /metrics unless MICROREACH_METRICS_ENABLED is off. Plain routes: the app's
    auth dependencies (which may read the database) do not run for them."""
    probe = ReadinessProbe(database.engine, settings.redis_url)

    async def readyz(_request: Request) -> Response:
        readiness = await run_in_threadpool(probe.run)
        return JSONResponse(readiness.as_json(), status_code=200 if readiness.ready else 503)

    app.add_route(READY_PATH, readyz, methods=["GET"], include_in_schema=False)
    if settings.metrics_enabled:
        app.add_route(METRICS_PATH, metrics_endpoint, methods=["GET"], include_in_schema=False)


async def metrics_endpoint(_request: Request) -> Response:
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """Call last, so the middleware is the outermost and times and tags everything."""
    app.add_middleware(ObservabilityMiddleware, metrics_enabled=settings.metrics_enabled)


class RouteTemplates:
    """The route template a request matched ("/api/v1/links/{link_id}"), never the raw path,
    so labels and log fields stay few."""

    def __init__(self) -> None:
        self._by_endpoint: dict[int, str] | None = None

    def of(self, scope: Scope) -> str:
        path = getattr(scope.get("route"), "path_format", None)
        if isinstance(path, str):
            return path
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED
        if self._by_endpoint is None:
            self._by_endpoint = _templates(scope.get("app"))
        return self._by_endpoint.get(id(endpoint), UNMATCHED)


def _templates(app: Any) -> dict[int, str]:
    found: dict[int, str] = {}
    for route in getattr(getattr(app, "router", None), "routes", ()):
        if isinstance(route, Mount):
            found[id(route.app)] = f"{route.path}/{{path}}"
        elif hasattr(route, "endpoint") and hasattr(route, "path_format"):
            found.setdefault(id(route.endpoint), route.path_format)
    return found


class ObservabilityMiddleware:
    """Per HTTP request: a request id (a sane incoming X-Request-ID or a fresh one) set in
    the context and echoed in the response, the request duration histogram and one access
    log line with method, route template, status and duration."""

    def __init__(
        self, app: ASGIApp, *, metrics_enabled: bool = True, default_route: str = UNMATCHED
    ) -> None:
        self.app = app
        self.metrics_enabled = metrics_enabled
        self.default_route = default_route
        self.templates = RouteTemplates()
        self._children: dict[tuple[str, str, int], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(_header(scope, _HEADER_KEY))
        token = set_request_id(request_id)
        echoed = (_HEADER_KEY, request_id.encode("latin-1"))
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # The id stays set: the app's error handler (outside this middleware, in the same
            # task) logs the exception under it. Each request runs in its own task.
            self._finish(scope, status, started)
            raise
        self._finish(scope, status, started)
        reset_request_id(token)

    def _histogram(self, method: str, route: str, status: int) -> Histogram:
        """The labelled child, cached: `labels()` takes a lock and builds a key each time."""
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = metrics.HTTP_REQUEST_DURATION.labels(
                method, route, metrics.status_class(status)
            )
            self._children[key] = child
        return child

    def _finish(self, scope: Scope, status: int, started: float) -> None:
        duration = time.perf_counter() - started
        route = self.templates.of(scope)
        if route == UNMATCHED:
            route = self.default_route
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
        if self.metrics_enabled:
            self._histogram(method, route, status).observe(duration)
        level = logging.DEBUG if scope["path"] in QUIET_PATHS else logging.INFO
        if access_logger.isEnabledFor(level):
            duration_ms = round(duration * 1000.0, 3)
            access_logger.log(
                level,
                "%s %s %d %.1fms",
                method,
                route,
                status,
                duration_ms,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )


def _header(scope: Scope, key: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == key:
            return str(value.decode("latin-1"))
    return None
