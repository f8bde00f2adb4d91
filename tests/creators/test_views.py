"""The creators pages over HTTP: list, htmx fragments, empty states and the creator page."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from microreach.creators.enums import Platform
from tests.factories import BASE_TIME, make_account, make_creator, make_post
from tests.web.support import (
    TestClient,
    is_local,
    make_account_snapshot,
    make_post_snapshot,
    references,
)

HTMX = {"HX-Request": "true"}


def _rows(html: str) -> list[str]:
    return re.findall(r'<a href="/creators/[^"]+">@([^<]+)</a>', html)


def test_landing_page_lists_creators_with_tier_and_compact_followers(
    client: TestClient, session: Session
) -> None:
    creator = make_creator(session, name="Ada")
    make_account(
        session,
        creator,
        platform=Platform.TIKTOK,
        handle="ada.codes",
        display_name="Ada Codes",
        followers=12_345,
        country="GB",
        verified=True,
    )

    response = client.get("/")

    assert response.status_code == 200
    html = response.text
    assert html.startswith("<!doctype html>")
    assert f'<a href="/creators/{creator.id}">@ada.codes</a>' in html
    assert '<span class="badge platform-tiktok">TikTok</span>' in html
    assert "Ada Codes" in html
    assert 'title="12,345 followers">12.3K</data>' in html
    assert 'title="micro (1K-100K)">micro</span>' in html
    assert "<td>GB</td>" in html
    assert "Verified" in html
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html


def test_landing_page_offers_the_configured_tiers_and_platforms(client: TestClient) -> None:
    html = client.get("/").text

    assert '<option value="micro">micro (1K-100K)</option>' in html
    assert '<option value="mega">mega (1M+)</option>' in html
    assert '<option value="youtube">YouTube</option>' in html
    assert 'hx-get="/"' in html and 'hx-target="#results"' in html


def test_empty_database_shows_how_to_generate_data(client: TestClient) -> None:
    html = client.get("/").text

    assert "No creators yet" in html
    assert "microreach generate --creators 1000" in html
    assert "<table" not in html


def test_filters_that_match_nothing_say_so(client: TestClient, session: Session) -> None:
    make_account(session, platform=Platform.INSTAGRAM)

    html = client.get("/", params={"platform": "twitch"}).text

    assert "No accounts match these filters" in html
    assert "microreach generate" not in html


def test_htmx_filter_request_gets_only_the_results_fragment(
    client: TestClient, session: Session
) -> None:
    make_account(session, handle="tubeone", platform=Platform.YOUTUBE)
    make_account(session, handle="gramone", platform=Platform.INSTAGRAM)

    response = client.get("/", params={"platform": "youtube", "tier": "", "q": ""}, headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<table" in response.text
    assert _rows(response.text) == ["tubeone"]
    assert response.headers["vary"] == "HX-Request"


def test_history_restore_gets_the_whole_page(client: TestClient) -> None:
    headers = {**HTMX, "HX-History-Restore-Request": "true"}

    response = client.get("/", headers=headers)

    assert "<html" in response.text


def test_load_more_walks_the_list_in_fragments(client: TestClient, session: Session) -> None:
    for index in range(5):
        make_account(session, handle=f"acct{index}", followers=1_000 * (index + 1))

    first = client.get("/", params={"limit": 2}).text
    seen = _rows(first)
    next_url = re.search(r'hx-get="(/\?[^"]+)"', first)
    while next_url is not None:
        fragment = client.get(next_url.group(1).replace("&amp;", "&"), headers=HTMX).text
        assert "<table" not in fragment and "<html" not in fragment
        seen += _rows(fragment)
        next_url = re.search(r'hx-get="(/\?[^"]+)"', fragment)

    assert seen == ["acct4", "acct3", "acct2", "acct1", "acct0"]


def test_load_more_link_keeps_the_filters(client: TestClient, session: Session) -> None:
    for index in range(3):
        make_account(session, handle=f"yt{index}", platform=Platform.YOUTUBE)

    html = client.get("/", params={"platform": "youtube", "limit": 1}).text

    link = re.search(r'href="(/\?[^"]+)"[^>]*>Load more', html)
    assert link is not None
    assert "platform=youtube" in link.group(1)
    assert "limit=1" in link.group(1)
    assert "cursor=" in link.group(1)


def test_bad_filter_renders_an_error_page(client: TestClient) -> None:
    response = client.get("/", params={"limit": "1000"})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "<code>limit</code>: Input should be less than or equal to 100" in response.text


def test_bad_filter_from_htmx_is_swapped_into_the_results(client: TestClient) -> None:
    response = client.get("/", params={"tier": "giga"}, headers=HTMX)

    assert response.status_code == 422
    assert "<html" not in response.text
    assert "unknown tier &#39;giga&#39;" in response.text
    assert response.headers["hx-retarget"] == "#results"
    assert response.headers["hx-reswap"] == "innerHTML"


def test_creator_page_shows_accounts_history_and_posts(
    client: TestClient, session: Session
) -> None:
    creator = make_creator(session, name="Grace Hopper")
    account = make_account(
        session, creator, handle="grace", followers=150_000, bio="Compilers & <b>COBOL</b>"
    )
    for day, followers in ((2, 140_000), (1, 145_000), (0, 150_000)):
        make_account_snapshot(session, account, BASE_TIME - timedelta(days=day), followers)
    post = make_post(session, account, caption="Nanoseconds explained", posted_at=BASE_TIME)
    make_post_snapshot(session, post, BASE_TIME, likes=1_234, comments=56, views=78_900)

    response = client.get(f"/creators/{creator.id}")

    assert response.status_code == 200
    html = response.text
    assert "<h1>Grace Hopper</h1>" in html
    assert "@grace" in html
    assert "mid (100K-500K)" in html
    assert "Compilers &amp; &lt;b&gt;COBOL&lt;/b&gt;" in html
    assert '<polyline class="sparkline-line" points="0.0,52.0 120.0,28.0 240.0,4.0"/>' in html
    assert "+10,000" in html
    assert "Nanoseconds explained" in html
    assert ">1.2K</td>" in html and ">56</td>" in html and ">78.9K</td>" in html
    assert "15 Jan 2026" in html
    assert all(is_local(url) for url in references(html))


def test_creator_page_without_history_or_posts_says_so(
    client: TestClient, session: Session
) -> None:
    account = make_account(session)

    html = client.get(f"/creators/{account.creator_id}").text

    assert "Not enough follower snapshots" in html
    assert "No posts captured" in html
    assert '<svg class="sparkline"' not in html


def test_unknown_creator_page_is_a_404_page(client: TestClient) -> None:
    missing = uuid.uuid4()

    response = client.get(f"/creators/{missing}")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f"No creator with id {missing}." in response.text


def test_malformed_creator_id_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/creators/not-a-uuid")

    assert response.status_code == 404
    assert "No page at /creators/not-a-uuid." in response.text
