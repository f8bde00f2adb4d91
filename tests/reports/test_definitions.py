"""The metric definitions, EMV and the tier comparison as pure functions."""

from __future__ import annotations

import math

import pytest

from microreach.reports import comparison, definitions, emv
from microreach.reports.comparison import Unit
from microreach.reports.definitions import PostCounts


def test_ratios_are_none_when_nothing_to_divide_by() -> None:
    assert definitions.ratio(5, 0) is None
    assert definitions.ratio(None, 3) is None
    assert definitions.ratio(5, None) is None
    assert definitions.ratio(0, 4) == 0.0
    for spend in (0, 100):
        assert definitions.cpe(spend, 0) is None
        assert definitions.cpe(spend, None) is None
        assert definitions.cpc(spend, 0) is None
        assert definitions.cpm(spend, None) is None
        assert definitions.cpa(spend, 0) is None
    assert definitions.roas(500, 0) is None and definitions.roi(500, 0) is None
    assert definitions.cpm(250, 10_000) == pytest.approx(25.0)
    assert definitions.roi(300, 200) == pytest.approx(0.5)


def test_missing_counts_are_unknown_not_zero() -> None:
    hidden = PostCounts(followers=1_000, comments=4)
    assert definitions.engagements(hidden) == 4
    nothing = PostCounts(followers=1_000)
    assert definitions.engagements(nothing) is None
    totals = definitions.post_totals([hidden, nothing])
    # Only the post with known engagements is in the base of the rate.
    assert (totals.engagements, totals.followers) == (4, 1_000)
    assert (totals.impressions, totals.views) == (None, None)
    assert (totals.reach, totals.reach_estimated_posts) == (400, 2)


def test_fees() -> None:
    assert definitions.committed_fee(10_000, 0, 0) == 10_000
    assert definitions.committed_fee(10_000, 3, 1) == 6_666
    assert definitions.committed_fee(10_000, 2, 2) == 0
    assert definitions.performance_fee(10, 500, 250, 7, 2, 10_001) == 70 + 1_000 + 250


def test_emv_uses_the_platform_row_then_the_default() -> None:
    table = emv.value_table("USD", {("instagram", "likes"): emv.Rate(1_000, 1_000)})
    assert table is not None
    value = emv.earned_media_value({"likes": 10, "views": None, "clicks": 2}, table, "instagram")
    assert (value.low, value.high) == (10 + 100, 10 + 400)
    assert value.valued == ("likes", "clicks")
    youtube = emv.earned_media_value({"views": 1_000}, table, "youtube")
    assert (youtube.low, youtube.high) == (3_000, 10_000)
    assert emv.value_table("JPY") is None
    own = emv.value_table("JPY", {("*", "views"): emv.Rate(1, 2)})
    assert own is not None and own.sources[("*", "views")] == "organisation"


def _group(n: int, num: float, den: float) -> list[Unit]:
    return [Unit(num * (1 + 0.05 * (i % 3)), den) for i in range(n)]


def test_comparison_verdicts() -> None:
    def show(x: float) -> str:
        return f"{x:.2f}"

    thin = comparison.compare(
        "cpe", "CPE", "money", "lower", _group(3, 10, 100), _group(8, 50, 100), show
    )
    assert not thin.conclusive and "Too little data" in thin.verdict and "3 micro" in thin.verdict
    clear = comparison.compare(
        "cpe", "CPE", "money", "lower", _group(8, 10, 100), _group(8, 50, 100), show
    )
    assert clear.conclusive and clear.verdict.startswith("Micro-influencers did better")
    assert clear.low is not None and clear.high is not None and clear.high < 0
    assert clear.micro.value == pytest.approx(sum(u.numerator for u in _group(8, 10, 100)) / 800)
    again = comparison.compare(
        "cpe", "CPE", "money", "lower", _group(8, 10, 100), _group(8, 50, 100), show
    )
    assert (again.low, again.high) == (clear.low, clear.high)  # seeded
    roas = comparison.compare(
        "roas", "ROAS", "ratio", "higher", _group(8, 10, 100), _group(8, 50, 100), show
    )
    assert roas.conclusive and roas.verdict.startswith("Larger creators did better")
    mixed = [Unit(10, 100), Unit(90, 100)] * 4
    unclear = comparison.compare("cpe", "CPE", "money", "lower", mixed, list(reversed(mixed)), show)
    assert not unclear.conclusive and "includes zero" in unclear.verdict
    empty = comparison.compare(
        "cpc", "CPC", "money", "lower", _group(6, 10, 0), _group(6, 1, 1), show
    )
    assert not empty.conclusive and empty.micro.value is None and "n/a" in empty.verdict
    assert not math.isinf(empty.larger.value or 0)
