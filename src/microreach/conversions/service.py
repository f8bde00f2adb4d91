"""Conversions: promo codes, orders reported by API or Shopify (idempotent by order id) and
their attribution, and the totals reports and the campaign ledger read."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from microreach.accounts import repository as accounts_repository
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.errors import UnauthorizedError
from microreach.campaigns import service as campaigns_service
from microreach.campaigns.money import CURRENCIES, MAX_MINOR, check_currency, plain_amount
from microreach.config import Settings
from microreach.conversions import attribution, repository, shopify
from microreach.conversions.attribution import Evidence, attribute
from microreach.conversions.models import Conversion, ConversionSource, PromoCode
from microreach.conversions.schemas import (
    ConversionCreate,
    ConversionOut,
    ConversionTotal,
    ConversionTotals,
    PromoCodeCreate,
    PromoCodeListParams,
    PromoCodeOut,
    TotalsParams,
)
from microreach.creators import service as creators_service
from microreach.kit.clock import as_utc
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError

AMOUNT = re.compile(r"\d+(\.\d+)?")
SHOPIFY_SECRET_UNSET = (
    "Shopify webhooks are not enabled here: set MICROREACH_SHOPIFY_WEBHOOK_SECRET."
)
SHOPIFY_BAD_SIGNATURE = "X-Shopify-Hmac-Sha256 is missing or does not match the body."


@dataclass(frozen=True, slots=True)
class Order:
    """An order as reported, checked: amount in minor units of an ISO 4217 currency."""

    order_id: str
    amount_minor: int
    currency: str
    occurred_at: datetime
    click_id: str | None
    promo_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AttributedPerformance:
    """A creator's human clicks, conversions and revenue (per currency) in one campaign."""

    clicks: int
    conversions: int
    revenue_minor: dict[str, int]


# Promo codes


def create_promo_code(
    session: Session, settings: Settings, ctx: OrgContext, data: PromoCodeCreate, now: datetime
) -> PromoCodeOut:
    _require_write(ctx)
    try:
        creators_service.get_creator(session, settings, data.creator_id)
    except NotFoundError:
        raise InvalidError(f"names no creator ({data.creator_id})", field="creator_id") from None
    if data.campaign_id is not None:
        try:
            campaigns_service.get_campaign(session, ctx, data.campaign_id)
        except NotFoundError:
            raise InvalidError(
                f"names no campaign of {ctx.organisation.name} ({data.campaign_id})",
                field="campaign_id",
            ) from None
    code = PromoCode(
        id=uuid.uuid4(),
        organisation_id=ctx.organisation.id,
        code=data.code,
        code_key=code_key(data.code),
        creator_id=data.creator_id,
        campaign_id=data.campaign_id,
        enabled=True,
        created_at=now,
    )
    if not repository.insert(session, code):
        raise ConflictError(f"{data.code!r} is already a promo code here", field="code")
    return _code_out(code)


def list_promo_codes(
    session: Session, ctx: OrgContext, params: PromoCodeListParams
) -> list[PromoCodeOut]:
    _require_read(ctx)
    codes = repository.list_codes(
        session, ctx.organisation.id, creator_id=params.creator_id, campaign_id=params.campaign_id
    )
    return [_code_out(code) for code in codes]


def disable_promo_code(
    session: Session, ctx: OrgContext, code_id: uuid.UUID, now: datetime
) -> PromoCodeOut:
    """Orders using the code after this are no longer credited by it (idempotent)."""
    _require_write(ctx)
    code = repository.get_code(session, ctx.organisation.id, code_id)
    if code is None:
        raise NotFoundError(f"No promo code with id {code_id}.")
    if code.enabled:
        code.enabled = False
        code.disabled_at = now
        session.flush()
    return _code_out(code)


def code_key(code: str) -> str:
    return code.strip().upper()


# Conversions


