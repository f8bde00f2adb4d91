"""The attribution rule as a pure function, on hand-made evidence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from microreach.conversions.attribution import (
    Attribution,
    ClickEvidence,
    CodeEvidence,
    Evidence,
    attribute,
)
from microreach.conversions.models import AttributionRule

ORDER_AT = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
DEFAULT = "promo_code_first_then_last_click"
CODE = CodeEvidence(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), enabled=True)


def click(before: timedelta, *, bot: bool = False) -> ClickEvidence:
    return ClickEvidence(uuid.uuid4(), uuid.uuid4(), None, ORDER_AT - before, bot)


def run(evidence: Evidence, rule: str = DEFAULT) -> Attribution:
    return attribute(evidence, ORDER_AT, WINDOW, rule)


def test_nothing_reported_is_unattributed() -> None:
    assert run(Evidence()) == Attribution(AttributionRule.UNATTRIBUTED, reason="no_evidence")


def test_code_first_then_click_by_default() -> None:
    evidence = Evidence("C", CODE, "id", click(timedelta(days=1)))
    assert run(evidence).rule is AttributionRule.PROMO_CODE
    assert run(evidence, "last_click_first_then_promo_code").rule is AttributionRule.LAST_CLICK


@pytest.mark.parametrize(
    ("before", "rule"),
    [
        (timedelta(0), AttributionRule.LAST_CLICK),
        (WINDOW, AttributionRule.LAST_CLICK),
        (WINDOW + timedelta(seconds=1), AttributionRule.UNATTRIBUTED),
        (-timedelta(minutes=5), AttributionRule.LAST_CLICK),
        (-timedelta(minutes=6), AttributionRule.UNATTRIBUTED),
    ],
)
def test_the_window_edges(before: timedelta, rule: AttributionRule) -> None:
    assert run(Evidence(click_id="id", click=click(before))).rule is rule


def test_every_refusal_is_named() -> None:
    evidence = Evidence("OLD", CodeEvidence(uuid.uuid4(), uuid.uuid4(), None, False), "id")
    assert run(evidence).reason == "disabled_promo_code,unknown_click"
    assert run(Evidence(click_id="x", click=click(timedelta(hours=1), bot=True))).reason == (
        "bot_click"
    )
    assert run(Evidence(promo_code="NOPE"), "last_click_only").reason == "no_evidence"


def test_code_only_rule_ignores_clicks() -> None:
    evidence = Evidence(click_id="id", click=click(timedelta(days=1)))
    assert run(evidence, "promo_code_only").rule is AttributionRule.UNATTRIBUTED
