"""Unique visitors without keeping addresses: daily-keyed visitor hashes and the unique rule.

A visitor is a keyed hash of (network address, user agent) under a key that changes every UTC
day: `day key = HMAC-SHA256(secret, "visitor-key:" + ISO day)`, and
`visitor hash = HMAC-SHA256(day key, address + "\\n" + user agent)`, cut to 128 bits. Neither
the address nor a long-lived identifier is stored, and the same person's hashes on two days
cannot be linked without the secret.

IPv6 addresses count by their /64 network: privacy extensions change the rest of the address
during a day, and a /64 is one household or phone. IPv4-mapped IPv6 counts as the IPv4 address.

A click is *unique* when it is the first click of that visitor on that link that UTC day.
Deciding it needs history, so it happens after the click is recorded (in the rollup job),
never on the redirect path; `is_unique` takes any store that can insert-if-absent atomically.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Protocol

from microreach.kit.clock import as_utc

VISITOR_HASH_HEX_LENGTH = 32
IPV6_NETWORK_PREFIX = 64


@lru_cache(maxsize=8)
def day_key(secret_key: str, day: date) -> bytes:
    """The key for one UTC day; without the secret, two days' keys cannot be related."""
    message = f"visitor-key:{day.isoformat()}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).digest()


def visitor_hash(secret_key: str, day: date, ip: str, user_agent: str) -> str:
    """A 128-bit hex id for one visitor on one UTC day."""
    message = f"{network_of(ip)}\n{user_agent}".encode()
    digest = hmac.new(day_key(secret_key, day), message, hashlib.sha256).hexdigest()
    return digest[:VISITOR_HASH_HEX_LENGTH]


def network_of(ip: str) -> str:
    """The part of an address that identifies a visitor: IPv4 as is, IPv6 as its /64."""
    text = ip.strip()
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_NETWORK_PREFIX), strict=False)
        return str(network)
    return str(address)


def utc_day(at: datetime) -> date:
    """The UTC day a click belongs to (naive times are taken as UTC)."""
    return as_utc(at).date()


class VisitorStore(Protocol):
    """Remembers which (link, visitor, day) triples have been seen."""

    def add(self, link: Hashable, visitor: str, day: date) -> bool:
        """Record the triple; True when it was not there before. Must be atomic."""
        ...


def is_unique(store: VisitorStore, link: Hashable, visitor: str, day: date) -> bool:
    """Whether this is the visitor's first click on the link that UTC day (and remember it)."""
    return store.add(link, visitor, day)


@dataclass
class InMemoryVisitorStore:
    """A `VisitorStore` in a set, for tests and one-process tools."""

    seen: set[tuple[Hashable, str, date]] = field(default_factory=set)

    def add(self, link: Hashable, visitor: str, day: date) -> bool:
        key = (link, visitor, day)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def forget_before(self, day: date) -> None:
        """Drop days that can no longer receive clicks."""
        self.seen = {key for key in self.seen if key[2] >= day}