def record_conversion(
    session: Session, settings: Settings, ctx: OrgContext, data: ConversionCreate, now: datetime
) -> tuple[ConversionOut, bool]:
    """Store and attribute an order; (the stored one, False) when the order id is known."""
    ctx.require_scope(ApiScope.CONVERSIONS_WRITE)
    order_id = data.order_id.strip()
    if not order_id:
        raise InvalidError("must not be blank", field="order_id")
    currency = check_currency(data.currency)
    order = Order(
        order_id=order_id,
        amount_minor=parse_amount(data.amount, currency, "amount"),
        currency=currency,
        occurred_at=as_utc(data.occurred_at) if data.occurred_at else now,
        click_id=(data.click_id or "").strip() or None,
        promo_codes=(data.promo_code.strip(),)
        if data.promo_code and data.promo_code.strip()
        else (),
    )
    return _record(session, settings, ctx.organisation.id, order, ConversionSource.API, now)


def receive_shopify_order(
    session: Session,
    settings: Settings,
    slug: str,
    body: bytes,
    signature: str | None,
    now: datetime,
) -> tuple[ConversionOut, bool]:
    """An `orders/create` webhook for the organisation `slug`, checked before anything else."""
    secret = settings.shopify_webhook_secret
    if not secret:
        raise UnauthorizedError(SHOPIFY_SECRET_UNSET)
    if not shopify.signature_valid(secret, body, signature):
        raise UnauthorizedError(SHOPIFY_BAD_SIGNATURE)
    organisation = accounts_repository.get_organisation_by_slug(session, slug)
    if organisation is None:
        raise NotFoundError(f"No organisation {slug!r}.")
    parsed = shopify.parse_order(body)
    currency = check_currency(parsed.currency)
    order = Order(
        order_id=parsed.order_id,
        amount_minor=parse_amount(parsed.total_price, currency, "total_price"),
        currency=currency,
        occurred_at=as_utc(parsed.created_at) if parsed.created_at else now,
        click_id=parsed.click_id,
        promo_codes=parsed.discount_codes,
    )
    return _record(session, settings, organisation.id, order, ConversionSource.SHOPIFY, now)


def parse_amount(raw: str, currency: str, field: str) -> int:
    """Exact minor units of a decimal string ("49.90" EUR -> 4990); never a float."""
    text = raw.strip()
    if text.startswith("-"):
        raise InvalidError("must not be negative", field=field)
    if not AMOUNT.fullmatch(text):
        raise InvalidError(f"{raw!r} is not a decimal amount like 49.90", field=field)
    exponent = CURRENCIES[currency]
    minor = Decimal(text).scaleb(exponent)
    if minor != minor.to_integral_value():
        raise InvalidError(
            f"{currency} has {exponent} decimal places; {text} has more", field=field
        )
    if minor > MAX_MINOR:
        raise InvalidError("is too large", field=field)
    return int(minor)


def _record(
    session: Session,
    settings: Settings,
    organisation_id: uuid.UUID,
    order: Order,
    source: ConversionSource,
    now: datetime,
) -> tuple[ConversionOut, bool]:
    existing = repository.conversion_by_order(session, organisation_id, order.order_id)
    if existing is not None:
        return _replayed(existing, order), False
    evidence = _evidence(session, organisation_id, order)
    window = timedelta(days=settings.attribution_window_days)
    found = attribute(evidence, order.occurred_at, window, settings.attribution_rule)
    row = Conversion(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        order_id=order.order_id,
        source=source,
        amount_minor=order.amount_minor,
        currency=order.currency,
        occurred_at=order.occurred_at,
        recorded_at=now,
        click_id=_uuid(order.click_id),
        promo_code=evidence.promo_code,
        rule=found.rule,
        reason=found.reason,
        promo_code_id=found.promo_code_id,
        link_id=found.link_id,
        creator_id=found.creator_id,
        campaign_id=found.campaign_id,
    )
    if not repository.insert(session, row):
        # Another request stored the same order meanwhile: answer as a replay.
        stored = repository.conversion_by_order(session, organisation_id, order.order_id)
        if stored is None:
            raise ConflictError("was stored at the same time; send it again", field="order_id")
        return _replayed(stored, order), False
    return _out(row), True


