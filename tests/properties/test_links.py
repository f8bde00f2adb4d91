"""Properties of the link building blocks: slugs, UTM and click-id tagging, user agents,
visitor hashes."""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from microreach.links import agents, destinations, slugs, visitors
from microreach.links.errors import InvalidSlugError

# Slugs


@given(length=st.integers(min_value=slugs.MIN_GENERATED_LENGTH, max_value=slugs.MAX_CUSTOM_LENGTH))
def test_generated_slugs_validate(length: int) -> None:
    slug = slugs.generate_slug(length)

    assert len(slug) == length and set(slug) <= set(slugs.ALPHABET)
    assert slugs.validate_custom_slug(slug) == slug or slug.lower() in slugs.RESERVED_SLUGS


@given(
    slug=st.text(
        alphabet=slugs.ALPHABET,
        min_size=slugs.MIN_GENERATED_LENGTH,
        max_size=slugs.MAX_CUSTOM_LENGTH,
    )
)
def test_every_string_a_generator_can_draw_validates_unless_it_spells_a_reserved_path(
    slug: str,
) -> None:
    if slug.lower() in slugs.RESERVED_SLUGS:
        with pytest.raises(InvalidSlugError):
            slugs.validate_custom_slug(slug)
    else:
        assert slugs.validate_custom_slug(slug) == slug


def test_some_reserved_paths_are_drawable_so_callers_must_skip_them() -> None:
    # 62**7 draws make "healthz" or "Metrics" possible (once in ~10**11): links.service skips
    # candidates in RESERVED_SLUGS; anything else calling generate_slug must too.
    drawable = {
        word
        for word in slugs.RESERVED_SLUGS
        if len(word) >= slugs.MIN_GENERATED_LENGTH and set(word) <= set(slugs.ALPHABET)
    }
    assert {"healthz", "metrics", "account", "static"} <= drawable


@given(value=st.text(max_size=80))
def test_custom_slug_validation_either_accepts_unchanged_or_explains(value: str) -> None:
    try:
        assert slugs.validate_custom_slug(value) == value
    except InvalidSlugError as error:
        assert error.reason in {"empty", "too_long", "reserved_prefix", "reserved", "charset"}


# UTM and click ids

names = st.one_of(
    st.sampled_from(["utm_source", "utm_medium", "utm_campaign", "ref", "q", "id", "mr_cid"]),
    st.text(min_size=1, max_size=10),
)
values = st.text(max_size=12)
RAW_SAFE = "/:@!$'()*+,;=?"


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.sampled_from(["shop.example.com", "example.org:8443", "xn--bcher-kva.de"]))
    path = draw(st.sampled_from(["", "/", "/p/1", "/a%20b/c"]))
    pairs = draw(st.lists(st.tuples(names, values), max_size=5))
    # Values percent-encoded, or raw with the sub-delimiters browsers leave alone.
    raw = draw(st.booleans())
    segments = [f"{quote(n, safe='')}={quote(v, safe=RAW_SAFE if raw else '')}" for n, v in pairs]
    query = "&".join(segments)
    fragment = draw(st.sampled_from(["", "top", "section-2"]))
    url = f"{scheme}://{host}{path}"
    if query:
        url += f"?{query}"
    if fragment:
        url += f"#{fragment}"
    return url


def _segments(url: str) -> list[str]:
    query = urlsplit(url).query
    return query.split("&") if query else []


utm_values = st.fixed_dictionaries(
    {
        "source": st.text(min_size=1, max_size=10).filter(str.strip),
        "medium": st.text(max_size=10),
        "campaign": st.one_of(st.none(), st.text(max_size=10)),
        "content": st.one_of(st.none(), st.text(max_size=10)),
    }
)


@given(url=urls(), utm=utm_values)
def test_with_utm_keeps_every_existing_parameter_and_the_rest_of_the_url(
    url: str, utm: dict[str, str | None]
) -> None:
    tagged = destinations.with_utm(url, **utm)  # type: ignore[arg-type]

    before, after = urlsplit(url), urlsplit(tagged)
    assert (after.scheme, after.netloc, after.path, after.fragment) == (
        before.scheme, before.netloc, before.path, before.fragment,
    )  # fmt: skip
    assert _segments(tagged)[: len(_segments(url))] == _segments(url)
    present = {name for name, _ in parse_qsl(before.query, keep_blank_values=True)}
    added = dict(parse_qsl(after.query, keep_blank_values=True))
    if "utm_source" not in present:
        assert added["utm_source"] == utm["source"]


