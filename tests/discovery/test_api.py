"""Discovery over HTTP: search, fit, lookalikes, plan, problem details, the /discover page."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.discovery.indexer import IndexResult
from microreach.discovery.models import DiscoveryProfile
from tests.web.support import TestClient


def _some_account(connection: Connection) -> str:
    stmt = sa.select(DiscoveryProfile.account_id).order_by(DiscoveryProfile.doc_id).limit(1)
    return str(connection.execute(stmt).scalar_one())


def test_search_with_list_filters_and_cursor(client: TestClient, indexed: IndexResult) -> None:
    query = "/api/v1/discovery/search?platform=instagram&platform=tiktok&limit=5&facets=true"
    first = client.get(query)
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["items"]) == 5 and body["next_cursor"] and body["facets"]["platform"]
    assert {i["platform"] for i in body["items"]} <= {"instagram", "tiktok"}
    second = client.get(f"{query}&cursor={body['next_cursor']}").json()
    assert not {i["account_id"] for i in second["items"]} & {i["account_id"] for i in body["items"]}


def test_bad_parameters_are_problem_details_naming_the_field(
    client: TestClient, indexed: IndexResult
) -> None:
    for query, field in [
        ("min_followers=10", "min_followers"),
        ("niche=knitting", "niche"),
        ("tier=giant", "tier"),
        ("country=USA", "country"),
        ("sort=fit", "sort"),
        ("cursor=abc", "cursor"),
    ]:
        response = client.get(f"/api/v1/discovery/search?{query}")
        assert response.status_code == 422, query
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == [field], query


def test_fit_explains_every_point(
    client: TestClient, connection: Connection, indexed: IndexResult
) -> None:
    account = _some_account(connection)
    brand = {"name": "Oats", "niches": ["food"], "countries": ["US"], "safety_keywords": ["beer"]}
    response = client.post("/api/v1/discovery/fit", json={"brand": brand, "account_ids": [account]})
    assert response.status_code == 200, response.text
    fit = response.json()[0]["fit"]
    assert sum(f["points"] for f in fit["factors"]) == fit["score"]
    bad = client.post(
        "/api/v1/discovery/fit", json={"brand": {"niches": ["x"]}, "account_ids": [account]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "brand.niches"


def test_lookalikes_give_reasons(
    client: TestClient, connection: Connection, indexed: IndexResult
) -> None:
    account = _some_account(connection)
    body = client.get(f"/api/v1/discovery/lookalikes/{account}?limit=5").json()
    assert body["seed"]["account_id"] == account
    assert body["items"] and all(i["reason"] for i in body["items"])
    sims = [i["similarity"] for i in body["items"]]
    assert sims == sorted(sims, reverse=True)
    assert account not in {i["item"]["account_id"] for i in body["items"]}
    missing = client.get("/api/v1/discovery/lookalikes/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_plan_stays_within_budget(client: TestClient, indexed: IndexResult) -> None:
    response = client.post("/api/v1/discovery/plan", json={"budget": 2500, "goal": "engagements"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["plan"]["picks"] and body["plan"]["cost"] <= 2500
    assert body["plan"]["expected_low"] <= body["plan"]["expected"] <= body["plan"]["expected_high"]
    assert body["all_macro"]["cost"] <= 2500
    assert all(p["cost_estimated"] for p in body["plan"]["picks"])
    bad = client.post("/api/v1/discovery/plan", json={"budget": -1})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "budget"


def test_discover_page_and_fragments(client: TestClient, indexed: IndexResult) -> None:
    page = client.get("/discover?brand_niche=food&limit=3")
    assert page.status_code == 200 and "Discover" in page.text and "Load more" in page.text
    fragment = client.get("/discover?q=ootd", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    bad = client.get("/discover?min_followers=1", headers={"HX-Request": "true"})
    assert bad.status_code == 422
