"""Daily-keyed visitor hashes and the unique-visitor rule."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

from microreach.links.visitors import (
    InMemoryVisitorStore,
    day_key,
    is_unique,
    network_of,
    utc_day,
    visitor_hash,
)

SECRET = "test-secret-key"
DAY = date(2026, 6, 1)
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0"


def test_day_key_is_hmac_of_the_iso_day() -> None:
    expected = hmac.new(SECRET.encode(), b"visitor-key:2026-06-01", hashlib.sha256).digest()
    assert day_key(SECRET, DAY) == expected


def test_hash_is_stable_within_a_day() -> None:
    first = visitor_hash(SECRET, DAY, "203.0.113.9", CHROME)
    assert visitor_hash(SECRET, DAY, "203.0.113.9", CHROME) == first
    assert len(first) == 32
    assert int(first, 16) >= 0


def test_hash_rotates_every_day() -> None:
    hashes = {
        visitor_hash(SECRET, DAY + timedelta(days=offset), "203.0.113.9", CHROME)
        for offset in range(30)
    }
    assert len(hashes) == 30


def test_hash_depends_on_address_agent_and_secret() -> None:
    base = visitor_hash(SECRET, DAY, "203.0.113.9", CHROME)
    assert visitor_hash(SECRET, DAY, "203.0.113.10", CHROME) != base
    assert visitor_hash(SECRET, DAY, "203.0.113.9", CHROME + " Edg/131") != base
    assert visitor_hash("another-secret", DAY, "203.0.113.9", CHROME) != base


def test_hash_reveals_neither_address_nor_agent() -> None:
    digest = visitor_hash(SECRET, DAY, "203.0.113.9", CHROME)
    assert "203" not in digest
    plain = hashlib.sha256(f"203.0.113.9\n{CHROME}".encode()).hexdigest()
    assert not plain.startswith(digest)


def test_ipv6_counts_by_its_64_network_and_mapped_ipv4_as_ipv4() -> None:
    assert network_of("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert visitor_hash(SECRET, DAY, "2001:db8:1:2:aaaa::1", CHROME) == visitor_hash(
        SECRET, DAY, "2001:db8:1:2:bbbb:cccc:dddd:eeee", CHROME
    )
    assert visitor_hash(SECRET, DAY, "2001:db8:1:3::1", CHROME) != visitor_hash(
        SECRET, DAY, "2001:db8:1:2::1", CHROME
    )
    assert visitor_hash(SECRET, DAY, "::ffff:203.0.113.9", CHROME) == visitor_hash(
        SECRET, DAY, " 203.0.113.9", CHROME
    )
    assert network_of("not-an-ip") == "not-an-ip"


def test_utc_day() -> None:
    late_in_new_york = datetime(2026, 6, 1, 22, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert utc_day(late_in_new_york) == date(2026, 6, 2)
    assert utc_day(datetime(2026, 6, 1, 23, 59)) == date(2026, 6, 1)
    assert utc_day(datetime(2026, 6, 1, 0, 0, tzinfo=UTC)) == date(2026, 6, 1)


def test_unique_is_the_first_click_of_a_visitor_on_a_link_that_day() -> None:
    store = InMemoryVisitorStore()
    link, other_link = uuid.uuid4(), uuid.uuid4()
    anna = visitor_hash(SECRET, DAY, "203.0.113.9", CHROME)
    ben = visitor_hash(SECRET, DAY, "198.51.100.4", CHROME)
    assert is_unique(store, link, anna, DAY)
    assert not is_unique(store, link, anna, DAY)
    assert is_unique(store, link, ben, DAY)
    assert is_unique(store, other_link, anna, DAY)
    next_day = DAY + timedelta(days=1)
    anna_tomorrow = visitor_hash(SECRET, next_day, "203.0.113.9", CHROME)
    assert is_unique(store, link, anna_tomorrow, next_day)
    assert not is_unique(store, link, anna_tomorrow, next_day)


def test_store_forgets_old_days() -> None:
    store = InMemoryVisitorStore()
    store.add("link", "v", DAY)
    store.add("link", "v", DAY + timedelta(days=1))
    store.forget_before(DAY + timedelta(days=1))
    assert store.seen == {("link", "v", DAY + timedelta(days=1))}