def _replayed(stored: Conversion, order: Order) -> ConversionOut:
    """The stored conversion, unless the replay disagrees on what was paid."""
    if stored.currency != order.currency:
        raise ConflictError(
            f"order {order.order_id!r} was recorded in {stored.currency}, not {order.currency}",
            field="currency",
        )
    if stored.amount_minor != order.amount_minor:
        raise ConflictError(
            f"order {order.order_id!r} was recorded with amount "
            f"{plain_amount(stored.amount_minor, stored.currency)}, not "
            f"{plain_amount(order.amount_minor, order.currency)}",
            field="amount",
        )
    return _out(stored)


def _evidence(session: Session, organisation_id: uuid.UUID, order: Order) -> Evidence:
    """The first of the order's codes that is the organisation's (enabled ones first), and
    the click its click id names on the organisation's links."""
    codes = [
        repository.code_by_key(session, organisation_id, code_key(c)) for c in order.promo_codes
    ]
    known = sorted((c for c in codes if c is not None), key=lambda c: not c.enabled)
    code = known[0] if known else None
    click_uuid = _uuid(order.click_id)
    click = repository.click_evidence(session, organisation_id, click_uuid) if click_uuid else None
    return Evidence(
        promo_code=code.code if code else (order.promo_codes[0] if order.promo_codes else None),
        code=_code_evidence(code),
        click_id=order.click_id,
        click=click,
    )


def _code_evidence(code: PromoCode | None) -> attribution.CodeEvidence | None:
    if code is None:
        return None
    return attribution.CodeEvidence(code.id, code.creator_id, code.campaign_id, code.enabled)


def _uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# Totals


def conversion_totals(session: Session, ctx: OrgContext, params: TotalsParams) -> ConversionTotals:
    """Conversions and revenue per link, creator or campaign, one row per currency."""
    _require_read(ctx)
    rows = repository.totals(
        session,
        ctx.organisation.id,
        params.by,
        campaign_id=params.campaign_id,
        creator_id=params.creator_id,
    )
    items = [
        ConversionTotal(
            key=row.key,
            currency=row.currency,
            conversions=row.conversions,
            revenue_minor=row.revenue_minor,
        )
        for row in rows
    ]
    items.sort(key=lambda item: (-item.revenue_minor, item.currency, str(item.key)))
    return ConversionTotals(by=params.by, items=items)


def creator_campaign_performance(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID, creator_id: uuid.UUID
) -> AttributedPerformance:
    """What the campaign ledger pays on: rolled-up human clicks of the creator's links in the
    campaign, and the conversions attributed to both, with revenue per currency."""
    rows = repository.totals(
        session, organisation_id, "campaign", campaign_id=campaign_id, creator_id=creator_id
    )
    return AttributedPerformance(
        clicks=repository.human_clicks(session, organisation_id, campaign_id, creator_id),
        conversions=sum(row.conversions for row in rows),
        revenue_minor={row.currency: row.revenue_minor for row in rows},
    )


# Helpers


def _require_read(ctx: OrgContext) -> None:
    if ctx.api_key is not None:
        scopes = ctx.api_key.scopes
        if ApiScope.REPORTS_READ.value not in scopes:
            ctx.require_scope(ApiScope.CONVERSIONS_WRITE)


def _require_write(ctx: OrgContext) -> None:
    if ctx.api_key is not None:
        ctx.require_scope(ApiScope.CONVERSIONS_WRITE)
    else:
        ctx.require_role(Role.MEMBER, "change promo codes")


def _code_out(code: PromoCode) -> PromoCodeOut:
    return PromoCodeOut(
        id=code.id,
        code=code.code,
        creator_id=code.creator_id,
        campaign_id=code.campaign_id,
        enabled=code.enabled,
        created_at=code.created_at,
        disabled_at=code.disabled_at,
    )


def _out(row: Conversion) -> ConversionOut:
    return ConversionOut(
        id=row.id,
        order_id=row.order_id,
        source=row.source,
        amount=plain_amount(row.amount_minor, row.currency),
        amount_minor=row.amount_minor,
        currency=row.currency,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        click_id=row.click_id,
        promo_code=row.promo_code,
        rule=row.rule,
        reason=row.reason,
        link_id=row.link_id,
        creator_id=row.creator_id,
        campaign_id=row.campaign_id,
    )
