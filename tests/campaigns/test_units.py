"""Money, post addresses, compliance checks and ledger arithmetic, with hand-checked values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from microreach.campaigns.checks import check_post, parse_post_url
from microreach.campaigns.ledger import fixed_earned, payout_csv, performance_earned
from microreach.campaigns.money import check_currency, format_amount, parse_amount
from microreach.campaigns.schemas import LedgerLine, Terms
from microreach.creators.enums import Platform
from microreach.kit.errors import InvalidError

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_amounts_are_exact_minor_units() -> None:
    assert parse_amount("1,500.50", "EUR", "f") == 150_050
    assert parse_amount("1500", "JPY", "f") == 1500
    assert parse_amount("1.234", "KWD", "f") == 1234
    assert format_amount(150_050, "EUR") == "1,500.50 EUR"
    assert format_amount(1500, "JPY") == "1,500 JPY"
    with pytest.raises(InvalidError, match="EUR has 2 decimal places"):
        parse_amount("1.005", "EUR", "f")
    with pytest.raises(InvalidError, match="must not be negative"):
        parse_amount("-1", "EUR", "f")
    with pytest.raises(InvalidError, match="not an amount"):
        parse_amount("NaN-ish", "EUR", "f")
    assert check_currency(" gbp ") == "GBP"
    with pytest.raises(InvalidError, match="XXY is not an ISO 4217"):
        check_currency("XXY")


@pytest.mark.parametrize(
    ("url", "platform", "post_id"),
    [
        ("https://www.instagram.com/p/Cx1_ab-2/", Platform.INSTAGRAM, "Cx1_ab-2"),
        ("https://instagram.com/reel/C0ffee/?igsh=1", Platform.INSTAGRAM, "C0ffee"),
        (
            "https://www.tiktok.com/@sunny.runs/video/7312345678901234567",
            Platform.TIKTOK,
            "7312345678901234567",
        ),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", Platform.YOUTUBE, "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", Platform.YOUTUBE, "dQw4w9WgXcQ"),
        ("https://www.youtube.com/shorts/abcDEF123", Platform.YOUTUBE, "abcDEF123"),
        ("https://x.com/sunny/status/1234567", Platform.X, "1234567"),
        ("https://vm.tiktok.com/ZMabc/", Platform.TIKTOK, None),
    ],
)
def test_post_addresses(url: str, platform: Platform, post_id: str | None) -> None:
    address = parse_post_url(url)
    assert (address.platform, address.platform_post_id) == (platform, post_id)


@pytest.mark.parametrize("url", ["ftp://instagram.com/p/x", "https://evil.example/p/x", "x"])
def test_unknown_post_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidError, match="platform microreach knows"):
        parse_post_url(url)


def test_compliance_needs_tags_mentions_and_disclosure() -> None:
    def check(caption: str | None, paid: bool = False) -> list[str]:
        result = check_post(caption, (), (), paid, NOW, ["runfree"], ["swiftshoes"], True)
        return list(result.problems)

    assert check("#RunFree with @SwiftShoes #ad") == []
    assert check("#RunFree with @swiftshoes", paid=True) == []
    assert check("#RunFree with @swiftshoes #adventure") == [
        "no disclosure: add #ad (or the platform's paid-partnership label) to the post"
    ]
    assert check("@swiftshoes.eu #ad") == ["missing #runfree", "missing @swiftshoes"]
    assert check(None) == ["The caption is not known yet: add it, or wait for a refresh."]


def test_ledger_arithmetic() -> None:
    assert fixed_earned(45_000, 1, 3, completed=False) == 15_000
    assert fixed_earned(10_000, 2, 3, completed=False) == 6_666
    assert fixed_earned(10_000, 3, 3, completed=False) == 10_000
    assert fixed_earned(10_000, 0, 0, completed=False) == 0
    assert fixed_earned(10_000, 0, 0, completed=True) == 10_000
    terms = Terms(per_click=10, per_conversion=500, commission_bp=1_250)
    assert performance_earned(terms, clicks=100, conversions=3, revenue=20_001) == (
        1_000 + 1_500 + 2_500
    )
    assert Terms(flat_fee=1, gift="shoes").models == ["flat_fee", "gifting"]


def test_payout_csv_defuses_formulas() -> None:
    line = LedgerLine(
        member_id="00000000-0000-0000-0000-000000000001",  # type: ignore[arg-type]
        creator_id="00000000-0000-0000-0000-000000000002",  # type: ignore[arg-type]
        handle="=cmd",
        platform="instagram",
        email="a@example.com",
        currency="EUR",
        agreed_fee=100,
        deliverables=1,
        verified=1,
        fixed_earned=100,
        clicks=0,
        conversions=0,
        revenue=0,
        performance_earned=0,
        total_earned=100,
        gift="",
        gift_value=0,
    )
    text = payout_csv("+SUM(A1)", [line])
    assert "'+SUM(A1)" in text and "'=cmd" in text and ",1.00," in text
