"""Country lookup from the registry data shipped in the iptocc package."""

from __future__ import annotations

import importlib.metadata
import random
import time
from pathlib import Path

import pytest

from microreach.links.geo import country_for


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("8.8.8.8", "US"),  # Google Public DNS, ARIN
        ("1.1.1.1", "AU"),  # Cloudflare's block is registered to APNIC Research and Development
        ("9.9.9.9", "US"),
        ("193.0.6.139", "NL"),  # RIPE NCC
        ("202.12.29.205", "AU"),  # APNIC
        ("196.216.2.6", "ZA"),  # AFRINIC
        ("200.3.14.10", "UY"),  # LACNIC
        ("77.88.55.88", "RU"),
        ("2606:4700:4700::1111", "US"),
        ("2001:4860:4860::8888", "US"),
    ],
)
def test_public_addresses_as_the_shipped_data_registers_them(ip: str, country: str) -> None:
    assert country_for(ip) == country


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "192.0.2.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "2001:db8::1",
        "",
        "not an ip",
        "999.1.1.1",
    ],
)
def test_private_reserved_and_invalid_addresses_give_none(ip: str) -> None:
    assert country_for(ip) is None


def test_forms_proxies_send_are_read() -> None:
    assert country_for(" 8.8.8.8 ") == "US"
    assert country_for("::ffff:8.8.8.8") == "US"
    assert country_for("::ffff:10.0.0.1") is None
    assert country_for("fe80::1%eth0") is None


def test_codes_are_iso_alpha2() -> None:
    rng = random.Random(7)
    codes = {
        country_for(f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.1")
        for _ in range(5_000)
    }
    codes.discard(None)
    assert len(codes) > 100
    assert all(isinstance(code, str) and len(code) == 2 and code.isupper() for code in codes)
    assert not codes & {"EU", "AP", "ZZ"}


def test_data_ships_inside_the_package() -> None:
    files = importlib.metadata.files("iptocc") or []
    native = [file for file in files if file.name.startswith("iptocc") and ".so" in file.name]
    assert native, "the lookup tables are compiled into iptocc's native module"
    assert Path(native[0].locate()).stat().st_size > 500_000


def test_lookup_is_fast() -> None:
    ips = [f"{a}.{b}.7.9" for a in range(1, 224) for b in range(0, 256, 8)]
    start = time.perf_counter()
    for ip in ips:
        country_for(ip)
    per_lookup = (time.perf_counter() - start) / len(ips)
    assert per_lookup < 20e-6  # measured about 0.15 µs; generous for slow CI machines
