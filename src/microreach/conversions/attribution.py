"""Attribution of an order: which promo code or click credits it, as a pure function.

The rule (settings.attribution_rule) says which evidence is tried first; the first piece
that holds wins. A promo code holds when it is one of the organisation's enabled codes. A
click holds when it was made on a link of the same organisation, by a human (not a bot or
preview fetcher), at most the window before the order and not after it (up to a small clock
skew). Defined in docs/metrics.md (Attribution).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from microreach.conversions.models import AttributionRule

# Shops and microreach keep time on different machines; a click stamped this much after the
# order is still taken as before it.
CLOCK_SKEW = timedelta(minutes=5)
RULE_ORDERS: dict[str, tuple[AttributionRule, ...]] = {
    "promo_code_first_then_last_click": (AttributionRule.PROMO_CODE, AttributionRule.LAST_CLICK),
    "last_click_first_then_promo_code": (AttributionRule.LAST_CLICK, AttributionRule.PROMO_CODE),
    "promo_code_only": (AttributionRule.PROMO_CODE,),
    "last_click_only": (AttributionRule.LAST_CLICK,),
}


@dataclass(frozen=True, slots=True)
class CodeEvidence:
    """An organisation's promo code that matched the code of the order."""

    code_id: uuid.UUID
    creator_id: uuid.UUID
    campaign_id: uuid.UUID | None
    enabled: bool


@dataclass(frozen=True, slots=True)
class ClickEvidence:
    """The click the order's click id names, on a link of the same organisation."""

    link_id: uuid.UUID
    creator_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    occurred_at: datetime
    is_bot: bool


@dataclass(frozen=True, slots=True)
class Evidence:
    """What an order carried (`promo_code`, `click_id`) and what each names (or None)."""

    promo_code: str | None = None
    code: CodeEvidence | None = None
    click_id: str | None = None
    click: ClickEvidence | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    rule: AttributionRule
    reason: str | None = None
    promo_code_id: uuid.UUID | None = None
    link_id: uuid.UUID | None = None
    creator_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None


def attribute(evidence: Evidence, order_at: datetime, window: timedelta, rule: str) -> Attribution:
    """Credit the order by the first piece of evidence, in the rule's order, that holds."""
    reasons: list[str] = []
    for step in RULE_ORDERS[rule]:
        if step is AttributionRule.PROMO_CODE:
            found, reason = _by_code(evidence)
        else:
            found, reason = _by_click(evidence, order_at, window)
        if found is not None:
            return found
        if reason is not None:
            reasons.append(reason)
    return Attribution(AttributionRule.UNATTRIBUTED, reason=",".join(reasons) or "no_evidence")


def _by_code(evidence: Evidence) -> tuple[Attribution | None, str | None]:
    if evidence.promo_code is None:
        return None, None
    code = evidence.code
    if code is None:
        return None, "unknown_promo_code"
    if not code.enabled:
        return None, "disabled_promo_code"
    attribution = Attribution(
        AttributionRule.PROMO_CODE,
        promo_code_id=code.code_id,
        creator_id=code.creator_id,
        campaign_id=code.campaign_id,
    )
    return attribution, None


def _by_click(
    evidence: Evidence, order_at: datetime, window: timedelta
) -> tuple[Attribution | None, str | None]:
    if evidence.click_id is None:
        return None, None
    click = evidence.click
    if click is None:
        return None, "unknown_click"
    if click.is_bot:
        return None, "bot_click"
    if click.occurred_at > order_at + CLOCK_SKEW:
        return None, "click_after_order"
    if order_at - click.occurred_at > window:
        return None, "click_outside_window"
    attribution = Attribution(
        AttributionRule.LAST_CLICK,
        link_id=click.link_id,
        creator_id=click.creator_id,
        campaign_id=click.campaign_id,
    )
    return attribution, None
