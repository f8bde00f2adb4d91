"""The redirect path through the web app: 302 + no-store + mr_cid, HEAD, 404/orphans,
expired/fallback/disabled, cache invalidation, clicks recorded once, bots, uniques."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.kit.clock import utcnow
from microreach.links.clickids import ClickIds
from microreach.links.models import Click, OrphanVisit
from tests.links.conftest import Tenant
from tests.links.test_api import DESTINATION, create
from tests.web.support import TestClient, app_of


def clicks(session: Session, link_id: object) -> list[Click]:
    session.expire_all()
    query = sa.select(Click).where(Click.link_id == uuid.UUID(str(link_id)))
    return list(session.scalars(query.order_by(Click.occurred_at)))


def test_redirect_302_no_store_with_click_id(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    link = create(client, tenant)
    response = client.get(
        f"/{link['slug']}",
        follow_redirects=False,
        headers={"Referer": "https://www.instagram.com/stories/x"},
    )
    assert response.status_code == 302
    assert response.headers["cache-control"] == "no-store"
    location = response.headers["location"]
    assert location.startswith(DESTINATION + "&mr_cid=")
    click_id = parse_qs(urlsplit(location).query)["mr_cid"][0]
    recorded = clicks(session, link["id"])
    assert [click.id.hex for click in recorded] == [click_id]
    click = recorded[0]
    assert click.referrer_domain == "www.instagram.com"
    assert click.device == "desktop" and click.browser == "Chrome"
    assert click.is_bot is False and click.is_unique is True and click.method == "GET"


def test_head_is_answered_but_not_counted(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    link = create(client, tenant)
    response = client.head(f"/{link['slug']}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == DESTINATION
    assert clicks(session, link["id"]) == []


def test_unknown_slug_is_404_and_an_orphan_visit(client: TestClient, session: Session) -> None:
    response = client.get("/NoSuchLink9", follow_redirects=False)
    assert response.status_code == 404
    assert "No page at /NoSuchLink9." in response.text
    orphans = session.scalars(sa.select(OrphanVisit).where(OrphanVisit.slug == "NoSuchLink9"))
    assert [orphan.host for orphan in orphans] == ["testserver"]


def test_slugs_are_case_sensitive_on_redirect(client: TestClient, tenant: Tenant) -> None:
    link = create(client, tenant, slug="CaseTest")
    assert client.get("/CaseTest", follow_redirects=False).status_code == 302
    assert client.get("/casetest", follow_redirects=False).status_code == 404
    assert link["slug"] == "CaseTest"


def test_app_routes_still_win(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/api/openapi.json").status_code == 200


def test_expired_link_goes_to_fallback_or_410(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    past = (utcnow() - timedelta(minutes=1)).isoformat()
    with_fallback = create(
        client, tenant, expires_at=past, fallback_url="https://shop.example.com/ended"
    )
    response = client.get(f"/{with_fallback['slug']}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "https://shop.example.com/ended"
    assert response.headers["cache-control"] == "no-store"
    without = create(client, tenant, expires_at=past)
    assert client.get(f"/{without['slug']}", follow_redirects=False).status_code == 410
    assert clicks(session, with_fallback["id"]) == []


def test_disabled_link_is_404(client: TestClient, tenant: Tenant) -> None:
    link = create(client, tenant, enabled=False)
    assert client.get(f"/{link['slug']}", follow_redirects=False).status_code == 404


def test_cache_is_invalidated_after_an_update(client: TestClient, tenant: Tenant) -> None:
    link = create(client, tenant)
    path = f"/{link['slug']}"
    assert client.get(path, follow_redirects=False).status_code == 302  # now cached
    client.patch(
        f"/api/v1/links/{link['id']}",
        json={"destination": "https://other.example.org/new"},
        headers=tenant.headers,
    )
    moved = client.get(path, follow_redirects=False)
    assert moved.headers["location"].startswith("https://other.example.org/new?mr_cid=")
    client.patch(f"/api/v1/links/{link['id']}", json={"enabled": False}, headers=tenant.headers)
    assert client.get(path, follow_redirects=False).status_code == 404


def test_warm_cache_does_not_read_links(client: TestClient, tenant: Tenant) -> None:
    link = create(client, tenant)
    cache = app_of(client).state.redirector.cache
    assert client.get(f"/{link['slug']}", follow_redirects=False).status_code == 302
    loads = cache.loads
    for _ in range(4):
        assert client.get(f"/{link['slug']}", follow_redirects=False).status_code == 302
    assert cache.loads == loads


def test_bots_and_previews_are_flagged(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    link = create(client, tenant)
    for agent in (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "curl/8.5.0",
        "",
    ):
        response = client.get(
            f"/{link['slug']}", follow_redirects=False, headers={"User-Agent": agent}
        )
        assert response.status_code == 302
    recorded = clicks(session, link["id"])
    assert len(recorded) == 4
    assert all(click.is_bot and click.device == "bot" for click in recorded)
    assert {click.bot_name for click in recorded} >= {"facebookexternalhit", "Slackbot"}


def test_uniques_within_a_day(client: TestClient, tenant: Tenant, session: Session) -> None:
    link = create(client, tenant)
    for _ in range(3):
        client.get(f"/{link['slug']}", follow_redirects=False)
    client.get(
        f"/{link['slug']}",
        follow_redirects=False,
        headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"},
    )
    assert [click.is_unique for click in clicks(session, link["id"])] == [
        True,
        False,
        False,
        True,
    ]


def test_click_ids_are_random_time_ordered_v7_and_reset_in_a_fork() -> None:
    ids = ClickIds()
    drawn = {ids.next() for _ in range(1000)}
    assert len(drawn) == 1000 and {click_id.version for click_id in drawn} == {7}
    assert {click_id.variant for click_id in drawn} == {uuid.RFC_4122}
    later = ids.next()
    time.sleep(0.002)
    assert ids.next().hex > later.hex  # time-ordered: new ids sort after older ones
    ids.reset()
    assert ids.next() not in drawn
    # Built without the constructor's checks, each is the UUID the constructor would build.
    for click_id in drawn:
        same = uuid.UUID(int=click_id.int)
        assert click_id == same and hash(click_id) == hash(same) and str(click_id) == str(same)
        assert uuid.UUID(hex=click_id.hex) == click_id and click_id.is_safe is same.is_safe


def test_a_redirect_leaves_no_cookie_in_the_visitors_browser(
    client: TestClient, tenant: Tenant
) -> None:
    link = create(client, tenant)
    client.cookies.clear()
    response = client.get(f"/{link['slug']}", follow_redirects=False)
    assert response.status_code == 302
    assert "set-cookie" not in response.headers
    page = client.get("/sign-in")
    assert "set-cookie" in page.headers, "pages still give the anonymous CSRF cookie"