@given(url=urls(), utm=utm_values)
def test_with_utm_is_idempotent(url: str, utm: dict[str, str | None]) -> None:
    once = destinations.with_utm(url, **utm)  # type: ignore[arg-type]
    assert destinations.with_utm(once, **utm) == once  # type: ignore[arg-type]


@given(
    url=urls(),
    utm=utm_values,
    overrides=st.sets(st.sampled_from(destinations.UTM_PARAMS), min_size=1),
)
def test_with_utm_overriding_gives_the_same_parameters_when_applied_again(
    url: str, utm: dict[str, str | None], overrides: set[str]
) -> None:
    once = destinations.with_utm(url, **utm, overrides=overrides)  # type: ignore[arg-type]
    twice = destinations.with_utm(once, **utm, overrides=overrides)  # type: ignore[arg-type]

    def params(u: str) -> list[tuple[str, str]]:
        return sorted(parse_qsl(urlsplit(u).query, keep_blank_values=True))

    # The same parameters and values; an overridden one may move to the end (see report).
    assert params(twice) == params(once)
    ours = {f"utm_{key}": value for key, value in utm.items()}
    for name in overrides:
        value = ours[name]
        found = [v for n, v in parse_qsl(urlsplit(once).query, keep_blank_values=True) if n == name]
        assert found == ([value] if value else [])


@given(url=urls(), click_id=st.text(min_size=1, max_size=30))
def test_with_click_id_sets_exactly_one_click_id_and_keeps_the_rest(
    url: str, click_id: str
) -> None:
    tagged = destinations.with_click_id(url, click_id)
    pairs = parse_qsl(urlsplit(tagged).query, keep_blank_values=True)

    assert [v for n, v in pairs if n == destinations.CLICK_ID_PARAM] == [click_id]
    assert destinations.with_click_id(tagged, click_id) == tagged
    original = [
        s for s in _segments(url)
        if dict(parse_qsl(s, keep_blank_values=True)).keys() != {destinations.CLICK_ID_PARAM}
    ]  # fmt: skip
    assert _segments(tagged)[: len(original)] == original


# User agents


@settings(max_examples=150)
@given(
    agent=st.one_of(
        st.none(),
        st.text(max_size=300),
        st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=1500),
        st.sampled_from(["Mozilla/5.0", "curl/8", "WhatsApp/2.23", "facebookexternalhit/1.1"]),
    ),
    method=st.sampled_from(["GET", "HEAD", "head", "POST"]),
)
def test_agent_classification_never_raises_and_is_consistent(
    agent: str | None, method: str
) -> None:
    info = agents.classify(agent, method=method)

    assert info.is_bot == (info.device is agents.DeviceType.BOT)
    assert info.is_bot == (info.bot_name is not None)
    assert isinstance(info.os, str) and isinstance(info.browser, str)
    if method.upper() == "HEAD" or not (agent or "").strip():
        assert info.is_bot
    assert agents.classify(agent, method=method) == info


# Visitors

ips = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
    st.text(max_size=20),
)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(
    secret=st.text(min_size=1, max_size=40),
    at=moments,
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1)),
    offset=st.integers(min_value=-12 * 60, max_value=14 * 60),
    ip=ips,
    agent=st.text(max_size=60),
)
def test_visitor_hashes_are_stable_within_a_utc_day(
    secret: str, at: datetime, later: timedelta, offset: int, ip: str, agent: str
) -> None:
    local = timezone(timedelta(minutes=offset))
    day = visitors.utc_day(at)
    same_day = visitors.utc_day(at.astimezone(local))
    other = at + later
    first = visitors.visitor_hash(secret, day, ip, agent)

    assert same_day == day
    assert visitors.visitor_hash(secret, same_day, ip, agent) == first
    assert len(first) == visitors.VISITOR_HASH_HEX_LENGTH
    assert (visitors.visitor_hash(secret, visitors.utc_day(other), ip, agent) == first) == (
        visitors.utc_day(other) == day
    )


@given(address=st.ip_addresses(v=6), suffix=st.integers(min_value=0, max_value=2**64 - 1))
def test_an_ipv6_visitor_counts_by_its_64_network(
    address: ipaddress.IPv6Address, suffix: int
) -> None:
    network = int(address) & ~(2**64 - 1)
    first, second = ipaddress.IPv6Address(network), ipaddress.IPv6Address(network | suffix)
    # IPv4-mapped addresses (::ffff:0:0/96) count as their IPv4 address instead.
    assume(first.ipv4_mapped is None and second.ipv4_mapped is None)
    day = date(2026, 6, 1)

    assert visitors.visitor_hash("k", day, str(second), "ua") == visitors.visitor_hash(
        "k", day, str(first), "ua"
    )
