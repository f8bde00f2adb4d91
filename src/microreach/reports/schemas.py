"""Pydantic shapes of the reports API. Money is integer minor units of ``currency`` (per-unit
costs such as CPE are fractional minor units); rates are fractions; a ratio with nothing to
divide by is null ("n/a"), never 0 or infinity."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

Count = Annotated[StrictInt, Field(ge=0, le=10**13)]
PerMille = Annotated[
    StrictInt, Field(ge=0, le=10**12, description="Minor units per 1,000 actions.")
]


class MetricsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    creators: int
    posts_live: int
    reach: int
    reach_estimated: bool
    impressions: int | None
    views: int | None
    engagements: int | None
    engagement_rate_followers: float | None
    engagement_rate_views: float | None
    clicks_total: int
    clicks_human: int
    clicks_bot: int
    clicks_unique: int
    ctr: float | None
    conversions: int
    conversion_rate: float | None
    revenue: int
    cost: int
    cpe: float | None
    cpc: float | None
    cpm: float | None
    cpa: float | None
    roas: float | None
    roi: float | None


class EmvOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    low: int
    high: int
    valued: list[str] = Field(description="Actions that had a count and a value.")


class CreatorOut(BaseModel):
    creator_id: uuid.UUID
    handle: str
    platform: str
    followers: int
    tier: str
    group: str
    gifted_only: bool
    deliverables: int
    missed: int
    fee_committed: int
    fee_performance: int
    gift_value: int
    metrics: MetricsOut
    emv: EmvOut | None


class PostCountsOut(BaseModel):
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    views: int | None
    reach: int | None
    impressions: int | None


class GrowthPoint(BaseModel):
    captured_at: datetime
    engagements: int | None


class PostOut(BaseModel):
    post_id: uuid.UUID
    creator_id: uuid.UUID
    handle: str
    platform: str
    url: str | None
    posted_at: datetime
    deleted: bool
    counts: PostCountsOut
    engagements: int | None
    engagement_rate_followers: float | None
    engagement_rate_views: float | None
    reach: int
    reach_estimated: bool
    captured_at: datetime | None
    source: str | None
    growth: list[GrowthPoint]


class GroupOut(BaseModel):
    key: str
    metrics: MetricsOut
    emv: EmvOut | None


class DayClicks(BaseModel):
    day: date
    human: int
    bots: int


class DayEngagements(BaseModel):
    day: date
    engagements: int


class DayConversions(BaseModel):
    day: date
    conversions: int
    revenue: int


class BreakdownRow(BaseModel):
    value: str = Field(description='"" when unknown.')
    human: int
    bots: int


class GroupValueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    creators: int
    value: float | None
    low: float | None
    high: float | None


class ComparisonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    metric: str
    label: str
    unit: str
    better: str
    micro: GroupValueOut
    larger: GroupValueOut
    difference: float | None
    low: float | None
    high: float | None
    conclusive: bool
    verdict: str


class Freshness(BaseModel):
    data_as_of: datetime | None
    clicks_until: datetime | None
    newest_snapshot: datetime | None
    newest_conversion: datetime | None


class CampaignReportOut(BaseModel):
    campaign_id: uuid.UUID
    name: str
    status: str
    currency: str
    generated_at: datetime
    freshness: Freshness
    metrics: MetricsOut
    emv: EmvOut | None
    creators: list[CreatorOut]
    posts: list[PostOut]
    platforms: list[GroupOut]
    tiers: list[GroupOut]
    clicks_by_day: list[DayClicks]
    engagements_by_day: list[DayEngagements]
    conversions_by_day: list[DayConversions]
    breakdowns: dict[str, list[BreakdownRow]]
    tier_comparison: list[ComparisonOut]
    other_currency_revenue: dict[str, int]
    notes: list[str]


class CampaignRef(BaseModel):
    id: uuid.UUID
    name: str


class ExcludedCampaign(CampaignRef):
    reason: str


class TierComparisonOut(BaseModel):
    currency: str
    campaigns: list[CampaignRef]
    excluded: list[ExcludedCampaign]
    creators: int
    comparisons: list[ComparisonOut]
    generated_at: datetime


class TierComparisonParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str | None = Field(
        default=None, description="ISO 4217; default: the currency most campaigns use."
    )


# EMV value tables


Action = Literal["impressions", "views", "likes", "comments", "shares", "saves", "clicks"]


class EmvRateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: Annotated[str, Field(description='A platform (instagram, ...) or "*" for all.')]
    action: Action
    low_per_1000: PerMille
    high_per_1000: PerMille


class EmvTableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str
    rates: Annotated[list[EmvRateIn], Field(max_length=200)]


class EmvRateOut(BaseModel):
    platform: str
    action: str
    low_per_1000: int
    high_per_1000: int
    source: Literal["default", "organisation"]


class EmvTableOut(BaseModel):
    currency: str
    formula: str
    basis: str
    rates: list[EmvRateOut]


# Manual post metrics


class PostMetricsIn(BaseModel):
    """Counts read off the platform by a person; absent counts stay unknown (null)."""

    model_config = ConfigDict(extra="forbid")

    captured_at: datetime | None = Field(default=None, description="Default: now.")
    likes: Count | None = None
    comments: Count | None = None
    shares: Count | None = None
    saves: Count | None = None
    views: Count | None = None
    reach: Count | None = None
    impressions: Count | None = None


class PostMetricsOut(BaseModel):
    post_id: uuid.UUID
    captured_at: datetime
    source: str
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    views: int | None
    reach: int | None
    impressions: int | None
