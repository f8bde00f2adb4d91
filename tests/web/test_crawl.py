"""The crawler: signed in as a brand member, as a creator and as nobody, follow every same-origin
GET link reachable from the first page (breadth-first, bounded) and find no server error.

The data is demo-like: a scored and indexed synthetic population, a campaign with an accepted
creator (deliverables, a draft with media, a tracked link), a pending invitation and a
shortlist with a note.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators.models import PlatformAccount
from microreach.db.session import Database
from microreach.discovery import service as discovery
from microreach.links.models import Link
from microreach.scores import service as scores
from microreach.synthetic import service as synthetic
from tests.campaigns.support import PNG, accepted, api, brand, form, invite
from tests.web.support import TestClient, running_client

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
MAX_PAGES = 300
# Pages of one shape (ids and numbers replaced, same query keys) visited at most this often.
PER_SHAPE = 3
# Pages of the product that the navigation may not link to yet; the crawl starts there too.
BRAND_PAGES = ("/links", "/imports", "/mail")
CREATOR_PAGES = ("/portal", "/mail")
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")


class _GetLinks(HTMLParser):
    """The URLs a person can reach with a GET: links, htmx GETs and GET forms."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.urls.append(values["href"] or "")
        if values.get("hx-get"):
            self.urls.append(values["hx-get"] or "")
        if tag == "form" and (values.get("method") or "get").lower() == "get":
            self.urls.append(values.get("action") or "")


def get_links(html: str) -> list[str]:
    parser = _GetLinks()
    parser.feed(html)
    return [url for url in parser.urls if url]


def shape(path_and_query: str) -> str:
    parts = urlsplit(path_and_query)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return _ID.sub("N", parts.path) + "?" + "&".join(keys)


@dataclass
class Crawl:
    statuses: dict[str, int] = field(default_factory=dict)
    found_on: dict[str, str] = field(default_factory=dict)

    @property
    def server_errors(self) -> list[str]:
        return [
            f"{url} -> {status} (linked from {self.found_on.get(url, 'the start')})"
            for url, status in self.statuses.items()
            if status >= 500
        ]

    def visited(self, pattern: str) -> bool:
        return any(re.fullmatch(pattern, urlsplit(url).path) for url in self.statuses)


def crawl(client: TestClient, start: list[str], skip: Callable[[str], bool]) -> Crawl:
    result = Crawl()
    queue, seen, shapes = deque(start), set(start), dict[str, int]()
    while queue and len(result.statuses) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url, follow_redirects=False)
        result.statuses[url] = response.status_code
        targets = []
        if response.is_redirect:
            targets = [response.headers["location"]]
        elif response.headers.get("content-type", "").startswith("text/html"):
            targets = get_links(response.text)
        for target in targets:
            local = _local(target, url)
            if local is None or local in seen or skip(local):
                continue
            seen.add(local)
            kind = shape(local)
            if shapes.get(kind, 0) >= PER_SHAPE:
                continue
            shapes[kind] = shapes.get(kind, 0) + 1
            result.found_on[local] = url
            queue.append(local)
    return result


