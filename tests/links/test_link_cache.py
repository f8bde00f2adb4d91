"""The redirect's link cache: links read many at a time (by host and slug), the newest links
preloaded before the first request, and concurrent misses served by one statement."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from microreach.accounts.models import Organisation
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.links import repository
from microreach.links.models import Link, ShortDomain
from microreach.links.redirect import MISS, CachedLink, LinkCache
from tests.accounts.support import make_organisation
from tests.links.test_api import DESTINATION


def add_link(
    session: Session,
    organisation: Organisation,
    slug: str,
    *,
    domain: ShortDomain | None = None,
    age_minutes: int = 0,
    enabled: bool = True,
) -> Link:
    link = Link(
        organisation_id=organisation.id,
        domain_id=domain.id if domain else None,
        slug=slug,
        destination=f"{DESTINATION}&to={slug}",
        utm_campaign="spring",
        enabled=enabled,
        created_at=utcnow() - timedelta(minutes=age_minutes),
    )
    session.add(link)
    session.flush()
    return link


def add_domain(
    session: Session, organisation: Organisation, host: str, *, enabled: bool
) -> ShortDomain:
    domain = ShortDomain(organisation_id=organisation.id, host=host, enabled=enabled)
    session.add(domain)
    session.flush()
    return domain


def test_redirect_targets_reads_many_links_by_host_and_slug(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "SLUGS_PER_STATEMENT", 2)  # several statements per host
    org = make_organisation(session)
    short = add_domain(session, org, "go.shop.example", enabled=True)
    off = add_domain(session, org, "old.shop.example", enabled=False)
    on_app = [add_link(session, org, f"app{n}") for n in range(5)]
    on_short = add_link(session, org, "app0", domain=short)  # the same slug on another host
    add_link(session, org, "gone", domain=off)
    disabled = add_link(session, org, "paused", enabled=False)
    keys = [
        *((None, link.slug) for link in on_app),
        ("go.shop.example", "app0"),
        ("old.shop.example", "gone"),  # its domain is disabled
        (None, "nosuch"),
        (None, "paused"),
        (None, "app1"),  # asked twice
    ]
    found = repository.redirect_targets(session.connection(), keys)
    assert set(found) == {
        *((None, link.slug) for link in on_app),
        ("go.shop.example", "app0"),
        (None, "paused"),
    }
    assert found[(None, "app0")].link_id == on_app[0].id
    assert found[("go.shop.example", "app0")].link_id == on_short.id
    paused = found[(None, "paused")]
    assert paused.enabled is False and paused.link_id == disabled.id
    assert found[(None, "app3")].destination == f"{DESTINATION}&to=app3"
    assert found[(None, "app3")].utm == (None, None, "spring", None)
    # One key at a time reads the same.
    alone = repository.redirect_targets(session.connection(), [(None, "app2")])
    assert alone == {(None, "app2"): found[(None, "app2")]}


def test_newest_redirect_targets_are_newest_first_and_limited(session: Session) -> None:
    org = make_organisation(session)
    short = add_domain(session, org, "go.newest.example", enabled=True)
    off = add_domain(session, org, "off.newest.example", enabled=False)
    add_link(session, org, "oldest", age_minutes=30)
    add_link(session, org, "middle", age_minutes=20, domain=short)
    add_link(session, org, "hidden", age_minutes=15, domain=off)
    add_link(session, org, "newest", age_minutes=10)
    mine = {"oldest", "middle", "hidden", "newest"}
    newest = [
        key
        for key, _ in repository.newest_redirect_targets(session.connection(), 1000)
        if key[1] in mine
    ]
    assert newest == [(None, "newest"), ("go.newest.example", "middle"), (None, "oldest")]
    assert len(repository.newest_redirect_targets(session.connection(), 2)) == 2


def test_warm_cache_answers_without_reading_links(session: Session, database: Database) -> None:
    org = make_organisation(session)
    slugs = [add_link(session, org, f"warm{n}").slug for n in range(20)]

    async def scenario() -> tuple[int, int, list[bool]]:
        cache = LinkCache(database, size=1000, check_interval_s=60)
        try:
            loaded = await cache.warm(1000)
            loads = cache.loads
            found = [await cache.get("testserver", slug) is not None for slug in slugs]
            return loaded, cache.loads - loads, found
        finally:
            cache.close()

    loaded, more_loads, found = asyncio.run(scenario())
    assert loaded >= 20
    assert more_loads == 0
    assert all(found)


def test_concurrent_misses_are_read_in_one_statement(session: Session, database: Database) -> None:
    org = make_organisation(session)
    slugs = [add_link(session, org, f"cold{n}").slug for n in range(40)]

    async def scenario() -> tuple[int, list[str | None]]:
        cache = LinkCache(database, size=1000, check_interval_s=60)
        try:
            await cache.get("testserver", "nosuchslug")  # the version check, and one read
            before = cache.loads
            asked = [*slugs, "nosuchslug2", slugs[0]]
            entries = await asyncio.gather(*(cache.get("testserver", slug) for slug in asked))
            targets = [None if e is None else e.plain_location.decode() for e in entries]
            return cache.loads - before, targets
        finally:
            cache.close()

    loads, targets = asyncio.run(scenario())
    # The first miss starts a read; the 41 that arrive while it runs share the next one.
    assert loads <= 2
    assert targets[:40] == [f"{DESTINATION}&to={slug}" for slug in slugs]
    assert targets[40] is None and targets[41] == targets[0]


def test_a_failed_read_reaches_every_waiting_request(session: Session, database: Database) -> None:
    org = make_organisation(session)
    slugs = [add_link(session, org, f"fail{n}").slug for n in range(3)]

    async def scenario() -> list[BaseException | object]:
        cache = LinkCache(database, size=1000, check_interval_s=60)

        def down(_keys: object) -> object:
            raise OSError("database unreachable")

        try:
            await cache.get("testserver", "nosuchslug")
            cache._load_keys = down  # type: ignore[method-assign]
            return await asyncio.gather(
                *(cache.get("testserver", slug) for slug in slugs), return_exceptions=True
            )
        finally:
            cache.close()

    results = asyncio.run(scenario())
    assert all(isinstance(result, OSError) for result in results)


def test_warming_reads_at_most_the_preload_setting(session: Session, database: Database) -> None:
    org = make_organisation(session)
    for n in range(8):
        add_link(session, org, f"pre{n}", age_minutes=-n)  # pre7 is the newest

    async def scenario() -> tuple[int, int, int, bool, bool]:
        cache = LinkCache(database, size=1000, check_interval_s=60)
        try:
            nothing = await cache.warm(0)
            loads_after_nothing = cache.loads
            some = await cache.warm(3)
            newest = isinstance(cache.cached("testserver", "pre7"), CachedLink)
            oldest = cache.cached("testserver", "pre0")
            return nothing, loads_after_nothing, some, newest, oldest is MISS
        finally:
            cache.close()

    nothing, loads, some, newest_cached, oldest_missing = asyncio.run(scenario())
    assert (nothing, loads, some) == (0, 0, 3)
    assert newest_cached and oldest_missing
