"""Link-in-bio: the creator edits the page in the portal (handle, bio line, order, hidden
links, titles); `/@handle` lists only live links of active campaigns, on the app host and on
short domains, and each entry is the tracked short link, so a tap is a click."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.links.models import Click, Link, ShortDomain
from tests.accounts.support import token
from tests.campaigns.support import accepted, api, brand, create_campaign
from tests.factories import make_account
from tests.links.conftest import BROWSER_UA
from tests.web.support import TestClient, running_client


@pytest.fixture
def new_client(link_settings: Settings, database: Database) -> Iterator[Callable[[], TestClient]]:
    with ExitStack() as stack:

        def make() -> TestClient:
            client = stack.enter_context(running_client(link_settings, database))
            client.headers["User-Agent"] = BROWSER_UA
            return client

        yield make


class World:
    def __init__(self, shop: TestClient, sunny: TestClient, campaign: dict[str, Any]) -> None:
        self.shop, self.sunny, self.campaign = shop, sunny, campaign
        self.links: dict[str, dict[str, Any]] = {}


def link(world: World, name: str, **body: Any) -> dict[str, Any]:
    path = name.lower().replace(" ", "-")
    payload = {"destination": f"https://shop.example.com/{path}", "title": name, **body}
    response = api(world.shop, "POST", "/api/v1/links", payload)
    assert response.status_code == 201, response.text
    world.links[name] = response.json()
    return world.links[name]


@pytest.fixture
def world(new_client: Callable[[], TestClient], session: Session) -> World:
    """Sunny accepted an active campaign; the brand made links of every kind for her."""
    shop, sunny = new_client(), new_client()
    brand(shop, "shop@example.com", "Sunny Shoes")
    account = make_account(session, handle="sunny.runs")
    other = make_account(session, handle="not.sunny")
    campaign, _, _ = accepted(shop, sunny, str(account.id), "sunny@example.com")
    w = World(shop, sunny, campaign)
    mine = {"creator_id": str(account.creator_id), "campaign_id": campaign["id"]}
    link(w, "Spring shoes", **mine)
    link(w, "Trail socks", **mine)
    link(w, "Turned off", enabled=False, **mine)
    link(w, "Expired", expires_at=(utcnow() - timedelta(hours=1)).isoformat(), **mine)
    link(w, "No campaign", creator_id=str(account.creator_id))
    link(w, "Someone else", creator_id=str(other.creator_id), campaign_id=campaign["id"])
    draft = create_campaign(shop, name="Later")
    link(w, "Draft campaign", creator_id=str(account.creator_id), campaign_id=draft["id"])
    return w


def save(client: TestClient, **data: Any) -> Any:
    fields = {**data, "csrf_token": token(client, "/portal/bio")}
    return client.post("/portal/bio", data=fields, follow_redirects=False)


def titles(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'class="bio-link"[^>]*>([^<]+)</a>', page)]


def rows(world: World) -> dict[str, Any]:
    """The editor's rows: link ids in the order shown."""
    page = world.sunny.get("/portal/bio").text
    return {"link_id": re.findall(r'name="link_id" value="([^"]+)"', page)}


def test_editor_lists_only_live_links_of_active_campaigns(world: World) -> None:
    page = world.sunny.get("/portal/bio")
    assert page.status_code == 200
    ids = rows(world)["link_id"]
    expected = [world.links[name]["id"] for name in ("Trail socks", "Spring shoes")]
    assert ids == expected  # newest first until the creator orders them


def test_save_then_public_page_in_order_with_hidden_and_titles(
    world: World, new_client: Callable[[], TestClient]
) -> None:
    spring, socks = world.links["Spring shoes"], world.links["Trail socks"]
    response = save(
        world.sunny,
        handle="@Sunny.Runs",
        bio="  Running   every day  ",
        link_id=[socks["id"], spring["id"]],
        position=["2", "1"],
        title=["", "New spring shoes"],
        shown=[spring["id"], socks["id"]],
    )
    assert response.status_code == 303, response.text
    visitor = new_client()
    page = visitor.get("/@sunny.runs")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-cache"
    assert '<h1 class="bio-handle">@sunny.runs</h1>' in page.text
    assert "Running every day" in page.text
    assert titles(page.text) == ["New spring shoes", "Trail socks"]
    hrefs = re.findall(r'class="bio-link" href="([^"]+)"', page.text)
    assert hrefs == [spring["short_url"], socks["short_url"]]
    assert visitor.get("/@SUNNY.RUNS").status_code == 200

    save(
        world.sunny,
        handle="sunny.runs",
        link_id=[socks["id"], spring["id"]],
        position=["1", "2"],
        title=["", ""],
        shown=[spring["id"]],
    )
    assert titles(visitor.get("/@sunny.runs").text) == ["Spring shoes"]