def _local(target: str, base: str) -> str | None:
    """The path and query of a same-origin target, or None for another origin or scheme."""
    target = urldefrag(target)[0]
    parts = urlsplit(target)
    if parts.scheme and parts.scheme not in {"http", "https"}:
        return None
    if parts.netloc and parts.netloc != "testserver":
        return None
    if not parts.path and not parts.query:
        return None
    path = parts.path or urlsplit(base).path
    if not path.startswith("/"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


@dataclass
class World:
    brand: TestClient
    creator: TestClient
    anonymous: TestClient
    slugs: set[str]


@pytest.fixture
def world(
    connection: Connection, session: Session, settings: Settings, database: Database
) -> Iterator[World]:
    synthetic.generate(connection, creators=30, seed=7, secret_key="k", as_of=AS_OF)
    scores.score_all(connection, tier_scheme="brief", now=AS_OF)
    discovery.refresh_index(connection, tier_scheme="brief")
    first, second = session.scalars(
        sa.select(PlatformAccount).order_by(PlatformAccount.handle).limit(2)
    ).all()
    app_settings = settings.model_copy(update={"destination_check_dns": False})
    with ExitStack() as stack:
        shop, cre, nobody = (
            stack.enter_context(
                running_client(app_settings, database, raise_server_exceptions=False)
            )
            for _ in range(3)
        )
        brand(shop)
        campaign, page, items = accepted(shop, cre, str(first.id), "crawl.creator@example.com")
        invite(shop, campaign["id"], (str(second.id), "pending.creator@example.com"))
        reel = next(item for item in items if item["kind"] == "reel")
        sent = form(
            cre,
            f"/portal/deliverables/{reel['id']}/drafts",
            {"text": "First cut #ad"},
            page=page,
            files={"media": ("cut.png", PNG, "image/png")},
        )
        assert sent.status_code == 303, sent.text
        link = api(
            shop,
            "POST",
            "/api/v1/links",
            {
                "destination": "https://shop.example/spring",
                "creator_id": str(first.creator_id),
                "campaign_id": campaign["id"],
            },
        )
        assert link.status_code == 201, link.text
        shortlist = api(shop, "POST", "/api/v1/lists", {"name": "Crawl shortlist"})
        assert shortlist.status_code == 201, shortlist.text
        members = {"account_ids": [str(first.id), str(second.id)]}
        added = api(shop, "POST", f"/api/v1/lists/{shortlist.json()['id']}/members", members)
        assert added.status_code == 200, added.text
        note = {"body": "Great fit for spring."}
        noted = api(shop, "POST", f"/api/v1/lists/creators/{first.id}/notes", note)
        assert noted.status_code == 201, noted.text
        slugs = set(session.scalars(sa.select(Link.slug)).all())
        yield World(shop, cre, nobody, slugs)


def _skipper(world: World) -> Callable[[str], bool]:
    def skip(path: str) -> bool:
        # A short link records a click on its own connection, outside the test's transaction.
        return path.lstrip("/").split("?")[0] in world.slugs

    return skip


# What each person's crawl must reach, so a broken navigation cannot pass by crawling nothing.
BRAND_REACHES = (
    r"/discover",
    r"/creators/[0-9a-f-]{36}",
    r"/campaigns",
    r"/campaigns/[0-9a-f-]{36}",
    r"/campaigns/[0-9a-f-]{36}/report",
    r"/organisation",
    r"/links",
    r"/links/[0-9a-f-]{36}",
    r"/lists/[0-9a-f-]{36}",
    r"/api/v1/drafts/[0-9a-f-]{36}/media",
)
CREATOR_REACHES = (
    r"/portal",
    r"/portal/campaigns",
    r"/portal/campaigns/[0-9a-f-]{36}",
    r"/portal/drafts/[0-9a-f-]{36}/media",
)
ANONYMOUS_REACHES = (r"/sign-in", r"/sign-up", r"/discover", r"/creators/[0-9a-f-]{36}")


def test_no_page_reachable_from_the_navigation_is_a_server_error(world: World) -> None:
    """One world, three crawls: a brand member, a creator and an anonymous visitor."""
    skip = _skipper(world)
    people = (
        ("brand member", world.brand, ["/", *BRAND_PAGES], BRAND_REACHES),
        ("creator", world.creator, ["/", *CREATOR_PAGES], CREATOR_REACHES),
        ("anonymous visitor", world.anonymous, ["/"], ANONYMOUS_REACHES),
    )
    problems = []
    for who, client, start, reaches in people:
        result = crawl(client, start, skip)
        problems += [f"as a {who}: {error}" for error in result.server_errors]
        problems += [
            f"as a {who}: the crawl never reached {pattern}"
            for pattern in reaches
            if not result.visited(pattern)
        ]
    assert not problems, "\n".join(problems)


def test_the_crawler_reports_a_server_error() -> None:
    """The crawler itself: a page that fails is named with the page that links to it."""
    result = Crawl(statuses={"/a": 200, "/b": 503}, found_on={"/b": "/a"})
    assert result.server_errors == ["/b -> 503 (linked from /a)"]
    assert _local("http://elsewhere.example/x", "/") is None
    assert _local("mailto:x@example.com", "/") is None
    assert _local("?page=2#top", "/discover") == "/discover?page=2"
    assert shape("/creators/0b1c2d3e-0000-4000-8000-000000000000?q=a&tier=b") == (
        "/creators/N?q&tier"
    )
