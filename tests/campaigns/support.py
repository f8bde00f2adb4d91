"""Helpers for the campaigns tests: a brand and creators signed up through HTTP, JSON calls
with the page's CSRF token, a valid brief, and small media files."""

from __future__ import annotations

from typing import Any

import httpx

from tests.accounts.support import PASSWORD, post, token
from tests.web.support import TestClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BRIEF: dict[str, Any] = {
    "name": "Spring running shoes",
    "goal": "sales",
    "starts_on": "2026-03-01",
    "ends_on": "2026-04-30",
    "budget_minor": 500_000,
    "currency": "EUR",
    "required_hashtags": ["#RunFree"],
    "required_mentions": ["@swiftshoes"],
    "disclosure_required": True,
    "guidelines": "Show the shoes outdoors.",
    "deliverables": [{"kind": "reel", "count": 1}, {"kind": "story", "count": 2}],
    "default_terms": {"flat_fee": 30_000, "per_click": 10},
}


def brand(client: TestClient, email: str = "brand@example.com", org: str = "Swift Shoes") -> None:
    data = {
        "email": email,
        "display_name": "Bea Brand",
        "password": PASSWORD,
        "organisation_name": org,
    }
    response = post(client, "/sign-up", data, page="/sign-up")
    assert response.status_code == 303, response.text


def creator(client: TestClient, email: str) -> None:
    data = {"email": email, "display_name": "Cre Ator", "password": PASSWORD}
    response = post(client, "/portal/sign-up", data, page="/portal/sign-up")
    assert response.status_code == 303, response.text


def api(
    client: TestClient, method: str, path: str, body: Any = None, *, page: str = "/organisation"
) -> httpx.Response:
    """A JSON call from a signed-in browser: the session cookie and the page's CSRF token."""
    headers = {"X-CSRF-Token": token(client, page)} if method != "GET" else {}
    return client.request(method, path, json=body, headers=headers)


def create_campaign(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = api(client, "POST", "/api/v1/campaigns", {**BRIEF, **changes})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def form(
    client: TestClient, path: str, data: dict[str, Any], page: str, **kwargs: Any
) -> httpx.Response:
    """Submit a form with the CSRF token of ``page``; redirects not followed."""
    fields = {**data, "csrf_token": token(client, page)}
    return client.post(path, data=fields, follow_redirects=False, **kwargs)


def invite(client: TestClient, campaign_id: str, *targets: tuple[str, str]) -> httpx.Response:
    body = {"creators": [{"account_id": a, "email": e} for a, e in targets]}
    return api(client, "POST", f"/api/v1/campaigns/{campaign_id}/invitations", body)


def link_path(url: str) -> str:
    return url[url.index("/portal/") :]


def accepted(
    shop: TestClient, cre: TestClient, account_id: str, email: str = "sunny@example.com"
) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
    """A started campaign the creator (signed up with ``email``) accepted through the link:
    the campaign, the creator's portal page and the deliverables."""
    campaign = create_campaign(shop)
    api(shop, "POST", f"/api/v1/campaigns/{campaign['id']}/status", {"status": "active"})
    invited = invite(shop, campaign["id"], (account_id, email))
    assert invited.status_code == 201, invited.text
    creator(cre, email)
    link = link_path(invited.json()[0]["url"])
    answer = form(
        cre,
        "/portal/invitations",
        {"token": link.split("token=")[1], "answer": "accept"},
        page=link,
    )
    assert answer.status_code == 303, answer.text
    items = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/deliverables").json()
    return campaign, answer.headers["location"].split("?")[0], items
