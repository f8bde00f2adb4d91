"""The link pages: the create form (errors beside fields, UTM prefill), the link page with its
rolled-up clicks and QR downloads, editing, enabling and disabling."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from microreach.accounts.enums import Role
from microreach.accounts.models import User
from microreach.config import Settings
from microreach.kit.clock import utcnow
from microreach.links.tasks import rollup_clicks
from tests.accounts.support import add_member, make_user, sign_in, token
from tests.factories import make_account
from tests.links.conftest import Tenant
from tests.links.test_api import create
from tests.web.support import TestClient, is_local, references

LINK_FIELDS = {
    "destination": "https://shop.example.com/autumn",
    "title": "Autumn drop",
    "slug": "Autumn-26",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "autumn",
    "utm_content": "",
    "expires_at": "2030-01-31T12:30",
    "fallback_url": "https://shop.example.com/",
}


def member(session: Session, client: TestClient, tenant: Tenant, role: Role = Role.MEMBER) -> User:
    user = make_user(session)
    add_member(session, tenant.organisation, user, role)
    sign_in(client, user.email)
    return user


def submit(
    client: TestClient, path: str, data: dict[str, str], page: str = "/links/new"
) -> httpx.Response:
    fields = {**data, "csrf_token": token(client, page)}
    return client.post(path, data=fields, follow_redirects=False)


def field_error(page: str, name: str) -> str:
    """The text shown beside field `name` (the error paragraph right after its input)."""
    match = re.search(rf'<p class="field-error" id="f-{name}-error">(.*?)</p>', page, re.S)
    assert match, f"no error shown beside {name}"
    return html.unescape(match.group(1))


def test_create_a_link_through_the_form(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    member(session, client, tenant)
    form = client.get("/links/new")
    assert form.status_code == 200 and 'name="destination"' in form.text
    assert all(is_local(url) for url in references(form.text))
    response = submit(client, "/links/new", LINK_FIELDS)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/links/[0-9a-f-]{36}\?done=created", location)
    link_id = location.split("/")[2].split("?")[0]
    link = client.get(f"/api/v1/links/{link_id}").json()
    assert link["slug"] == "Autumn-26" and link["title"] == "Autumn drop"
    assert link["redirect_url"] == (
        "https://shop.example.com/autumn?utm_source=newsletter&utm_medium=email&utm_campaign=autumn"
    )
    assert datetime.fromisoformat(link["expires_at"]) == datetime(2030, 1, 31, 12, 30, tzinfo=UTC)
    assert link["fallback_url"] == "https://shop.example.com/"
    page = client.get(location)
    assert "Link created." in page.text and link["short_url"] in page.text
    for kind in ("svg", "png"):
        href = f"/api/v1/links/{link_id}/qr.{kind}"
        assert f'href="{href}" download="Autumn-26.{kind}"' in page.text
        assert client.get(href).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("destination", "javascript:alert(1)", "only http and https are allowed"),
        ("destination", "https://user:pw@shop.example.com/", "user name or password"),
        ("destination", "http://127.0.0.1/admin", "127.0.0.1"),
        ("slug", "links", "reserved for the app's own pages"),
        ("slug", "@me", "kept for the app"),
        ("fallback_url", "ftp://shop.example.com/", "only http and https are allowed"),
        ("expires_at", "tomorrow", "not a date and time"),
        ("domain", "go.nowhere.example", "is not a short domain of"),
    ],
)
def test_form_errors_show_beside_their_field(
    client: TestClient, tenant: Tenant, session: Session, field: str, value: str, expected: str
) -> None:
    member(session, client, tenant)
    response = submit(client, "/links/new", {**LINK_FIELDS, field: value})
    assert response.status_code == 422
    page = response.text
    assert expected in field_error(page, field)
    # What was typed is kept, so nothing has to be typed again.
    assert 'value="Autumn drop"' in page


def test_a_taken_slug_is_a_conflict_beside_the_slug(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    member(session, client, tenant)
    create(client, tenant, slug="Autumn-26")
    response = submit(client, "/links/new", LINK_FIELDS)
    assert response.status_code == 409
    assert "already used" in field_error(response.text, "slug")


def test_choosing_a_creator_prefills_utm_as_the_api_does(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    member(session, client, tenant)
    account = make_account(session, handle="jane_runs")
    fragment = client.get(
        f"/links/new?creator_id={account.creator_id}&utm_campaign=spring",
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    fields = dict(re.findall(r'name="(utm_\w+)" type="text" value="([^"]*)"', fragment.text))
    assert fields == {
        "utm_source": "instagram",
        "utm_medium": "influencer",
        "utm_campaign": "spring",
        "utm_content": "jane_runs",
    }
    bad = client.get("/links/new?creator_id=not-a-uuid")
    assert bad.status_code == 422
    assert "not one of the choices" in field_error(bad.text, "creator_id")


def test_edit_then_disable_and_enable(client: TestClient, tenant: Tenant, session: Session) -> None:
    member(session, client, tenant)
    link = create(client, tenant, title="Old title", utm_campaign="spring")
    page = f"/links/{link['id']}"
    edit = {**LINK_FIELDS, "title": "", "utm_source": "", "utm_medium": "", "utm_campaign": ""}
    edit["destination"] = "https://shop.example.com/new"
    response = submit(client, page, edit, page=page)
    assert response.status_code == 303, response.text
    saved = client.get(f"/api/v1/links/{link['id']}").json()
    assert saved["title"] is None and saved["utm_campaign"] is None
    assert saved["destination"] == "https://shop.example.com/new"
    bad = submit(client, page, {**edit, "destination": "mailto:x@example.com"}, page=page)
    assert bad.status_code == 422
    assert "only http and https" in field_error(bad.text, "destination")

    off = submit(client, f"{page}/enabled", {"enabled": "false"}, page=page)
    assert off.status_code == 303
    assert client.get(f"/{link['slug']}", follow_redirects=False).status_code == 404
    assert "Link disabled" in client.get(f"{page}?done=disabled").text
    submit(client, f"{page}/enabled", {"enabled": "true"}, page=page)
    assert client.get(f"/{link['slug']}", follow_redirects=False).status_code == 302


def test_link_page_shows_rolled_up_clicks(
    client: TestClient, tenant: Tenant, session: Session, link_settings: Settings
) -> None:
    member(session, client, tenant, Role.VIEWER)
    link = create(client, tenant, title="Counted")
    for _ in range(3):
        client.get(f"/{link['slug']}", follow_redirects=False)
    client.get(
        f"/{link['slug']}",
        follow_redirects=False,
        headers={"User-Agent": "Twitterbot/1.0", "Referer": "https://t.co/x"},
    )
    rollup_clicks(session, link_settings, utcnow() + timedelta(minutes=1))
    page = client.get(f"/links/{link['id']}")
    assert page.status_code == 200
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page.text))
    assert stats == {"Human clicks": "3", "Unique visitors": "1", "Bots and previews": "1"}
    today = utcnow().date().isoformat()
    assert f'<td>{today}</td><td class="num">3</td><td class="num">1</td>' in page.text
    assert "<td>desktop</td>" in page.text and "direct or hidden" in page.text
    summary = client.get(f"/api/v1/links/{link['id']}/clicks").json()
    assert summary["by_day"] == [{"day": today, "clicks": 3, "uniques": 1}]


def test_viewers_see_but_cannot_change(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    member(session, client, tenant, Role.VIEWER)
    response = submit(client, "/links/new", LINK_FIELDS)
    assert response.status_code == 403
    assert "member role or higher" in response.text


def test_another_organisations_link_page_is_not_found(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, session: Session
) -> None:
    theirs = create(client, other_tenant)
    member(session, client, tenant)
    assert client.get(f"/links/{theirs['id']}").status_code == 404
    page = "/links/new"
    response = submit(client, f"/links/{theirs['id']}/enabled", {"enabled": "false"}, page=page)
    assert response.status_code == 404
    assert client.get(f"/api/v1/links/{theirs['id']}", headers=other_tenant.headers).json()[
        "enabled"
    ]
