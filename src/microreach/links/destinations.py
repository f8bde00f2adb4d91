"""Where a tracked link may send people: URL safety checks, UTM tagging and click ids.

`check_destination` refuses what a short link must never redirect to: other schemes
(`javascript:`, `data:`, `file:`), embedded credentials (`https://bank.com@evil.example/`),
hosts on private, loopback, link-local, multicast, reserved or unspecified addresses (given
literally, in the legacy IPv4 forms browsers still accept such as `http://2130706433/`, or by
what the name resolves to), special-use names (`localhost`, `*.internal`, ...), blocked domains
and their subdomains, and URLs over `MAX_URL_LENGTH`. It returns the URL with its scheme
lower-cased and its host in ASCII (IDNA 2008 with UTS 46 mapping, so `bücher.de` becomes
`xn--bcher-kva.de`).

The check runs when a link is created or edited. The redirect itself fetches nothing, so a name
that later resolves elsewhere (DNS rebinding) harms nobody there; any future server-side fetch of
a destination (previews, link health) must call `check_address` on the address it connects to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import idna

from microreach.links.errors import UnsafeDestinationError

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = frozenset({"http", "https"})
# RFC 6761/6762/8375/7686 and ICANN's .internal: names that never reach the public internet.
SPECIAL_USE_SUFFIXES = ("localhost", "local", "internal", "home.arpa", "invalid", "test", "onion")

UTM_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
CLICK_ID_PARAM = "mr_cid"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Iterable[str]]


def system_resolver(host: str) -> list[str]:
    """The addresses `socket.getaddrinfo` gives for a host name (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]).split("%", 1)[0] for info in infos})


@dataclass(frozen=True)
class DomainBlocklist:
    """Domains no link may point to; a blocked domain also blocks every subdomain."""

    domains: frozenset[str]

    @classmethod
    def of(cls, domains: Iterable[str]) -> DomainBlocklist:
        return cls(frozenset(_ascii_host(domain.strip().strip(".")) for domain in domains))

    def blocked_by(self, host: str) -> str | None:
        """The blocklist entry that covers `host` (an ASCII host name), if any."""
        labels = host.split(".")
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            if candidate in self.domains:
                return candidate
        return None


NO_BLOCKLIST = DomainBlocklist(frozenset())


def check_destination(
    url: str,
    *,
    blocklist: DomainBlocklist = NO_BLOCKLIST,
    allow_private: bool = False,
    resolver: Resolver | None = system_resolver,
    field: str = "destination",
) -> str:
    """Return the normalised URL, or raise `UnsafeDestinationError` naming what is wrong.

    `resolver=None` skips DNS: only literal addresses and names are checked. A name that does
    not resolve is refused, since nobody could follow the link. `allow_private` lets private,
    loopback and other non-public addresses and special-use names through and skips DNS (for
    development); the blocklist still applies.
    """
    url = url.strip()

    def refuse(reason: str, message: str) -> UnsafeDestinationError:
        return UnsafeDestinationError(url, reason, message, field=field)

    if len(url) > MAX_URL_LENGTH:
        raise refuse("too_long", f"has {len(url)} characters; the limit is {MAX_URL_LENGTH}")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise refuse("characters", "contains spaces or control characters; percent-encode them")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme:
        raise refuse("scheme", "has no scheme; start it with https://")
    if scheme not in ALLOWED_SCHEMES:
        raise refuse("scheme", f"uses the {scheme!r} scheme; only http and https are allowed")
    if "@" in parts.netloc:
        raise refuse("credentials", "contains a user name or password before the host")
    if not parts.hostname:
        raise refuse("host", "has no host")
    try:
        port = parts.port
    except ValueError:
        raise refuse("port", "has a port that is not a number from 0 to 65535") from None

    host, address = _parse_host(parts.hostname, refuse)
    if address is not None:
        if not allow_private:
            _check_public(address, "is", refuse)
    else:
        blocked = blocklist.blocked_by(host)
        if blocked is not None:
            raise refuse("blocked_domain", f"points to {host!r}, which is blocked ({blocked})")
        if not allow_private:
            _check_public_name(host, resolver, refuse)

    netloc = f"[{host}]" if address is not None and address.version == 6 else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    normalised = urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))
    if len(normalised) > MAX_URL_LENGTH:
        raise refuse(
            "too_long",
            f"has {len(normalised)} characters once normalised; the limit is {MAX_URL_LENGTH}",
        )
    return normalised


