"""The standalone redirect app (`create_redirect_app`) and short domains resolved by Host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.links.models import Click, ShortDomain
from microreach.links.redirect import create_redirect_app
from tests.links.conftest import BROWSER_UA, Tenant
from tests.links.test_api import DESTINATION, create
from tests.web.support import TestClient


@pytest.fixture
def redirects(link_settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_redirect_app(link_settings, database)) as client:
        client.headers["User-Agent"] = BROWSER_UA
        yield client


def add_domain(session: Session, tenant: Tenant, host: str) -> ShortDomain:
    domain = ShortDomain(
        organisation_id=tenant.organisation.id, host=host, enabled=True, verified_at=utcnow()
    )
    session.add(domain)
    session.flush()
    return domain


def test_standalone_app_redirects_and_records(
    client: TestClient, redirects: TestClient, tenant: Tenant, session: Session
) -> None:
    link = create(client, tenant)
    response = redirects.get(f"/{link['slug']}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith(DESTINATION + "&mr_cid=")
    count = session.scalar(sa.select(sa.func.count()).select_from(Click))
    assert count == 1
    assert redirects.get("/healthz").text == "ok"
    assert redirects.post(f"/{link['slug']}").status_code == 405
    assert redirects.get("/api/v1/links").status_code == 404
    missing = redirects.get("/nope404")
    assert missing.status_code == 404 and "Link not found" in missing.text


def test_links_resolve_by_short_domain(
    client: TestClient, redirects: TestClient, tenant: Tenant, session: Session
) -> None:
    add_domain(session, tenant, "go.brand.example")
    on_domain = create(client, tenant, slug="summer", domain="go.brand.example")
    on_app = create(client, tenant, slug="summer", destination="https://app.example.com/x")
    assert on_domain["short_url"] == "https://go.brand.example/summer"
    for app_client in (client, redirects):
        via_domain = app_client.get(
            "/summer", headers={"Host": "go.brand.example:443"}, follow_redirects=False
        )
        assert via_domain.headers["location"].startswith(DESTINATION)
        via_app = app_client.get("/summer", follow_redirects=False)
        assert via_app.headers["location"].startswith("https://app.example.com/x")
    assert on_app["domain"] is None


def test_another_organisations_domain_is_refused(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, session: Session
) -> None:
    add_domain(session, other_tenant, "go.other.example")
    response = client.post(
        "/api/v1/links",
        json={"destination": DESTINATION, "domain": "go.other.example"},
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "domain"


def test_standalone_app_sends_bio_pages_to_the_web_app(
    redirects: TestClient, link_settings: Settings, session: Session
) -> None:
    response = redirects.get("/@sunny.runs", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"{link_settings.resolved_public_url}/@sunny.runs"
    assert session.scalar(sa.select(sa.func.count()).select_from(Click)) == 0
    head = redirects.head("/@x%20y", follow_redirects=False)
    assert head.headers["location"].endswith("/@x%20y")


def test_links_that_exist_at_start_are_served_without_a_read(
    client: TestClient, link_settings: Settings, database: Database, tenant: Tenant
) -> None:
    slugs = [str(create(client, tenant)["slug"]) for _ in range(3)]
    with TestClient(create_redirect_app(link_settings, database)) as started:
        cache = started.app.redirector.cache  # type: ignore[attr-defined]
        assert cache.loads == 1  # the preload, before the first request
        for slug in slugs:
            assert started.get(f"/{slug}", follow_redirects=False).status_code == 302
        assert cache.loads == 1
    cold = link_settings.model_copy(update={"link_cache_preload": 0})
    with TestClient(create_redirect_app(cold, database)) as started:
        cache = started.app.redirector.cache  # type: ignore[attr-defined]
        assert started.get(f"/{slugs[0]}", follow_redirects=False).status_code == 302
        assert cache.loads == 1  # read on demand