def test_a_tap_on_the_page_is_a_tracked_click(
    world: World, new_client: Callable[[], TestClient], session: Session
) -> None:
    save(world.sunny, handle="sunny.runs")
    visitor = new_client()
    page = visitor.get("/@sunny.runs")
    href = re.findall(r'class="bio-link" href="([^"]+)"', page.text)[0]
    path = "/" + href.rsplit("/", 1)[1]
    response = visitor.get(
        path, headers={"Referer": "http://testserver/@sunny.runs"}, follow_redirects=False
    )
    assert response.status_code == 302 and "mr_cid=" in response.headers["location"]
    session.expire_all()
    clicks = session.scalars(sa.select(Click)).all()
    assert len(clicks) == 1
    assert str(clicks[0].link_id) == world.links["Trail socks"]["id"]
    assert clicks[0].referrer_domain == "testserver"


def test_page_is_served_on_a_short_domain(
    world: World, new_client: Callable[[], TestClient], session: Session
) -> None:
    save(world.sunny, handle="sunny.runs")
    slug = world.links["Spring shoes"]["slug"]
    organisation_id = session.scalar(sa.select(Link.organisation_id).where(Link.slug == slug))
    assert organisation_id is not None
    session.add(
        ShortDomain(
            organisation_id=organisation_id,
            host="go.sunny.example",
            enabled=True,
            verified_at=utcnow(),
        )
    )
    session.flush()
    page = new_client().get("/@sunny.runs", headers={"Host": "go.sunny.example"})
    assert page.status_code == 200 and titles(page.text) == ["Trail socks", "Spring shoes"]


def test_campaign_end_and_disable_take_links_off_the_page(world: World) -> None:
    save(world.sunny, handle="sunny.runs")
    spring = world.links["Spring shoes"]
    api(world.shop, "PATCH", f"/api/v1/links/{spring['id']}", {"enabled": False})
    assert titles(world.sunny.get("/@sunny.runs").text) == ["Trail socks"]
    path = f"/api/v1/campaigns/{world.campaign['id']}/status"
    assert api(world.shop, "POST", path, {"status": "completed"}).status_code == 200
    page = world.sunny.get("/@sunny.runs")
    assert titles(page.text) == [] and "No links right now." in page.text


@pytest.mark.parametrize(
    ("handle", "expected"),
    [("ab", "cannot be a handle"), ("bad handle", "cannot be a handle"), ("-x-y-", "cannot be")],
)
def test_bad_handles_show_beside_the_field(world: World, handle: str, expected: str) -> None:
    response = save(world.sunny, handle=handle, bio="kept")
    assert response.status_code == 422
    error = re.search(r'id="f-handle-error">([^<]+)<', response.text)
    assert error and expected in html.unescape(error.group(1))
    assert 'value="kept"' in response.text


def test_handles_are_unique_and_links_must_be_the_creators(
    world: World, new_client: Callable[[], TestClient], session: Session
) -> None:
    assert save(world.sunny, handle="sunny.runs").status_code == 303
    rival = new_client()
    account = make_account(session, handle="rival.runs")
    accepted(world.shop, rival, str(account.id), "rival@example.com")
    taken = save(rival, handle="Sunny.Runs")
    assert taken.status_code == 409 and "@sunny.runs is taken" in html.unescape(taken.text)
    foreign = world.links["Someone else"]["id"]
    refused = save(rival, handle="rival.runs", link_id=[foreign], position=["1"], title=["x"])
    assert refused.status_code == 422 and "not one of your live links" in refused.text
    assert new_client().get("/@rival.runs").status_code == 404
    assert new_client().get("/@nobody.here").status_code == 404
    assert new_client().get("/@x").status_code == 404


def test_only_creators_have_a_bio_page(world: World) -> None:
    response = world.shop.get("/portal/bio")
    assert response.status_code == 403
    assert world.shop.get("/@shop").status_code == 404
