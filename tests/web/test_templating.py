"""Number and date formatting used by the pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from microreach.web.deps import compact_number, day, grouped_number


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (999, "999"),
        (1_000, "1K"),
        (1_049, "1K"),
        (1_050, "1.1K"),
        (12_345, "12.3K"),
        (99_960, "100K"),
        (999_949, "999.9K"),
        (999_950, "1M"),
        (1_500_000, "1.5M"),
        (12_000_000, "12M"),
        (999_960_000, "1B"),
        (2_340_000_000, "2.3B"),
        (None, "—"),
    ],
)
def test_compact_number(value: int | None, shown: str) -> None:
    assert compact_number(value) == shown


def test_grouped_number() -> None:
    assert grouped_number(1234567) == "1,234,567"
    assert grouped_number(None) == "—"


def test_day() -> None:
    assert day(datetime(2026, 1, 5, 23, 0, tzinfo=UTC)) == "5 Jan 2026"
