"""The links JSON API: create, list, read, update, bulk, QR; tenancy and problem details."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from microreach.campaigns.enums import Goal
from microreach.campaigns.models import Campaign
from tests.factories import make_account
from tests.links.conftest import Tenant
from tests.web.support import TestClient

DESTINATION = "https://shop.example.com/spring?ref=ig"


def make_campaign(session: Session, tenant: Tenant) -> Campaign:
    campaign = Campaign(
        organisation_id=tenant.organisation.id,
        name="Spring",
        goal=Goal.TRAFFIC,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 4, 30),
        budget_minor=500_000,
        currency="EUR",
    )
    session.add(campaign)
    session.flush()
    return campaign


def create(client: TestClient, tenant: Tenant, **body: object) -> dict[str, object]:
    response = client.post(
        "/api/v1/links", json={"destination": DESTINATION, **body}, headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


def test_create_with_generated_slug(client: TestClient, tenant: Tenant) -> None:
    link = create(client, tenant)
    slug = str(link["slug"])
    assert len(slug) == 7 and slug.isalnum()
    assert str(link["short_url"]).endswith(f"/{slug}")
    assert link["redirect_url"] == DESTINATION  # no creator, no utm_source: untouched
    assert link["enabled"] is True


def test_creator_link_gets_utm_defaults(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    account = make_account(session, handle="jane_runs")
    link = create(client, tenant, creator_id=str(account.creator_id), utm_campaign="spring")
    assert link["utm_source"] == "instagram"
    assert link["utm_medium"] == "influencer"
    assert link["utm_content"] == "jane_runs"
    assert link["redirect_url"] == (
        f"{DESTINATION}&utm_source=instagram&utm_medium=influencer"
        "&utm_campaign=spring&utm_content=jane_runs"
    )


def test_utm_fields_are_editable(client: TestClient, tenant: Tenant) -> None:
    link = create(client, tenant, utm_source="tiktok")
    response = client.patch(
        f"/api/v1/links/{link['id']}",
        json={"utm_source": "youtube", "utm_campaign": "fall"},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["redirect_url"] == (
        f"{DESTINATION}&utm_source=youtube&utm_campaign=fall"
    )


def test_custom_slug_is_case_sensitive_and_unique(client: TestClient, tenant: Tenant) -> None:
    create(client, tenant, slug="Spring-Sale")
    create(client, tenant, slug="spring-sale")
    response = client.post(
        "/api/v1/links",
        json={"destination": DESTINATION, "slug": "Spring-Sale"},
        headers=tenant.headers,
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "slug"


def test_reserved_and_malformed_slugs_are_refused(client: TestClient, tenant: Tenant) -> None:
    for slug, reason in (("api", "reserved"), ("healthz", "reserved"), ("a b", "letters")):
        response = client.post(
            "/api/v1/links", json={"destination": DESTINATION, "slug": slug}, headers=tenant.headers
        )
        assert response.status_code == 422, slug
        problem = response.json()
        assert problem["errors"][0]["field"] == "slug"
        assert reason in problem["detail"]
        assert response.headers["content-type"] == "application/problem+json"


def test_unsafe_destinations_are_refused_naming_the_field(
    client: TestClient, tenant: Tenant
) -> None:
    for url in (
        "javascript:alert(1)",
        "https://user:pw@bank.example.com/",
        "http://127.0.0.1/admin",
        "http://10.0.0.5/",
        "https://printer.local/",
    ):
        response = client.post("/api/v1/links", json={"destination": url}, headers=tenant.headers)
        assert response.status_code == 422, url
        assert response.json()["errors"][0]["field"] == "destination", url
    response = client.post(
        "/api/v1/links",
        json={"destination": DESTINATION, "fallback_url": "file:///etc/passwd"},
        headers=tenant.headers,
    )
    assert response.json()["errors"][0]["field"] == "fallback_url"


def test_list_pages_with_keyset_cursor(client: TestClient, tenant: Tenant) -> None:
    made = [create(client, tenant)["id"] for _ in range(5)]
    seen: list[object] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/links", params=params, headers=tenant.headers).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(map(str, seen)) == sorted(map(str, made))
    assert len(seen) == 5
    bad = client.get("/api/v1/links", params={"cursor": "nope"}, headers=tenant.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_other_organisation_cannot_read_or_change(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    link = create(client, tenant)
    path = f"/api/v1/links/{link['id']}"
    assert client.get(path, headers=other_tenant.headers).status_code == 404
    assert (
        client.patch(path, json={"enabled": False}, headers=other_tenant.headers).status_code == 404
    )
    assert client.get(f"{path}/qr.svg", headers=other_tenant.headers).status_code == 404
    assert client.get(f"{path}/clicks", headers=other_tenant.headers).status_code == 404
    listed = client.get("/api/v1/links", headers=other_tenant.headers).json()
    assert listed["items"] == []
    assert client.get(path, headers=tenant.headers).json()["enabled"] is True


def test_needs_credentials(client: TestClient) -> None:
    assert client.get("/api/v1/links").status_code == 401


def test_bulk_creates_one_link_per_creator(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    accounts = [make_account(session) for _ in range(3)]
    campaign = make_campaign(session, tenant).id
    response = client.post(
        "/api/v1/links/bulk",
        json={
            "destination": DESTINATION,
            "creator_ids": [str(account.creator_id) for account in accounts],
            "campaign_id": str(campaign),
            "utm_campaign": "spring",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    links = response.json()
    assert {link["utm_content"] for link in links} == {account.handle for account in accounts}
    assert len({link["slug"] for link in links}) == 3
    listed = client.get(
        "/api/v1/links", params={"campaign_id": str(campaign)}, headers=tenant.headers
    ).json()
    assert len(listed["items"]) == 3


def test_campaign_of_another_organisation_is_refused(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, session: Session
) -> None:
    theirs = make_campaign(session, other_tenant)
    response = client.post(
        "/api/v1/links",
        json={"destination": DESTINATION, "campaign_id": str(theirs.id)},
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "campaign_id"


def test_bulk_names_the_unknown_creator(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/links/bulk",
        json={"destination": DESTINATION, "creator_ids": [str(uuid.uuid4())]},
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "creator_ids.0"


def test_qr_codes(client: TestClient, tenant: Tenant) -> None:
    link = create(client, tenant)
    svg = client.get(f"/api/v1/links/{link['id']}/qr.svg", headers=tenant.headers)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")
    png = client.get(f"/api/v1/links/{link['id']}/qr.png?scale=4", headers=tenant.headers)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
