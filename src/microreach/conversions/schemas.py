"""Pydantic shapes of the conversions API: promo codes, reported orders, totals."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from microreach.conversions.models import AttributionRule, ConversionSource

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"


class PromoCodeCreate(BaseModel):
    code: str = Field(
        min_length=2,
        max_length=64,
        pattern=CODE_PATTERN,
        description="Letters, digits, '-' and '_'; unique in the organisation ignoring case.",
    )
    creator_id: uuid.UUID = Field(description="The creator credited with orders using it.")
    campaign_id: uuid.UUID | None = Field(
        default=None, description="The campaign credited too, when the code belongs to one."
    )


class PromoCodeOut(BaseModel):
    id: uuid.UUID
    code: str
    creator_id: uuid.UUID
    campaign_id: uuid.UUID | None
    enabled: bool
    created_at: datetime
    disabled_at: datetime | None


class PromoCodeListParams(BaseModel):
    creator_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None


class ConversionCreate(BaseModel):
    order_id: str = Field(
        min_length=1, max_length=255, description="The shop's order id; one conversion each."
    )
    amount: str = Field(
        max_length=40, description='The order total as a decimal string, e.g. "49.90".'
    )
    currency: str = Field(max_length=8, description="ISO 4217 code, e.g. EUR.")
    click_id: str | None = Field(
        default=None,
        max_length=64,
        description="The mr_cid the destination received from the short link.",
    )
    promo_code: str | None = Field(default=None, max_length=64)
    occurred_at: datetime | None = Field(
        default=None, description="When the order was placed; default now."
    )


class ConversionOut(BaseModel):
    id: uuid.UUID
    order_id: str
    source: ConversionSource
    amount: str = Field(description="The total as a decimal string in the currency.")
    amount_minor: int = Field(description="The total in minor units (cents).")
    currency: str
    occurred_at: datetime
    recorded_at: datetime
    click_id: uuid.UUID | None
    promo_code: str | None
    rule: AttributionRule = Field(description="promo_code, last_click or unattributed.")
    reason: str | None = Field(
        description="Why evidence was refused, comma-separated (e.g. bot_click)."
    )
    link_id: uuid.UUID | None
    creator_id: uuid.UUID | None
    campaign_id: uuid.UUID | None


class TotalsParams(BaseModel):
    by: Literal["link", "creator", "campaign"] = "creator"
    campaign_id: uuid.UUID | None = None
    creator_id: uuid.UUID | None = None


class ConversionTotal(BaseModel):
    key: uuid.UUID | None = Field(description="The link, creator or campaign; null: none.")
    currency: str
    conversions: int
    revenue_minor: int


class ConversionTotals(BaseModel):
    by: Literal["link", "creator", "campaign"]
    items: list[ConversionTotal]
