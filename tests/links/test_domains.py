"""Custom short domains: add (checked, unique), DNS TXT verification with an injected resolver,
enable, links on the domain resolving by Host end to end (web app and standalone app),
disable, remove; the settings page."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from microreach.accounts.enums import Role
from microreach.config import Settings
from microreach.db.session import Database
from microreach.links.domains import txt_value
from microreach.links.redirect import create_redirect_app
from tests.accounts.support import add_member, make_user, sign_in, token
from tests.links.conftest import BROWSER_UA, Tenant
from tests.links.test_api import DESTINATION, create
from tests.web.support import TestClient, app_of


class FakeDns:
    """TXT records by name, as a resolver function the app uses instead of DNS."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def __call__(self, name: str) -> list[str]:
        self.asked.append(name)
        return self.records.get(name, [])


@pytest.fixture
def dns(client: TestClient) -> FakeDns:
    fake = FakeDns()
    app_of(client).state.txt_resolver = fake
    return fake


@pytest.fixture
def redirects(link_settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_redirect_app(link_settings, database)) as client:
        client.headers["User-Agent"] = BROWSER_UA
        yield client


def call(client: TestClient, tenant: Tenant, method: str, path: str, body: Any = None) -> Any:
    return client.request(method, path, json=body, headers=tenant.headers)


def add(client: TestClient, tenant: Tenant, host: str) -> dict[str, Any]:
    response = call(client, tenant, "POST", "/api/v1/short-domains", {"host": host})
    assert response.status_code == 201, response.text
    domain: dict[str, Any] = response.json()
    return domain


def verified(client: TestClient, tenant: Tenant, dns: FakeDns, host: str) -> dict[str, Any]:
    domain = add(client, tenant, host)
    dns.records[domain["txt_name"]] = [f'"{domain["txt_value"]}"']
    path = f"/api/v1/short-domains/{domain['id']}"
    assert call(client, tenant, "POST", f"{path}/check").status_code == 200
    response = call(client, tenant, "PATCH", path, {"enabled": True})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_add_check_enable_and_resolve_end_to_end(
    client: TestClient, redirects: TestClient, tenant: Tenant, dns: FakeDns
) -> None:
    domain = add(client, tenant, " Go.Brand.Example. ")
    assert domain["host"] == "go.brand.example"
    assert domain["enabled"] is False and domain["verified_at"] is None
    assert domain["txt_name"] == "_microreach.go.brand.example"
    assert domain["txt_value"].startswith("microreach-verify=")
    path = f"/api/v1/short-domains/{domain['id']}"

    early = call(client, tenant, "PATCH", path, {"enabled": True})
    assert early.status_code == 409 and "not verified" in early.json()["detail"]
    refused = call(
        client,
        tenant,
        "POST",
        "/api/v1/links",
        {"destination": DESTINATION, "domain": "go.brand.example"},
    )
    assert refused.status_code == 422 and "not enabled" in refused.json()["detail"]

    dns.records["_microreach.go.brand.example"] = ["microreach-verify=somebody-else"]
    missing = call(client, tenant, "POST", f"{path}/check")
    assert missing.status_code == 422
    assert domain["txt_value"] in missing.json()["detail"]
    assert "somebody-else" in missing.json()["detail"]
    assert dns.asked == ["_microreach.go.brand.example"]

    dns.records["_microreach.go.brand.example"].append(domain["txt_value"])
    checked = call(client, tenant, "POST", f"{path}/check")
    assert checked.status_code == 200 and checked.json()["verified_at"] is not None
    assert call(client, tenant, "PATCH", path, {"enabled": True}).json()["enabled"] is True

    on_domain = create(client, tenant, slug="fall", domain="go.brand.example")
    create(client, tenant, slug="fall", destination="https://app.example.com/fall")
    assert on_domain["short_url"] == "https://go.brand.example/fall"
    for app_client in (client, redirects):
        response = app_client.get(
            "/fall", headers={"Host": "go.brand.example"}, follow_redirects=False
        )
        assert response.status_code == 302
        assert response.headers["location"].startswith(DESTINATION + "&mr_cid=")
        on_app = app_client.get("/fall", follow_redirects=False)
        assert on_app.headers["location"].startswith("https://app.example.com/fall")

    assert call(client, tenant, "PATCH", path, {"enabled": False}).json()["enabled"] is False
    for app_client in (client, redirects):
        # A disabled domain is not a short domain any more: its Host serves the app's links.
        response = app_client.get(
            "/fall", headers={"Host": "go.brand.example"}, follow_redirects=False
        )
        assert response.headers["location"].startswith("https://app.example.com/fall")

    busy = call(client, tenant, "DELETE", path)
    assert busy.status_code == 409 and "1 link(s) use go.brand.example" in busy.json()["detail"]
    listed = call(client, tenant, "GET", "/api/v1/short-domains").json()
    assert [(d["host"], d["links"]) for d in listed] == [("go.brand.example", 1)]