def check_address(address: str) -> None:
    """Raise `UnsafeDestinationError` unless `address` is a public unicast IP address."""

    def refuse(reason: str, message: str) -> UnsafeDestinationError:
        return UnsafeDestinationError(address, reason, message, field="address")

    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        raise refuse("host", "is not an IP address") from None
    _check_public(parsed, "is", refuse)


def with_utm(
    url: str,
    *,
    source: str,
    medium: str = "influencer",
    campaign: str | None = None,
    content: str | None = None,
    overrides: Iterable[str] = (),
) -> str:
    """Add UTM parameters, keeping every other parameter and the fragment as they were.

    A UTM parameter already in the URL wins (the brand set it on purpose) unless its name is
    in `overrides`, in which case every occurrence is replaced by ours. Empty values are not
    added.
    """
    forced = frozenset(overrides)
    unknown = forced - set(UTM_PARAMS)
    if unknown:
        raise ValueError(f"overrides names unknown UTM parameters: {sorted(unknown)}")
    if not source.strip():
        raise ValueError("utm_source must not be empty")
    values = dict(zip(UTM_PARAMS, (source, medium, campaign, content), strict=True))
    wanted = [(name, value) for name, value in values.items() if value]
    return _set_params(url, wanted, replace=forced)


def with_click_id(url: str, click_id: str) -> str:
    """Add `mr_cid` so the destination can report the click back; ours replaces any other."""
    if not click_id:
        raise ValueError("click id must not be empty")
    return _set_params(url, [(CLICK_ID_PARAM, click_id)], replace=frozenset({CLICK_ID_PARAM}))


def _set_params(url: str, params: list[tuple[str, str]], *, replace: frozenset[str]) -> str:
    """Append parameters to the query without re-encoding the ones already there."""
    parts = urlsplit(url)
    kept: list[str] = []
    present: set[str] = set()
    for segment in parts.query.split("&") if parts.query else []:
        name = unquote_plus(segment.split("=", 1)[0])
        if name in replace:
            continue
        present.add(name)
        kept.append(segment)
    kept.extend(
        f"{quote(name)}={quote(value, safe='')}" for name, value in params if name not in present
    )
    return urlunsplit(parts._replace(query="&".join(kept)))


def _parse_host(
    hostname: str, refuse: Callable[[str, str], UnsafeDestinationError]
) -> tuple[str, Address | None]:
    """The ASCII host and, when the host is an IP address in any form browsers accept, it."""
    try:
        return hostname, ipaddress.ip_address(hostname)
    except ValueError:
        pass
    host = hostname.rstrip(".")
    last_label = host.rsplit(".", 1)[-1]
    if last_label.isdigit() or last_label.lower().startswith("0x"):
        # WHATWG URL: a host ending in a number is IPv4 (`127.1`, `0x7f.0.0.1`, `2130706433`).
        try:
            packed = socket.inet_aton(host)
        except OSError:
            raise refuse("host", f"has host {host!r}, which is not a valid address") from None
        address = ipaddress.IPv4Address(packed)
        return str(address), address
    try:
        return _ascii_host(host), None
    except idna.IDNAError as error:
        raise refuse("host", f"has host {host!r}, which is not a valid domain: {error}") from None


def _ascii_host(host: str) -> str:
    return idna.encode(host, uts46=True).decode("ascii").lower()


def _check_public_name(
    host: str, resolver: Resolver | None, refuse: Callable[[str, str], UnsafeDestinationError]
) -> None:
    if "." not in host:
        raise refuse("host", f"has host {host!r}, which is not a public domain name")
    for suffix in SPECIAL_USE_SUFFIXES:
        if host == suffix or host.endswith("." + suffix):
            raise refuse("special_use", f"has host {host!r} under .{suffix}, which is not public")
    if resolver is None:
        return
    try:
        addresses = [ipaddress.ip_address(address) for address in resolver(host)]
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        raise refuse("unresolvable", f"has host {host!r}, which does not resolve")
    for address in addresses:
        _check_public(address, f"has host {host!r}, which resolves to", refuse)


def _check_public(
    address: Address, wording: str, refuse: Callable[[str, str], UnsafeDestinationError]
) -> None:
    embedded = _embedded_ipv4(address)
    kind = _non_public_kind(embedded or address)
    if kind is not None:
        shown = f"{address} (IPv4 {embedded})" if embedded else str(address)
        raise refuse("private_address", f"{wording} {kind} address {shown}")


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or 6to4 (2002::/16) address."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour
    return None


def _non_public_kind(address: Address) -> str | None:
    checks = (
        ("an unspecified", address.is_unspecified),
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a private", address.is_private),
        ("a reserved", address.is_reserved),
        ("a non-public", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)
