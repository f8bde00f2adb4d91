"""The lists API through HTTP: sessions and API keys, problem details for bad input."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts import organisations
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.models import Organisation, User
from microreach.accounts.schemas import ApiKeyCreate
from microreach.config import Settings
from microreach.kit.clock import utcnow
from tests.campaigns.support import api, brand, create_campaign
from tests.factories import make_account, make_creator
from tests.web.support import TestClient


def _key(session: Session, settings: Settings, email: str, *scopes: ApiScope) -> dict[str, str]:
    user = session.scalars(sa.select(User).where(User.email == email)).one()
    org = session.scalars(sa.select(Organisation).where(Organisation.name == "Swift Shoes")).one()
    ctx = OrgContext(org, user, Role.OWNER)
    created = organisations.create_api_key(
        session, settings, ctx, ApiKeyCreate(name="k", scopes=list(scopes)), utcnow()
    )
    return {"Authorization": f"Bearer {created.secret}"}


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error = response.json()["errors"][0]
    assert isinstance(error, dict)
    return error


def test_lists_through_the_api(new_client: Callable[[], TestClient], session: Session) -> None:
    shop = new_client()
    brand(shop)
    a = make_account(session, creator=make_creator(session, contact_email="a@example.com"))
    b = make_account(session)
    made = api(shop, "POST", "/api/v1/lists", {"name": "Summer", "description": "Shortlist"})
    assert made.status_code == 201, made.text
    list_id = made.json()["id"]
    added = api(
        shop, "POST", f"/api/v1/lists/{list_id}/members", {"account_ids": [str(b.id), str(a.id)]}
    )
    assert added.json()["added"] == [str(b.id), str(a.id)]
    assert (
        api(
            shop, "PUT", f"/api/v1/lists/{list_id}/order", {"account_ids": [str(a.id), str(b.id)]}
        ).status_code
        == 204
    )
    assert api(shop, "PUT", f"/api/v1/lists/creators/{a.id}/tags", {"tags": ["Vegan"]}).json() == [
        "vegan"
    ]
    note = api(shop, "POST", f"/api/v1/lists/creators/{a.id}/notes", {"body": "rates sent"})
    assert note.status_code == 201 and note.json()["author"].startswith("Bea Brand")
    detail = api(shop, "GET", f"/api/v1/lists/{list_id}?tag=vegan").json()
    assert [m["handle"] for m in detail["member_list"]] == [a.handle]
    assert detail["members"] == 2 and detail["member_list"][0]["notes"] == 1
    exported = api(shop, "GET", f"/api/v1/lists/{list_id}/export.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="Summer.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["handle"] for r in rows] == [a.handle, b.handle]
    assert rows[0]["tags"] == "vegan" and rows[0]["notes"] == "1"
    assert api(shop, "GET", f"/api/v1/lists/creators/{a.id}").json()["lists"][0]["name"] == "Summer"
    renamed = api(shop, "PATCH", f"/api/v1/lists/{list_id}", {"name": "Summer 26"})
    assert renamed.json()["name"] == "Summer 26" and renamed.json()["description"] == "Shortlist"
    campaign = create_campaign(shop)
    invited = api(
        shop, "POST", f"/api/v1/lists/{list_id}/campaign", {"campaign_id": campaign["id"]}
    )
    assert invited.status_code == 200, invited.text
    body = invited.json()
    assert [i["handle"] for i in body["invited"]] == [a.handle]
    assert "/portal/invitations?token=" in body["invited"][0]["url"]
    assert [(s["handle"], s["reason"][:16]) for s in body["skipped"]] == [
        (b.handle, "no contact email")
    ]
    creators = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/creators").json()
    assert [c["handle"] for c in creators] == [a.handle]
    removed = api(
        shop, "POST", f"/api/v1/lists/{list_id}/members/remove", {"account_ids": [str(a.id)]}
    )
    assert removed.json()["removed"] == [str(a.id)]
    assert api(shop, "DELETE", f"/api/v1/lists/{list_id}").status_code == 204
    assert api(shop, "GET", "/api/v1/lists").json() == []


def test_bad_input_is_named(new_client: Callable[[], TestClient], session: Session) -> None:
    shop, other = new_client(), new_client()
    brand(shop)
    brand(other, "other@example.com", "Other Shop")
    list_id = api(shop, "POST", "/api/v1/lists", {"name": "Summer"}).json()["id"]
    unknown = str(uuid.uuid4())
    error = _problem(
        api(shop, "POST", f"/api/v1/lists/{list_id}/members", {"account_ids": [unknown]}), 422
    )
    assert error["field"] == "account_ids" and error["value"] == [unknown]
    error = _problem(api(shop, "POST", "/api/v1/lists", {"name": "summer"}), 409)
    assert error["field"] == "name"
    _problem(api(shop, "POST", "/api/v1/lists", {"name": "  "}), 422)
    for method, path in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/export.csv")):
        response = api(
            other,
            method,
            f"/api/v1/lists/{list_id}{path}",
            {"name": "x"} if method == "PATCH" else None,
        )
        assert response.status_code == 404, (method, path, response.text)
    error = _problem(
        api(
            shop,
            "POST",
            "/api/v1/saved-searches",
            {"name": "s", "query": {"min_authenticity": 500}},
        ),
        422,
    )
    assert error["field"] == "query.min_authenticity" and error["value"] == 500
    error = _problem(
        api(shop, "POST", "/api/v1/saved-searches", {"name": "s", "query": {"colour": "red"}}), 422
    )
    assert error["field"] == "query.colour"
    note = api(shop, "POST", f"/api/v1/lists/creators/{uuid.uuid4()}/notes", {"body": "x"})
    assert note.status_code == 404
    error = _problem(
        api(
            shop,
            "PUT",
            f"/api/v1/lists/creators/{make_account(session).id}/tags",
            {"tags": ["ok", "#"]},
        ),
        422,
    )
    assert error["field"] == "tags.1"


def test_saved_searches_through_the_api(new_client: Callable[[], TestClient]) -> None:
    shop = new_client()
    brand(shop)
    saved = api(shop, "POST", "/api/v1/saved-searches", {"name": "DE", "query": {"country": "de"}})
    assert saved.status_code == 201, saved.text
    search_id = saved.json()["id"]
    run = api(shop, "GET", f"/api/v1/saved-searches/{search_id}").json()
    assert run["results"] == 0 and run["url"] == "/discover?country=DE"
    assert (
        api(shop, "PATCH", f"/api/v1/saved-searches/{search_id}", {"name": "Germany"}).json()[
            "name"
        ]
        == "Germany"
    )
    assert [s["name"] for s in api(shop, "GET", "/api/v1/saved-searches").json()] == ["Germany"]
    assert api(shop, "DELETE", f"/api/v1/saved-searches/{search_id}").status_code == 204
    assert api(shop, "GET", f"/api/v1/saved-searches/{search_id}").status_code == 404


def test_api_keys_need_the_lists_scopes(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> None:
    shop = new_client()
    brand(shop)
    list_id = api(shop, "POST", "/api/v1/lists", {"name": "Summer"}).json()["id"]
    anonymous = new_client()
    reader = _key(session, settings, "brand@example.com", ApiScope.LISTS_READ)
    writer = _key(session, settings, "brand@example.com", ApiScope.LISTS_WRITE)
    links = _key(session, settings, "brand@example.com", ApiScope.LINKS_WRITE)
    assert anonymous.get("/api/v1/lists").status_code == 401
    assert anonymous.get("/api/v1/lists", headers=links).status_code == 403
    assert [r["name"] for r in anonymous.get("/api/v1/lists", headers=reader).json()] == ["Summer"]
    assert anonymous.get(f"/api/v1/lists/{list_id}", headers=writer).status_code == 200
    assert anonymous.post("/api/v1/lists", json={"name": "K"}, headers=reader).status_code == 403
    made = anonymous.post("/api/v1/lists", json={"name": "K"}, headers=writer)
    assert made.status_code == 201, made.text
    account = make_account(session)
    add = anonymous.post(
        f"/api/v1/lists/{made.json()['id']}/members",
        json={"account_ids": [str(account.id)]},
        headers=writer,
    )
    assert add.status_code == 200
    detail = anonymous.get(f"/api/v1/lists/{made.json()['id']}", headers=reader).json()
    assert detail["member_list"][0]["added_by"] == "API key k"
    campaign = create_campaign(shop)
    refused = anonymous.post(
        f"/api/v1/lists/{list_id}/campaign", json={"campaign_id": campaign["id"]}, headers=writer
    )
    assert refused.status_code == 403
