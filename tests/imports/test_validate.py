"""Field parsers: the human number forms of influencer spreadsheets, times, handles, platforms."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from microreach.creators.enums import Platform, PostType
from microreach.imports.validate import (
    FieldError,
    parse_bool,
    parse_count,
    parse_handle,
    parse_platform,
    parse_post_type,
    parse_time,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345", 12345),
        (" 12345 ", 12345),
        ("12,345", 12345),
        ("1,234,567", 1234567),
        ("12 345", 12345),
        ("12\u00a0345", 12345),
        ("12k", 12000),
        ("12K", 12000),
        ("12.3K", 12300),
        ("1.2M", 1200000),
        ("4.35m", 4350000),
        ("1,5M", 1500000),
        ("3B", 3000000000),
        ("1234.0", 1234),
        ("", None),
        ("n/a", None),
        ("-", None),
        (1500, 1500),
        (1500.0, 1500),
        (None, None),
    ],
)
def test_counts_accept_documented_forms(
    text: str | int | float | None, expected: int | None
) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    "text", ["12abc", "lots", "1.234", "12,34", "-5", "1.5.2", "12kk", "1e5x", "99999999999999"]
)
def test_counts_reject_garbage(text: str) -> None:
    with pytest.raises(FieldError):
        parse_count(text)


def test_counts_reject_fractions_and_booleans() -> None:
    with pytest.raises(FieldError):
        parse_count(12.5)
    with pytest.raises(FieldError):
        parse_count(True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01T12:00:00+02:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01 10:00:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("1536944708", datetime(2018, 9, 14, 17, 5, 8, tzinfo=UTC)),
        (1536944708000, datetime(2018, 9, 14, 17, 5, 8, tzinfo=UTC)),
    ],
)
def test_times(value: str | int, expected: datetime) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "0"])
def test_bad_times(value: str) -> None:
    with pytest.raises(FieldError):
        parse_time(value)


def test_handles_are_normalised() -> None:
    assert parse_handle("@Some.One") == "some.one"
    assert parse_handle("https://www.instagram.com/Some_One/") == "some_one"
    with pytest.raises(FieldError):
        parse_handle("has space")
    with pytest.raises(FieldError):
        parse_handle("x" * 101)


def test_platforms_and_aliases() -> None:
    assert parse_platform("IG") is Platform.INSTAGRAM
    assert parse_platform("Twitter") is Platform.X
    assert parse_platform("") is None
    with pytest.raises(FieldError, match="unknown platform"):
        parse_platform("myspace")


def test_booleans_and_post_types() -> None:
    assert parse_bool("Yes") is True
    assert parse_bool("0") is False
    with pytest.raises(FieldError):
        parse_bool("maybe")
    assert parse_post_type("GraphSidecar") is PostType.CAROUSEL
    with pytest.raises(FieldError):
        parse_post_type("hologram")
