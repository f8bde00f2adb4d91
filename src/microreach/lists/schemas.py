"""Pydantic shapes of the lists domain: lists, members, notes, tags, saved searches and the
add-to-campaign result."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from microreach.campaigns.schemas import Terms

NAME_MAX = 120
DESCRIPTION_MAX = 2000
NOTE_MAX = 5000
TAG_MAX = 40
TAGS_PER_CREATOR = 30
MEMBERS_PER_CALL = 500
MAX_MEMBERS = 5000

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX)]


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description = ""


class ListUpdate(BaseModel):
    """Rename a list or change its description (fields left out stay as they are)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None


class ListOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    members: int = Field(description="How many accounts are on the list.")
    created_at: datetime
    updated_at: datetime


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MEMBERS_PER_CALL)] = (
        Field(description="Platform account ids.")
    )


class OrderIn(BaseModel):
    """Every account on the list, in the new order."""

    model_config = ConfigDict(extra="forbid")

    account_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_MEMBERS)]


class MembersChanged(BaseModel):
    added: list[uuid.UUID] = []
    already_on_list: list[uuid.UUID] = []
    removed: list[uuid.UUID] = []


class MemberOut(BaseModel):
    """One account on a list, with its key numbers from the discovery index."""

    account_id: uuid.UUID
    creator_id: uuid.UUID
    platform: str
    handle: str
    display_name: str | None
    profile_url: str | None
    position: int
    added_by: str
    added_at: datetime
    indexed: bool = Field(description="False until the account is scored and indexed.")
    followers: int | None = None
    tier: str | None = None
    er_typical: float | None = None
    er_low: float | None = None
    er_high: float | None = None
    er_percentile: float | None = None
    authenticity: int | None = None
    niches: list[str] = []
    country: str | None = None
    has_email: bool | None = None
    tags: list[str] = []
    notes: int = Field(default=0, description="How many notes the organisation has on it.")


class ListDetail(ListOut):
    member_list: list[MemberOut] = Field(description="Members in the list's order.")
    tag: str | None = Field(default=None, description="The tag the members were filtered by.")
    tags: list[str] = Field(description="Every tag on the list's members.")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX)
    ]


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    author: str
    body: str
    at: datetime


class TagsIn(BaseModel):
    """The account's whole set of tags (free text; stored lower-case)."""

    model_config = ConfigDict(extra="forbid")

    tags: Annotated[list[str], Field(max_length=TAGS_PER_CREATOR)]


class CreatorNotesOut(BaseModel):
    account_id: uuid.UUID
    tags: list[str]
    notes: list[NoteOut] = Field(description="Newest first.")
    lists: list[ListOut] = Field(description="The organisation's lists the account is on.")


class SavedSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    query: dict[str, Any] = Field(
        description="Discovery search parameters (as GET /api/v1/discovery/search takes them)."
    )


class SavedSearchUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name


class SavedSearchOut(BaseModel):
    id: uuid.UUID
    name: str
    query: dict[str, Any]
    url: str = Field(description="The discovery page with these filters.")
    created_at: datetime
    updated_at: datetime


class SavedSearchRun(SavedSearchOut):
    results: int = Field(description="How many accounts match now.")


class AddToCampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_id: uuid.UUID
    terms: Terms | None = Field(default=None, description="Default: the campaign's terms.")
    emails: dict[uuid.UUID, str] = Field(
        default={},
        description="Account id -> email to invite at; default: the creator's contact email.",
    )


class InvitedCreator(BaseModel):
    account_id: uuid.UUID
    handle: str
    email: str
    url: str = Field(description="The signed invitation link, also sent by mail.")


class SkippedCreator(BaseModel):
    account_id: uuid.UUID
    handle: str
    reason: str


class AddToCampaignOut(BaseModel):
    campaign_id: uuid.UUID
    campaign_name: str
    invited: list[InvitedCreator]
    skipped: list[SkippedCreator]
