"""Pydantic shapes of the creators API: list filters in, accounts and creator detail out."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from microreach.creators.enums import CreatorKind, DataSource, Platform, PostType
from microreach.science.tiers import SCHEMES
from microreach.scores.service import AccountScoresOut

# Counts are BIGINT columns; a larger bound would fail in the driver instead of validation.
MAX_COUNT = 2**63 - 1
PAGE_SIZE_DEFAULT = 25
PAGE_SIZE_MAX = 100
RECENT_POSTS_PER_ACCOUNT = 12


class CreatorSort(StrEnum):
    FOLLOWERS_DESC = "followers_desc"
    FOLLOWERS_ASC = "followers_asc"
    HANDLE = "handle"


class CreatorListParams(BaseModel):
    """Filters, order and page of the account list; blank values mean "not set"."""

    model_config = ConfigDict(frozen=True)

    platform: Platform | None = Field(default=None, description="Only accounts on this platform.")
    min_followers: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="At least this many followers."
    )
    max_followers: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="At most this many followers."
    )
    tier: str | None = Field(
        default=None, max_length=40, description="A tier name of the configured tier scheme."
    )
    tier_scheme: str | None = Field(
        default=None,
        max_length=40,
        description="Tier scheme for this request (brief, later-fohr-2021, hypeauditor-2018); "
        "default: the installation's MICROREACH_TIER_SCHEME.",
    )
    q: str | None = Field(
        default=None,
        max_length=100,
        description="Case-insensitive substring of the handle or the display name.",
    )
    sort: CreatorSort = Field(default=CreatorSort.FOLLOWERS_DESC, description="Result order.")
    limit: int = Field(
        default=PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX, description="Accounts per page."
    )
    cursor: str | None = Field(
        default=None,
        max_length=400,
        description="The next_cursor of the previous page, to continue after it.",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and value.strip() == "":
            return cls.model_fields[str(info.field_name)].default
        return value.strip() if isinstance(value, str) else value

    @field_validator("tier_scheme")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        return None if value is None else known_scheme(value)

    @field_validator("q")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and not value.isprintable():
            raise ValueError("must not contain control characters")
        return value

    @field_validator("max_followers")
    @classmethod
    def _not_below_min(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min_followers")
        if value is not None and low is not None and value < low:
            raise ValueError(f"must be at least min_followers ({low})")
        return value


def known_scheme(value: str) -> str:
    """``value`` when it names a tier scheme; ValueError listing the known ones otherwise."""
    if value not in SCHEMES:
        raise ValueError(f"unknown tier scheme {value!r}; known: {', '.join(sorted(SCHEMES))}")
    return value


class TierOut(BaseModel):
    name: str = Field(description="Tier name in the configured scheme, e.g. micro.")
    label: str = Field(description="Name with follower bounds, e.g. micro (1K-100K).")


class TierSchemeOut(BaseModel):
    key: str
    title: str
    tiers: list[TierOut] = Field(description="Smallest first.")


class AccountFields(BaseModel):
    """Profile figures shared by the list and the creator detail."""

    id: uuid.UUID
    platform: Platform
    handle: str
    display_name: str | None
    followers: int
    following: int
    media_count: int
    country: str | None = Field(description="ISO 3166-1 alpha-2 code.")
    language: str | None
    verified: bool
    tier: TierOut


class AccountOut(AccountFields):
    """One account in the list, with its creator."""

    creator_id: uuid.UUID
    creator_name: str


class AccountPage(BaseModel):
    items: list[AccountOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at end.")


class PostMetrics(BaseModel):
    """The latest snapshot of a post; null counts were hidden or omitted by the platform."""

    captured_at: datetime
    likes: int | None
    comments: int | None
    views: int | None


class PostOut(BaseModel):
    id: uuid.UUID
    platform_post_id: str
    url: str | None
    post_type: PostType
    caption: str | None
    posted_at: datetime
    is_paid_partnership: bool
    metrics: PostMetrics | None = Field(description="Null when the post was never measured.")


class FollowerPoint(BaseModel):
    captured_at: datetime
    followers: int


class AccountDetail(AccountFields):
    """One account of a creator with its recent posts, follower history and stored scores."""

    bio: str | None
    external_url: str | None
    last_captured_at: datetime | None
    recent_posts: list[PostOut] = Field(
        description=f"The {RECENT_POSTS_PER_ACCOUNT} most recent posts not deleted, newest first."
    )
    follower_history: list[FollowerPoint] = Field(description="Snapshots, oldest first.")
    scores: AccountScoresOut | None = Field(
        default=None,
        description="What the scoring job stored (as GET /api/v1/accounts/{id}/scores); "
        "null when the account was never scored.",
    )


class CreatorDetail(BaseModel):
    id: uuid.UUID
    name: str
    kind: CreatorKind
    source: DataSource
    created_at: datetime
    accounts: list[AccountDetail] = Field(description="Largest following first.")
