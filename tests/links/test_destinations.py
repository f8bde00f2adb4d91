"""Destination URL safety, with a fake resolver so no test asks DNS."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from microreach.kit.errors import MicroreachError
from microreach.links.destinations import (
    MAX_URL_LENGTH,
    DomainBlocklist,
    check_address,
    check_destination,
)
from microreach.links.errors import UnsafeDestinationError

PUBLIC = {
    "shop.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "xn--bcher-kva.example": ["93.184.215.15"],
    "evil.example": ["93.184.215.16"],
    "cdn.evil.example": ["93.184.215.17"],
    "notevil.example": ["93.184.215.18"],
    "router.example": ["192.168.1.1"],
    "mixed.example": ["93.184.215.19", "10.0.0.7"],
    "loop.example": ["127.0.0.1"],
    "v6loop.example": ["::1"],
    "mapped.example": ["::ffff:169.254.169.254"],
}


def fake_resolver(table: dict[str, list[str]]) -> Callable[[str], Iterable[str]]:
    def resolve(host: str) -> Iterable[str]:
        try:
            return table[host]
        except KeyError:
            raise OSError(f"no such host: {host}") from None

    return resolve


RESOLVER = fake_resolver(PUBLIC)


def refused(url: str, **options: object) -> UnsafeDestinationError:
    with pytest.raises(UnsafeDestinationError) as caught:
        check_destination(url, resolver=RESOLVER, **options)  # type: ignore[arg-type]
    return caught.value


def test_public_url_is_allowed_and_normalised() -> None:
    url = "HTTPS://Shop.Example.com:8443/p/Summer?x=1&y=%20#Top"
    assert check_destination(url, resolver=RESOLVER) == (
        "https://shop.example.com:8443/p/Summer?x=1&y=%20#Top"
    )


def test_public_ip_literals_are_allowed() -> None:
    assert check_destination("http://93.184.215.14/a", resolver=RESOLVER) == (
        "http://93.184.215.14/a"
    )
    assert check_destination("https://[2606:4700:4700::1111]:443/", resolver=RESOLVER) == (
        "https://[2606:4700:4700::1111]:443/"
    )


def test_surrounding_whitespace_is_trimmed() -> None:
    assert check_destination("  https://shop.example.com/  ", resolver=RESOLVER) == (
        "https://shop.example.com/"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://shop.example.com/file", "uses the 'ftp' scheme; only http and https are allowed"),
        ("javascript:alert(1)", "uses the 'javascript' scheme"),
        ("data:text/html,<b>hi</b>", "uses the 'data' scheme"),
        ("file:///etc/passwd", "uses the 'file' scheme"),
        ("shop.example.com/summer", "has no scheme; start it with https://"),
    ],
)
def test_only_http_and_https(url: str, message: str) -> None:
    error = refused(url)
    assert error.reason == "scheme"
    assert str(error).startswith(f"destination: {url!r} {message}")


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@shop.example.com/",
        "https://user@shop.example.com/",
        "https://shop.example.com@evil.example/",
        "https://:@shop.example.com/",
    ],
)
def test_credentials_are_refused(url: str) -> None:
    error = refused(url)
    assert error.reason == "credentials"
    assert "contains a user name or password before the host" in str(error)
    assert repr(url) in str(error)


@pytest.mark.parametrize("url", ["https://", "https:///path", "http:shop.example.com"])
def test_a_host_is_required(url: str) -> None:
    error = refused(url)
    assert error.reason == "host"
    assert str(error) == f"destination: {url!r} has no host"


def test_bad_port_and_characters() -> None:
    assert refused("https://shop.example.com:99999/").reason == "port"
    assert refused("https://shop.example.com/a b").reason == "characters"
    assert refused("https://shop.example.com/\x00").reason == "characters"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1/", "a loopback address 127.0.0.1"),
        ("http://[::1]/", "a loopback address ::1"),
        ("http://10.1.2.3/", "a private address 10.1.2.3"),
        ("http://172.16.0.1/", "a private address 172.16.0.1"),
        ("http://192.168.0.10:8080/admin", "a private address 192.168.0.10"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address 169.254.169.254"),
        ("http://[fe80::1]/", "a link-local address fe80::1"),
        ("http://[fd12:3456::1]/", "a private address fd12:3456::1"),
        ("http://224.0.0.251/", "a multicast address 224.0.0.251"),
        ("http://[ff02::1]/", "a multicast address ff02::1"),
        ("http://0.0.0.0/", "an unspecified address 0.0.0.0"),
        ("http://[::]/", "an unspecified address ::"),
        ("http://240.0.0.1/", "a private address 240.0.0.1"),
        ("http://100.64.0.1/", "a non-public address 100.64.0.1"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address ::ffff:7f00:1 (IPv4 127.0.0.1)"),
        ("http://[2002:7f00:1::]/", "a loopback address 2002:7f00:1:: (IPv4 127.0.0.1)"),
        # Legacy IPv4 spellings that browsers still turn into addresses.
        ("http://2130706433/", "a loopback address 127.0.0.1"),
        ("http://127.1/", "a loopback address 127.0.0.1"),
        ("http://0x7f.0.0.1/", "a loopback address 127.0.0.1"),
        ("http://0177.0.0.1/", "a loopback address 127.0.0.1"),
    ],
)
def test_non_public_address_literals_are_refused(url: str, kind: str) -> None:
    error = refused(url)
    assert error.reason == "private_address"
    assert str(error) == f"destination: {url!r} is {kind}"


def test_invalid_numeric_host_is_refused() -> None:
    assert refused("http://1.2.3.4.5/").reason == "host"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("router.example", "192.168.1.1"),
        ("mixed.example", "10.0.0.7"),
        ("loop.example", "127.0.0.1"),
        ("v6loop.example", "::1"),
        ("mapped.example", "::ffff:a9fe:a9fe (IPv4 169.254.169.254)"),
    ],
)
def test_names_resolving_to_non_public_addresses_are_refused(host: str, address: str) -> None:
    error = refused(f"https://{host}/")
    assert error.reason == "private_address"
    assert f"has host {host!r}, which resolves to" in str(error)
    assert str(error).endswith(f"address {address}")


def test_allow_private_lets_development_hosts_through() -> None:
    for url in ("http://127.0.0.1:8000/", "https://router.example/", "http://localhost:3000/"):
        assert check_destination(url, resolver=RESOLVER, allow_private=True)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost/", "host"),
        ("http://intranet/", "host"),
        ("http://app.localhost/", "special_use"),
        ("http://printer.local/", "special_use"),
        ("http://db.internal/", "special_use"),
        ("http://nas.home.arpa/", "special_use"),
        ("http://site.test/", "special_use"),
        ("http://abc.onion/", "special_use"),
    ],
)
def test_special_use_names_are_refused_without_dns(url: str, reason: str) -> None:
    with pytest.raises(UnsafeDestinationError) as caught:
        check_destination(url, resolver=None)
    assert caught.value.reason == reason


def test_unresolvable_hosts_are_refused() -> None:
    error = refused("https://nowhere.example/")
    assert error.reason == "unresolvable"
    assert str(error) == (
        "destination: 'https://nowhere.example/' has host 'nowhere.example', which does not resolve"
    )


def test_resolver_none_skips_dns() -> None:
    assert check_destination("https://nowhere.example/", resolver=None) == (
        "https://nowhere.example/"
    )


def test_resolver_gets_the_ascii_host() -> None:
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        return ["93.184.215.14"]

    check_destination("https://Bücher.example/", resolver=resolve)
    assert asked == ["xn--bcher-kva.example"]


def test_idn_hosts_are_normalised_to_punycode() -> None:
    assert check_destination("https://BÜCHER.example/ä?q=ö#ü", resolver=RESOLVER) == (
        "https://xn--bcher-kva.example/ä?q=ö#ü"
    )
    assert check_destination("https://xn--bcher-kva.example/", resolver=RESOLVER) == (
        "https://xn--bcher-kva.example/"
    )


def test_invalid_idn_is_refused() -> None:
    error = refused("https://ab--cd.xn--zz.example/")
    assert error.reason == "host"
    assert "which is not a valid domain" in str(error)
    assert refused("https://exa_mple.com/").reason == "host"


def test_blocklist_blocks_the_domain_and_its_subdomains() -> None:
    blocklist = DomainBlocklist.of(["Evil.Example.", "bücher.example"])
    for url, entry in [
        ("https://evil.example/", "evil.example"),
        ("https://cdn.evil.example/x", "evil.example"),
        ("https://EVIL.example./", "evil.example"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
    ]:
        error = refused(url, blocklist=blocklist)
        assert error.reason == "blocked_domain"
        assert str(error).endswith(f"which is blocked ({entry})")
    assert check_destination("https://notevil.example/", resolver=RESOLVER, blocklist=blocklist)


def test_blocklist_is_checked_even_when_private_hosts_are_allowed() -> None:
    blocklist = DomainBlocklist.of(["evil.example"])
    assert refused("https://evil.example/", blocklist=blocklist, allow_private=True).reason == (
        "blocked_domain"
    )


def test_length_limit() -> None:
    base = "https://shop.example.com/?q="
    fits = base + "a" * (MAX_URL_LENGTH - len(base))
    assert check_destination(fits, resolver=RESOLVER) == fits
    error = refused(fits + "a")
    assert error.reason == "too_long"
    assert "has 2049 characters; the limit is 2048" in str(error)
    assert len(str(error)) < 250


def test_errors_name_the_field_and_belong_to_the_hierarchy() -> None:
    with pytest.raises(MicroreachError) as caught:
        check_destination("ftp://x.example/", resolver=RESOLVER, field="fallback_url")
    assert caught.value.field == "fallback_url"
    assert caught.value.status_code == 422
    assert str(caught.value).startswith("fallback_url: 'ftp://x.example/'")


def test_check_address_for_server_side_fetches() -> None:
    check_address("93.184.215.14")
    with pytest.raises(UnsafeDestinationError, match=r"address: '10\.0\.0\.1' is a private"):
        check_address("10.0.0.1")
    with pytest.raises(UnsafeDestinationError, match="is not an IP address"):
        check_address("example.com")
