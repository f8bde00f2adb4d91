"""Links for every creator of a campaign: one per accepted creator, UTM from the invited
account, creators who have one skipped; through the API and the page."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database
from tests.accounts.support import token
from tests.campaigns.support import accepted, api, brand, creator, form, invite, link_path
from tests.factories import make_account
from tests.links.conftest import BROWSER_UA
from tests.web.support import TestClient, running_client

DESTINATION = "https://shop.example.com/spring"


@pytest.fixture
def new_client(link_settings: Settings, database: Database) -> Iterator[Callable[[], TestClient]]:
    with ExitStack() as stack:

        def make() -> TestClient:
            client = stack.enter_context(running_client(link_settings, database))
            client.headers["User-Agent"] = BROWSER_UA
            return client

        yield make


def accept(
    shop: TestClient, cre: TestClient, campaign_id: str, account_id: str, email: str
) -> None:
    invited = invite(shop, campaign_id, (account_id, email))
    assert invited.status_code == 201, invited.text
    creator(cre, email)
    page = link_path(invited.json()[0]["url"])
    answer = form(
        cre, "/portal/invitations", {"token": page.split("token=")[1], "answer": "accept"}, page
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def campaign(
    new_client: Callable[[], TestClient], session: Session
) -> tuple[TestClient, dict[str, Any], list[Any]]:
    """A brand's campaign with two accepted creators and one still invited."""
    shop = new_client()
    brand(shop, "shop@example.com", "Spring Shop")
    ana = make_account(session, handle="ana.runs")
    ben = make_account(session, handle="ben.bikes")
    pending = make_account(session, handle="cleo.pending")
    found, _, _ = accepted(shop, new_client(), str(ana.id), "ana@example.com")
    accept(shop, new_client(), found["id"], str(ben.id), "ben@example.com")
    invite(shop, found["id"], (str(pending.id), "cleo@example.com"))
    return shop, found, [ana, ben, pending]


def bulk(shop: TestClient, campaign_id: str, **body: Any) -> dict[str, Any]:
    payload = {"campaign_id": campaign_id, "destination": DESTINATION, **body}
    response = api(shop, "POST", "/api/v1/links/bulk-campaign", payload)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_one_link_per_accepted_creator_then_skips(
    campaign: tuple[TestClient, dict[str, Any], list[Any]],
) -> None:
    shop, found, (ana, ben, pending) = campaign
    first = bulk(shop, found["id"], utm_campaign="spring")
    by_creator = {link["creator_id"]: link for link in first["created"]}
    assert set(by_creator) == {str(ana.creator_id), str(ben.creator_id)}
    assert first["skipped"] == []
    ana_link = by_creator[str(ana.creator_id)]
    assert ana_link["campaign_id"] == found["id"]
    assert ana_link["redirect_url"] == (
        f"{DESTINATION}?utm_source=instagram&utm_medium=influencer"
        "&utm_campaign=spring&utm_content=ana.runs"
    )
    assert len({link["slug"] for link in first["created"]}) == 2

    again = bulk(shop, found["id"])
    assert again["created"] == []
    skipped = {skip["creator_id"]: skip for skip in again["skipped"]}
    assert set(skipped) == {str(ana.creator_id), str(ben.creator_id)}
    assert skipped[str(ana.creator_id)]["link_id"] == ana_link["id"]
    assert f"/{ana_link['slug']}" in skipped[str(ana.creator_id)]["reason"]

    elsewhere = bulk(shop, found["id"], destination="https://shop.example.com/other")
    assert len(elsewhere["created"]) == 2  # another destination is another link
    assert str(pending.creator_id) not in {link["creator_id"] for link in elsewhere["created"]}


def test_another_organisations_campaign_is_refused(
    campaign: tuple[TestClient, dict[str, Any], list[Any]],
    new_client: Callable[[], TestClient],
) -> None:
    _, found, _ = campaign
    other = new_client()
    brand(other, "other@example.com", "Other Shop")
    response = api(
        other,
        "POST",
        "/api/v1/links/bulk-campaign",
        {"campaign_id": found["id"], "destination": DESTINATION},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "campaign_id"
    assert api(other, "GET", "/api/v1/links").json()["items"] == []


def test_the_page_reports_created_and_skipped(
    campaign: tuple[TestClient, dict[str, Any], list[Any]],
) -> None:
    shop, found, _ = campaign
    bulk(shop, found["id"], destination=DESTINATION)
    page = shop.get(f"/links/bulk?campaign_id={found['id']}")
    assert page.status_code == 200 and "Spring running shoes" in page.text
    fields = {
        "campaign_id": found["id"],
        "destination": "https://shop.example.com/summer",
        "utm_medium": "influencer",
        "csrf_token": token(shop, "/links/bulk"),
    }
    response = shop.post("/links/bulk", data=fields)
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "2 created, 0 skipped" in text
    assert "@ana.runs" in text and "@ben.bikes" in text
    fields["destination"] = DESTINATION
    repeated = html.unescape(shop.post("/links/bulk", data=fields).text)
    assert "0 created, 2 skipped" in repeated
    assert "@ana.runs: already has /" in repeated
    bad = shop.post("/links/bulk", data={**fields, "destination": "javascript:x"})
    assert bad.status_code == 422 and "only http and https" in html.unescape(bad.text)
