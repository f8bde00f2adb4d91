"""Pydantic shapes of the campaigns API: briefs and terms in, campaigns, creators, deliverables,
drafts, ledger lines and audit events out. Money is integer minor units of the campaign's
currency everywhere; JSON numbers with a fraction are refused (strict integers)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from microreach.campaigns.enums import (
    CampaignStatus,
    DeliverableKind,
    DeliverableStatus,
    DraftDecision,
    Goal,
    MemberStatus,
)

Minor = Annotated[StrictInt, Field(ge=0, le=10**15, description="Minor units (cents).")]
NAME_MAX = 200
TEXT_MAX = 20_000


class Terms(BaseModel):
    """Compensation for one creator: any mix of the parts below (at least one)."""

    model_config = ConfigDict(extra="forbid")

    flat_fee: Minor = 0
    per_click: Minor = 0
    per_conversion: Minor = 0
    commission_bp: Annotated[
        StrictInt, Field(ge=0, le=10_000, description="Commission on revenue, basis points.")
    ] = 0
    gift: Annotated[str, Field(max_length=500, description="Product gifted, if any.")] = ""
    gift_value: Minor = 0

    @model_validator(mode="after")
    def _something_offered(self) -> Terms:
        if not (
            self.flat_fee
            or self.per_click
            or self.per_conversion
            or self.commission_bp
            or self.gift.strip()
        ):
            raise ValueError(
                "offer at least one of a flat fee, per click, per conversion, "
                "a commission or a gift"
            )
        return self

    @property
    def models(self) -> list[str]:
        """The compensation models in these terms: flat_fee, per_click, ... or several (a mix)."""
        parts = {
            "flat_fee": self.flat_fee,
            "per_click": self.per_click,
            "per_conversion": self.per_conversion,
            "commission": self.commission_bp,
            "gifting": self.gift.strip(),
        }
        return [name for name, value in parts.items() if value]


class DeliverableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DeliverableKind
    count: Annotated[StrictInt, Field(ge=1, le=50)] = 1
    due_on: date | None = Field(default=None, description="Default: the campaign's end date.")


class CampaignIn(BaseModel):
    """A brief."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
    goal: Goal
    starts_on: date
    ends_on: date
    budget_minor: Annotated[StrictInt, Field(description="Budget in minor units; not negative.")]
    currency: Annotated[str, Field(description="ISO 4217 code, e.g. EUR.")]
    required_hashtags: list[str] = []
    required_mentions: list[str] = []
    disclosure_required: bool = True
    guidelines: Annotated[str, Field(max_length=TEXT_MAX)] = ""
    deliverables: list[DeliverableSpec] = []
    default_terms: Terms | None = None


class StatusChange(BaseModel):
    status: CampaignStatus


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    status: CampaignStatus
    goal: Goal
    starts_on: date
    ends_on: date
    budget_minor: int
    currency: str
    required_hashtags: list[str]
    required_mentions: list[str]
    disclosure_required: bool
    guidelines: str
    deliverables: list[dict[str, Any]]
    default_terms: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class InviteTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: uuid.UUID = Field(description="The creator's platform account.")
    email: Annotated[str, Field(min_length=3, max_length=320)]
    terms: Terms | None = Field(default=None, description="Default: the campaign's terms.")


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    creators: Annotated[list[InviteTarget], Field(min_length=1, max_length=200)]


class MemberOut(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    creator_id: uuid.UUID
    account_id: uuid.UUID
    platform: str
    handle: str
    email: str
    status: MemberStatus
    terms: dict[str, Any]
    counter_terms: dict[str, Any] | None
    counter_note: str
    invited_at: datetime
    accepted_at: datetime | None


class InvitedOut(BaseModel):
    member: MemberOut
    url: str = Field(description="The signed invitation link, also sent by mail.")


class CounterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terms: Terms
    note: Annotated[str, Field(max_length=2000)] = ""


class DeliverableOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID
    member_id: uuid.UUID
    kind: DeliverableKind
    due_on: date
    status: DeliverableStatus
    post_url: str | None
    platform_post_id: str | None
    post_id: uuid.UUID | None
    caption: str | None
    compliance: dict[str, Any] | None
    posted_at: datetime | None
    verified_at: datetime | None


class DeliverableChange(BaseModel):
    """A brand's decision on a deliverable: verified by hand, or missed."""

    model_config = ConfigDict(extra="forbid")

    status: DeliverableStatus
    note: Annotated[str, Field(max_length=2000)] = ""


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: DraftDecision
    body: Annotated[str, Field(max_length=TEXT_MAX)] = ""


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    author: str
    body: str
    decision: DraftDecision
    created_at: datetime


class DraftOut(BaseModel):
    id: uuid.UUID
    deliverable_id: uuid.UUID
    version: int
    text: str
    media_type: str | None
    media_size: int | None
    media_name: str | None
    created_at: datetime
    comments: list[CommentOut]


class LedgerLine(BaseModel):
    """What one creator earned in one campaign (minor units of ``currency``)."""

    member_id: uuid.UUID
    creator_id: uuid.UUID
    handle: str
    platform: str
    email: str
    currency: str
    agreed_fee: int
    deliverables: int
    verified: int
    fixed_earned: int
    clicks: int
    conversions: int
    revenue: int
    performance_earned: int
    total_earned: int
    gift: str
    gift_value: int


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    actor: str
    action: str
    detail: dict[str, Any]
    at: datetime
