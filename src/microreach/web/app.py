"""The app factory: routes, static files, local API docs, security headers and error mapping."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microreach import __version__
from microreach.accounts import api as accounts_api
from microreach.accounts import organisation_views as accounts_organisation_views
from microreach.accounts import portal_views as accounts_portal_views
from microreach.accounts import views as accounts_views
from microreach.brands import api as brands_api
from microreach.brands import views as brands_views
from microreach.campaigns import api as campaigns_api
from microreach.campaigns import portal_views as campaigns_portal_views
from microreach.campaigns import views as campaigns_views
from microreach.config import Settings, configure_tiers
from microreach.connectors import views as connectors_views
from microreach.conversions import api as conversions_api
from microreach.creators import api as creators_api
from microreach.creators import views as creators_views
from microreach.db.session import Database
from microreach.discovery import api as discovery_api
from microreach.discovery import views as discovery_views
from microreach.imports import views as imports_views
from microreach.kit.errors import ConfigError
from microreach.links import api as links_api
from microreach.links import portal_views as links_portal_views
from microreach.links import views as links_views
from microreach.links.redirect import Redirector, slug_route
from microreach.lists import api as lists_api
from microreach.lists import views as lists_views
from microreach.observability import web as observability
from microreach.reports import api as reports_api
from microreach.reports import share_api as reports_share_api
from microreach.reports import views as reports_views
from microreach.science.tiers import get_scheme
from microreach.scores import api as scores_api
from microreach.web import auth
from microreach.web.deps import make_templates, render
from microreach.web.errors import PROBLEM_MEDIA_TYPE, install_error_handlers

STATIC_DIR = Path(__file__).with_name("static")
OPENAPI_URL = "/api/openapi.json"
DOCS_URL = "/api/docs"
# Pages load only this origin's files; no inline script or style anywhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI draws its icons as data: images from its own stylesheet.
DOCS_CSP = CSP.replace("img-src 'self'", "img-src 'self' data:")


class Health(BaseModel):
    status: Literal["ok"]


def create_app(
    settings: Settings, database: Database | None = None, *, freeze_heap: bool = False
) -> FastAPI:
    """The web application for ``settings``; builds its own Database when none is given.

    ``freeze_heap`` (the serving process, `microreach serve`): once started, everything loaded so
    far (modules, templates, models, caches) is moved out of the garbage collector's reach
    (``gc.freeze``), as it lives as long as the process. Otherwise every full collection walks it
    again, about 50-60 ms with the event loop stopped, which a discovery search over a million
    creators met every few queries (its p95 on PostgreSQL went from about 90 to 30 ms)."""
    _check_tier_scheme(settings)
    owns_database = database is None
    database = database or Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redirector = Redirector(settings, database)
        await redirector.start()
        app.state.redirector = redirector
        if freeze_heap:
            gc.collect()
            gc.freeze()
        yield
        await redirector.stop()
        if owns_database:
            database.engine.dispose()

    app = FastAPI(
        title="microreach",
        version=__version__,
        summary="Find the micro-influencers who really move an audience.",
        debug=settings.debug,
        lifespan=lifespan,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        # Every route learns who is asking and refuses unsafe requests without a CSRF token.
        dependencies=auth.APP_DEPENDENCIES,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.templates = make_templates()
    install_error_handlers(app)
    auth.install(app)
    _mount_static(app)
    _add_core_routes(app)
    app.include_router(creators_api.router)
    app.include_router(scores_api.router)
    app.include_router(creators_views.router)
    app.include_router(accounts_api.router)
    app.include_router(accounts_views.router)
    app.include_router(accounts_organisation_views.router)
    app.include_router(accounts_portal_views.router)
    app.include_router(connectors_views.router)
    app.include_router(links_api.router)
    app.include_router(links_api.domains_router)
    app.include_router(links_views.router)
    app.include_router(links_portal_views.router)
    app.include_router(conversions_api.router)
    app.include_router(imports_views.router)
    app.include_router(discovery_api.router)
    app.include_router(discovery_views.router)
    app.include_router(campaigns_api.router)
    app.include_router(campaigns_portal_views.router)
    app.include_router(campaigns_views.router)
    app.include_router(brands_api.router)
    app.include_router(brands_views.router)
    app.include_router(lists_api.router)
    app.include_router(lists_views.router)
    app.include_router(reports_api.router)
    app.include_router(reports_share_api.router)
    app.include_router(reports_views.router)
    observability.add_routes(app, settings, database)
    # Last: /{slug} is whatever no app route matched (reserved slugs are refused at creation).
    app.router.routes.append(slug_route())
    app.add_middleware(auth.AuthCookies, settings=settings)
    app.add_middleware(SecurityHeaders)
    observability.add_middleware(app, settings)  # outermost: request ids and timing
    app.openapi = lambda: _openapi_with_problem_media_type(app)  # type: ignore[method-assign]
    return app


def _check_tier_scheme(settings: Settings) -> None:
    try:
        get_scheme(settings.tier_scheme)
    except ValueError as exc:
        raise ConfigError("MICROREACH_TIER_SCHEME", str(exc)) from None
    configure_tiers(settings)  # the per-platform ladders of these settings, in this process


def _mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _add_core_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["meta"], summary="Liveness check")
    def healthz() -> Health:
        return Health(status="ok")

    @app.get(DOCS_URL, include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        return render(request, "api_docs.html", {"openapi_url": OPENAPI_URL})


def _openapi_with_problem_media_type(app: FastAPI) -> dict[str, Any]:
    """FastAPI files error models under application/json; ours are problem+json."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = FastAPI.openapi(app)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status.startswith(("4", "5")) and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    app.openapi_schema = schema
    return schema


class SecurityHeaders:
    """Adds the content security policy and related headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CSP if scope["path"] == DOCS_URL else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