def test_international_names_are_stored_in_ascii(client: TestClient, tenant: Tenant) -> None:
    domain = add(client, tenant, "Go.Bücher.example")
    assert domain["host"] == "go.xn--bcher-kva.example"
    assert domain["txt_name"] == "_microreach.go.xn--bcher-kva.example"


def test_remove_an_unused_domain(client: TestClient, tenant: Tenant) -> None:
    domain = add(client, tenant, "links.brand.example")
    assert (
        call(client, tenant, "DELETE", f"/api/v1/short-domains/{domain['id']}").status_code == 204
    )
    assert call(client, tenant, "GET", "/api/v1/short-domains").json() == []


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("https://go.brand.example/x", "not a bare host name"),
        ("localhost", "needs a dot"),
        ("192.0.2.1", "IP address"),
        ("go_brand.example", "invalid part 'go_brand'"),
        ("-go.brand.example", "invalid part '-go'"),
        ("go.brand.123", "invalid part '123'"),
        ("a" * 64 + ".example", "at most 63"),
        ("", "needs a dot"),
    ],
)
def test_bad_hosts_are_refused_naming_the_field(
    client: TestClient, tenant: Tenant, host: str, expected: str
) -> None:
    response = call(client, tenant, "POST", "/api/v1/short-domains", {"host": host})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "host" and expected in error["message"]


def test_hosts_are_unique_across_organisations_and_values_differ(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, link_settings: Settings
) -> None:
    add(client, tenant, "go.shared.example")
    taken = call(
        client, other_tenant, "POST", "/api/v1/short-domains", {"host": "GO.shared.example"}
    )
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "host"
    mine = txt_value(link_settings, tenant.organisation.id, "go.x.example")
    theirs = txt_value(link_settings, other_tenant.organisation.id, "go.x.example")
    assert mine != theirs and mine == txt_value(
        link_settings, tenant.organisation.id, "go.x.example"
    )
    assert call(client, other_tenant, "GET", "/api/v1/short-domains").json() == []


def test_another_organisation_cannot_use_or_change_a_domain(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, dns: FakeDns
) -> None:
    domain = verified(client, tenant, dns, "go.mine.example")
    path = f"/api/v1/short-domains/{domain['id']}"
    assert call(client, other_tenant, "PATCH", path, {"enabled": False}).status_code == 404
    assert call(client, other_tenant, "DELETE", path).status_code == 404
    link = call(
        client,
        other_tenant,
        "POST",
        "/api/v1/links",
        {"destination": DESTINATION, "domain": "go.mine.example"},
    )
    assert link.status_code == 422
    assert call(client, tenant, "GET", "/api/v1/short-domains").json()[0]["enabled"] is True


def test_settings_page_adds_checks_and_enables(
    client: TestClient, tenant: Tenant, session: Session, dns: FakeDns, link_settings: Settings
) -> None:
    user = make_user(session)
    add_member(session, tenant.organisation, user, Role.ADMIN)
    sign_in(client, user.email)

    def post(path: str, **data: str) -> Any:
        fields = {**data, "csrf_token": token(client, "/links/domains")}
        return client.post(path, data=fields, follow_redirects=False)

    bad = post("/links/domains", host="not a host")
    assert bad.status_code == 422
    assert 'id="f-host-error"' in bad.text and 'value="not a host"' in bad.text
    assert post("/links/domains", host="go.page.example").status_code == 303
    page = client.get("/links/domains?done=added")
    value = txt_value(link_settings, tenant.organisation.id, "go.page.example")
    assert "_microreach.go.page.example" in page.text and value in page.text
    domain = call(client, tenant, "GET", "/api/v1/short-domains").json()[0]
    action = f"/links/domains/{domain['id']}"
    failed = post(f"{action}/check")
    assert failed.status_code == 422 and "no TXT record" in html.unescape(failed.text)
    dns.records["_microreach.go.page.example"] = [value]
    assert post(f"{action}/check").headers["location"] == "/links/domains?done=verified"
    assert post(f"{action}/enable").status_code == 303
    new_link = client.get("/links/new")
    assert '<option value="go.page.example"' in new_link.text
    assert post(f"{action}/shout").status_code == 404
    assert post(f"{action}/remove").headers["location"] == "/links/domains?done=removed"
    assert call(client, tenant, "GET", "/api/v1/short-domains").json() == []


def test_members_below_admin_cannot_add_domains(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    user = make_user(session)
    add_member(session, tenant.organisation, user, Role.MEMBER)
    sign_in(client, user.email)
    fields = {"host": "go.member.example", "csrf_token": token(client, "/links/domains")}
    response = client.post("/links/domains", data=fields)
    assert response.status_code == 403 and "admin role or higher" in response.text
