"""Pydantic shapes of the links API: what a link request carries and what comes back."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

MAX_BULK_CREATORS = 1000
UTM_FIELD = Field(default=None, max_length=100)


class UtmFields(BaseModel):
    utm_source: str | None = Field(
        default=None, max_length=100, description="Default: the creator's main platform."
    )
    utm_medium: str | None = Field(default=None, max_length=100, description="Default: influencer.")
    utm_campaign: str | None = Field(default=None, max_length=100)
    utm_content: str | None = Field(
        default=None, max_length=100, description="Default: the creator's handle."
    )


class LinkCreate(UtmFields):
    destination: str = Field(max_length=4096, description="http or https URL to redirect to.")
    slug: str | None = Field(
        default=None,
        max_length=200,
        description="Custom slug (letters, digits, '-', '_'); generated when omitted.",
    )
    domain: str | None = Field(
        default=None, description="A short domain of the organisation; default the app's host."
    )
    creator_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    title: str | None = Field(default=None, max_length=200)
    enabled: bool = True
    expires_at: datetime | None = None
    fallback_url: str | None = Field(
        default=None, max_length=4096, description="Where an expired link sends people."
    )


class LinkUpdate(UtmFields):
    """Only the fields sent are changed; send null to clear an optional one."""

    destination: str | None = Field(default=None, max_length=4096)
    title: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None
    expires_at: datetime | None = None
    fallback_url: str | None = Field(default=None, max_length=4096)


class BulkLinkCreate(BaseModel):
    """One link per creator to the same destination, e.g. for every creator of a campaign."""

    destination: str = Field(max_length=4096)
    creator_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK_CREATORS)
    campaign_id: uuid.UUID | None = None
    domain: str | None = None
    utm_medium: str | None = UTM_FIELD
    utm_campaign: str | None = UTM_FIELD
    expires_at: datetime | None = None
    fallback_url: str | None = Field(default=None, max_length=4096)


class LinkOut(BaseModel):
    id: uuid.UUID
    slug: str
    domain: str | None = Field(description="The short domain; null for the app's own host.")
    short_url: str
    destination: str
    redirect_url: str = Field(description="The destination with its UTM parameters.")
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_content: str | None
    creator_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    title: str | None
    enabled: bool
    expires_at: datetime | None
    fallback_url: str | None
    created_at: datetime
    updated_at: datetime


class LinkPage(BaseModel):
    items: list[LinkOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at end.")


class LinkListParams(BaseModel):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")
    creator_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None


class Breakdown(BaseModel):
    key: str = Field(description='The country, device or referrer; "" when unknown.')
    clicks: int
    uniques: int


class HourCount(BaseModel):
    hour: datetime
    clicks: int
    uniques: int


class DayCount(BaseModel):
    day: date = Field(description="A UTC day.")
    clicks: int
    uniques: int


class ClickSummary(BaseModel):
    """Human clicks of one link from the rollups (bots counted apart)."""

    link_id: uuid.UUID
    clicks: int
    uniques: int
    bot_clicks: int
    by_country: list[Breakdown]
    by_device: list[Breakdown]
    by_referrer: list[Breakdown]
    by_hour: list[HourCount]
    by_day: list[DayCount] = Field(description="The hours added up per UTC day.")
    rolled_up_until: datetime | None = Field(
        description="Clicks recorded after this time are not in the figures yet."
    )


class CampaignLinksCreate(BaseModel):
    """One link per accepted creator of a campaign, to the same destination."""

    campaign_id: uuid.UUID
    destination: str = Field(max_length=4096)
    domain: str | None = Field(default=None, description="An enabled short domain; default app.")
    utm_medium: str | None = UTM_FIELD
    utm_campaign: str | None = UTM_FIELD
    expires_at: datetime | None = None
    fallback_url: str | None = Field(default=None, max_length=4096)


class SkippedCreator(BaseModel):
    creator_id: uuid.UUID
    platform_account_id: uuid.UUID
    reason: str
    link_id: uuid.UUID | None = Field(description="The link the creator has already, if any.")


class CampaignLinksResult(BaseModel):
    created: list[LinkOut]
    skipped: list[SkippedCreator] = Field(
        description="Accepted creators who have a link to this destination in the campaign."
    )


class DomainCreate(BaseModel):
    host: str = Field(max_length=300, description="A host name such as go.example.com.")


class DomainUpdate(BaseModel):
    enabled: bool


class DomainOut(BaseModel):
    id: uuid.UUID
    host: str
    enabled: bool
    verified_at: datetime | None
    txt_name: str = Field(description="The DNS name of the TXT record that proves control.")
    txt_value: str = Field(description="The value that TXT record must hold.")
    links: int = Field(description="Links on this domain.")
    created_at: datetime
