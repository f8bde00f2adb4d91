"""Pure parts of the creators service and views: cursors, tier ranges, sparkline geometry."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators import service
from microreach.creators.enums import Platform
from microreach.creators.repository import FollowerRange
from microreach.creators.schemas import CreatorSort, FollowerPoint
from microreach.creators.views import SPARKLINE_MAX_POINTS, sparkline
from microreach.kit.errors import InvalidError, NotFoundError
from microreach.science import tiers
from tests.factories import BASE_TIME, make_account


@pytest.mark.parametrize("sort", list(CreatorSort))
def test_cursor_round_trips(session: Session, sort: CreatorSort) -> None:
    account = make_account(session, handle="zoë_ünïcode", followers=4_321)

    keyset = service.decode_cursor(service.encode_cursor(sort, account), sort)

    assert keyset.id == account.id
    assert keyset.key == ("zoë_ünïcode" if sort is CreatorSort.HANDLE else 4_321)


def test_cursor_is_url_safe(session: Session) -> None:
    account = make_account(session, handle="h" * 100)

    token = service.encode_cursor(CreatorSort.HANDLE, account)

    assert token.replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize(
    "payload",
    [
        b"{}",
        b"[1, 2]",
        b'["followers_desc", true, "00000000-0000-0000-0000-000000000000"]',
        b'["followers_desc", -1, "00000000-0000-0000-0000-000000000000"]',
        b'["followers_desc", 1, "not-a-uuid"]',
        b'["followers_desc", 1.5, "00000000-0000-0000-0000-000000000000"]',
        b"\xff\xfe",
    ],
)
def test_malformed_cursor_payloads_are_invalid(payload: bytes) -> None:
    token = base64.urlsafe_b64encode(payload).decode()

    with pytest.raises(InvalidError) as caught:
        service.decode_cursor(token, CreatorSort.FOLLOWERS_DESC)
    assert caught.value.field == "cursor"


def test_tier_ranges_of_a_single_ladder() -> None:
    assert service.tier_ranges("brief", "micro") == (FollowerRange(1_000, 100_000),)
    assert service.tier_ranges("brief", "mega") == (FollowerRange(1_000_000, None),)


def test_tier_ranges_follow_per_platform_ladders(monkeypatch: pytest.MonkeyPatch) -> None:
    scheme = tiers.TierScheme(
        key="test-per-platform",
        title="test",
        source="test",
        tiers=(tiers.Tier("small", 0, 1_000), tiers.Tier("big", 1_000, None)),
        per_platform={"youtube": (tiers.Tier("small", 0, 10_000), tiers.Tier("big", 10_000, None))},
    )
    monkeypatch.setitem(tiers.SCHEMES, scheme.key, scheme)

    ranges = service.tier_ranges(scheme.key, "big")

    assert FollowerRange(10_000, None, Platform.YOUTUBE) in ranges
    assert FollowerRange(1_000, None, Platform.INSTAGRAM) in ranges
    assert FollowerRange(1_000, None, Platform.YOUTUBE) not in ranges
    assert len(ranges) == len(Platform)


def test_unknown_tier_names_the_known_ones() -> None:
    with pytest.raises(InvalidError, match="known tiers: nano, micro, mid, macro, mega"):
        service.tier_ranges("brief", "huge")


def _series(values: list[int]) -> list[FollowerPoint]:
    return [
        FollowerPoint(captured_at=BASE_TIME + timedelta(days=day), followers=value)
        for day, value in enumerate(values)
    ]


def test_sparkline_needs_two_points() -> None:
    assert sparkline([]) is None
    assert sparkline(_series([5])) is None


def test_sparkline_spans_the_box_from_low_to_high() -> None:
    chart = sparkline(_series([100, 300, 200]))

    assert chart is not None
    assert chart.line == "0.0,52.0 120.0,4.0 240.0,28.0"
    assert chart.area == "M0,56 L0.0,52.0 L120.0,4.0 L240.0,28.0 L240,56 Z"
    assert (chart.low, chart.high, chart.change) == (100, 300, 100)


def test_flat_sparkline_is_centred() -> None:
    chart = sparkline(_series([7, 7]))

    assert chart is not None
    assert chart.line == "0.0,28.0 240.0,28.0"


def test_long_sparkline_is_thinned_but_keeps_both_ends() -> None:
    points = _series(list(range(1_000)))

    chart = sparkline(points)

    assert chart is not None
    coordinates = chart.line.split()
    assert len(coordinates) <= SPARKLINE_MAX_POINTS + 1
    assert coordinates[0] == "0.0,52.0" and coordinates[-1] == "240.0,4.0"
    assert (chart.first, chart.last) == (points[0], points[-1])


def test_tier_scheme_lists_the_configured_tiers(settings: Settings) -> None:
    scheme = service.tier_scheme(settings.model_copy(update={"tier_scheme": "hypeauditor-2018"}))

    assert scheme.title == "HypeAuditor 2018"
    assert [tier.name for tier in scheme.tiers][:2] == ["below-nano", "nano"]


def test_get_creator_raises_not_found(session: Session, settings: Settings) -> None:
    with pytest.raises(NotFoundError):
        service.get_creator(session, settings, uuid.uuid4())
