"""The app shell over HTTP: health, local API docs, security headers, errors and the session."""

from __future__ import annotations

import gc
import re
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators.enums import DataSource
from microreach.creators.models import Creator
from microreach.db.session import Database
from microreach.kit.errors import ConfigError, InvalidError
from microreach.web.app import create_app
from microreach.web.deps import SessionDep
from tests.factories import make_account
from tests.web.support import TestClient, app_of, is_local, references, running_client


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_docs_page_loads_swagger_ui_from_this_server_only(client: TestClient) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    urls = references(response.text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in urls
    assert "/static/vendor/swagger-ui/swagger-ui.css" in urls
    assert "/static/api-docs.js" in urls
    assert "/api/openapi.json" in urls
    assert all(is_local(url) for url in urls), urls
    assert "http://" not in response.text and "https://" not in response.text
    assert "<script>" not in response.text and "<style" not in response.text
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_docs_script_disables_the_remote_validator(client: TestClient) -> None:
    script = client.get("/static/api-docs.js")

    assert script.status_code == 200
    assert "validatorUrl: null" in script.text
    assert "http" not in script.text


def test_served_swagger_ui_renders_the_openapi_version_we_serve(client: TestClient) -> None:
    # Swagger UI 4 shows "Unable to render this definition" for OpenAPI 3.1.
    bundle = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.', bundle)

    assert client.get("/api/openapi.json").json()["openapi"].startswith("3.1.")
    assert version is not None and int(version.group(1)) >= 5


def test_openapi_describes_the_creators_api_and_problem_errors(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()

    listing = schema["paths"]["/api/v1/creators"]["get"]
    detail = schema["paths"]["/api/v1/creators/{creator_id}"]["get"]
    params = {param["name"] for param in listing["parameters"]}
    assert params == {
        "platform",
        "min_followers",
        "max_followers",
        "tier",
        "tier_scheme",
        "q",
        "sort",
        "limit",
        "cursor",
    }
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AccountPage"
    }
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    assert listing["responses"]["422"]["content"] == {"application/problem+json": problem}
    assert detail["responses"]["404"]["content"] == {"application/problem+json": problem}
    assert {"AccountPage", "CreatorDetail", "Problem"} <= set(schema["components"]["schemas"])
    assert "/" not in schema["paths"]


def test_pages_get_a_strict_content_security_policy(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]

    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy


def test_docs_page_policy_only_adds_data_images(client: TestClient) -> None:
    policy = client.get("/api/docs").headers["content-security-policy"]
    page_policy = client.get("/").headers["content-security-policy"]

    assert policy == page_policy.replace("img-src 'self'", "img-src 'self' data:")
    assert policy != page_policy


def test_unknown_api_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No page at /api/v1/nothing-here.",
    }


def test_api_root_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No page at /nothing-here." in response.text
    assert "<h1>Not Found</h1>" in response.text


def test_wrong_method_on_api_is_a_405_problem(client: TestClient) -> None:
    response = client.post("/api/v1/creators")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "GET"


def test_unexpected_error_is_a_500_problem_without_internals(
    settings: Settings, database: Database
) -> None:
    with running_client(settings, database, raise_server_exceptions=False) as client:
        app = app_of(client)

        @app.get("/api/v1/boom")
        def boom() -> None:
            raise RuntimeError("secret internals")

        response = client.get("/api/v1/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Internal Server Error"
    assert "secret internals" not in response.text


def _add_write_routes(client: TestClient) -> None:
    app = app_of(client)

    @app.post("/api/v1/test-write/{name}")
    def write(name: str, session: SessionDep) -> dict[str, str]:
        session.add(Creator(name=name, source=DataSource.MANUAL))
        return {"name": name}

    @app.post("/api/v1/test-write-then-fail/{name}")
    def write_then_fail(name: str, session: SessionDep) -> None:
        session.add(Creator(name=name, source=DataSource.MANUAL))
        session.flush()
        raise InvalidError("refused", field="name")


def _creator_names(session: Session) -> set[str]:
    return set(session.scalars(select(Creator.name)))


def test_request_session_commits_once_at_the_end(client: TestClient, session: Session) -> None:
    _add_write_routes(client)
    name = f"kept-{uuid.uuid4()}"

    response = client.post(f"/api/v1/test-write/{name}")

    assert response.status_code == 200
    assert name in _creator_names(session)


def test_request_session_rolls_back_on_error(client: TestClient, session: Session) -> None:
    _add_write_routes(client)
    name = f"dropped-{uuid.uuid4()}"

    response = client.post(f"/api/v1/test-write-then-fail/{name}")

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "message": "refused", "value": None}]
    assert name not in _creator_names(session)


def test_create_app_builds_its_database_from_settings(settings: Settings) -> None:
    app = create_app(settings)

    assert isinstance(app.state.database, Database)
    url = app.state.database.engine.url.render_as_string(hide_password=False)
    assert url == settings.resolved_database_url
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}


def test_create_app_refuses_an_unknown_tier_scheme(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="unknown tier scheme 'nope'"):
        create_app(settings.model_copy(update={"tier_scheme": "nope"}))


def test_landing_page_references_nothing_outside_the_server(
    client: TestClient, session: Session
) -> None:
    make_account(session, handle="localonly")

    html = client.get("/").text

    assert "localonly" in html
    urls = references(html)
    assert all(is_local(url) for url in urls), urls
    assert not re.search(r"https?://", html)
    for asset in [url for url in urls if url.startswith("/static/")]:
        assert client.get(asset).status_code == 200, asset


def test_serving_app_freezes_its_start_up_heap(settings: Settings, database: Database) -> None:
    """`microreach serve` builds the app with freeze_heap: once started, what is loaded is out
    of the collector's full passes; the apps tests build leave the collector alone."""
    gc.unfreeze()
    with TestClient(create_app(settings, database)):
        assert gc.get_freeze_count() == 0
    try:
        with TestClient(create_app(settings, database, freeze_heap=True)) as client:
            assert gc.get_freeze_count() > 10_000
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()
