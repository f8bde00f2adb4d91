"""JSON routes of the conversions domain: promo codes, reported orders, totals, and the
Shopify `orders/create` webhook (authenticated by its HMAC, not by a key or a session)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from microreach.accounts import service as accounts_service
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.conversions import service
from microreach.conversions.schemas import (
    ConversionCreate,
    ConversionOut,
    ConversionTotals,
    PromoCodeCreate,
    PromoCodeListParams,
    PromoCodeOut,
    TotalsParams,
)
from microreach.kit.clock import utcnow
from microreach.web.auth import IdentityDep, api_key_auth, org_access
from microreach.web.deps import SessionDep, SettingsDep
from microreach.web.errors import NOT_FOUND_RESPONSES, PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/api/v1", tags=["conversions"])

RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Not signed in, or no valid API key"},
    403: {"model": Problem, "description": "Role or API key scope too low"},
    **NOT_FOUND_RESPONSES,
    **PROBLEM_RESPONSES,
}
CONFLICT: dict[int | str, dict[str, object]] = {
    409: {"model": Problem, "description": "Conflicts with what is stored"}
}


def _reader(identity: IdentityDep) -> OrgContext:
    """A member, or an API key with conversions:write or reports:read."""
    key = identity.api_key
    if key is not None and ApiScope.REPORTS_READ.value in key.scopes:
        return accounts_service.key_context(identity, ApiScope.REPORTS_READ)
    return org_access(ApiScope.CONVERSIONS_WRITE)(identity)


async def _raw_body(request: Request) -> bytes:
    """The exact bytes Shopify signed (read before any parsing)."""
    return await request.body()


Reader = Annotated[OrgContext, Depends(_reader)]
Writer = Annotated[OrgContext, Depends(org_access(ApiScope.CONVERSIONS_WRITE, Role.MEMBER))]
KeyWriter = Annotated[OrgContext, Depends(api_key_auth(ApiScope.CONVERSIONS_WRITE))]
RawBody = Annotated[bytes, Depends(_raw_body)]


@router.post(
    "/promo-codes", status_code=201, summary="Create a promo code", responses=RESPONSES | CONFLICT
)
def create_promo_code(
    data: PromoCodeCreate, ctx: Writer, session: SessionDep, settings: SettingsDep
) -> PromoCodeOut:
    """A code that credits a creator (and optionally a campaign) with the orders using it."""
    return service.create_promo_code(session, settings, ctx, data, utcnow())


@router.get("/promo-codes", summary="List promo codes", responses=RESPONSES)
def list_promo_codes(
    params: Annotated[PromoCodeListParams, Query()], ctx: Reader, session: SessionDep
) -> list[PromoCodeOut]:
    return service.list_promo_codes(session, ctx, params)


@router.post("/promo-codes/{code_id}/disable", summary="Disable a promo code", responses=RESPONSES)
def disable_promo_code(code_id: uuid.UUID, ctx: Writer, session: SessionDep) -> PromoCodeOut:
    """Later orders with the code are no longer credited by it; stored ones keep theirs."""
    return service.disable_promo_code(session, ctx, code_id, utcnow())


@router.post(
    "/conversions",
    status_code=201,
    summary="Report an order",
    responses={
        **RESPONSES,
        **CONFLICT,
        200: {"model": ConversionOut, "description": "Already recorded: the stored conversion"},
    },
)
def record_conversion(
    data: ConversionCreate,
    ctx: KeyWriter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ConversionOut:
    """Idempotent by order id: a replay returns the stored conversion (200); a replay with
    another amount or currency is a 409. Attributed by promo code, then last click."""
    conversion, created = service.record_conversion(session, settings, ctx, data, utcnow())
    response.status_code = 201 if created else 200
    return conversion


@router.get("/conversions/totals", summary="Conversion totals", responses=RESPONSES)
def conversion_totals(
    params: Annotated[TotalsParams, Query()], ctx: Reader, session: SessionDep
) -> ConversionTotals:
    """Conversions and revenue per link, creator or campaign, one row per currency."""
    return service.conversion_totals(session, ctx, params)


@router.post(
    "/webhooks/shopify/{slug}",
    status_code=201,
    summary="Shopify orders/create webhook",
    responses={
        **RESPONSES,
        **CONFLICT,
        200: {"model": ConversionOut, "description": "Already recorded: the stored conversion"},
    },
)
def shopify_order(
    slug: str,
    body: RawBody,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    signature: Annotated[str | None, Header(alias="X-Shopify-Hmac-Sha256")] = None,
) -> ConversionOut:
    """Point the store's orders/create webhook here (JSON). The X-Shopify-Hmac-Sha256
    header is checked against MICROREACH_SHOPIFY_WEBHOOK_SECRET (401 when it does not match);
    the order is attributed by discount code or by the mr_cid of its landing_site."""
    conversion, created = service.receive_shopify_order(
        session, settings, slug, body, signature, utcnow()
    )
    response.status_code = 201 if created else 200
    return conversion
