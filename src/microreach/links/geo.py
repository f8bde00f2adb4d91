"""The country of a click's IP address, from data shipped inside an installed package.

Data: the `iptocc` package (code MIT OR Apache-2.0) compiles the delegated-extended statistics
files of the five Regional Internet Registries (AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC) into its
native module, rebuilt nightly and released on PyPI as new versions; nothing is downloaded at
run time. The registries publish these files openly for anyone to use and ask for no
attribution; keep the package's licence notice when redistributing it. To refresh the data,
upgrade `iptocc` in the lock file.

What the data says: the country a registry assigned the address block to, not where the person
is. It agrees with commercial geolocation for about 95% of IPv4 addresses (the package's own
figure); it is wrong for travellers and VPNs, and places some cloud and mobile-carrier ranges
in the operator's home country. Good enough for a per-link country breakdown, not for
anything that restricts people.

Lookup is IPv4 and IPv6; private, reserved and unassigned addresses give None, as do the
registries' non-country codes (EU, AP, ZZ) and anything that is not an address.
"""

from __future__ import annotations

import ipaddress

from iptocc import country_code

NON_COUNTRY_CODES = frozenset({"EU", "AP", "ZZ"})


def country_for(ip: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country the address is registered to, or None."""
    code = country_code(ip)
    if code is None and ("%" in ip or ("." in ip and ":" in ip) or ip != ip.strip()):
        code = _lookup_normalised(ip)
    if code is None or code in NON_COUNTRY_CODES:
        return None
    return code


def _lookup_normalised(ip: str) -> str | None:
    """Second try for forms the fast path does not read: spaces, zone ids, IPv4-mapped IPv6."""
    try:
        address = ipaddress.ip_address(ip.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return country_code(str(address))
