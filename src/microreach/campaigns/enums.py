"""Closed vocabularies of the campaigns domain, with the transitions each state allows."""

from __future__ import annotations

from enum import StrEnum


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class Goal(StrEnum):
    AWARENESS = "awareness"
    ENGAGEMENT = "engagement"
    TRAFFIC = "traffic"
    SALES = "sales"


class DeliverableKind(StrEnum):
    POST = "post"
    REEL = "reel"
    STORY = "story"
    VIDEO = "video"
    SHORT = "short"
    LIVE = "live"


class MemberStatus(StrEnum):
    """A creator's place in a campaign: the offer and its answer."""

    INVITED = "invited"  # an offer waits for the creator
    COUNTERED = "countered"  # the creator proposed other terms; the brand answers
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the brand withdrew the offer


class DeliverableStatus(StrEnum):
    PENDING = "pending"
    DRAFT_SUBMITTED = "draft_submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    POSTED = "posted"
    VERIFIED = "verified"
    MISSED = "missed"


class DraftDecision(StrEnum):
    COMMENT = "comment"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


CAMPAIGN_TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ARCHIVED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED}),
    CampaignStatus.COMPLETED: frozenset({CampaignStatus.ARCHIVED}),
    CampaignStatus.ARCHIVED: frozenset(),
}

_D = DeliverableStatus
DELIVERABLE_TRANSITIONS: dict[DeliverableStatus, frozenset[DeliverableStatus]] = {
    _D.PENDING: frozenset({_D.DRAFT_SUBMITTED, _D.MISSED}),
    _D.DRAFT_SUBMITTED: frozenset({_D.CHANGES_REQUESTED, _D.APPROVED, _D.MISSED}),
    _D.CHANGES_REQUESTED: frozenset({_D.DRAFT_SUBMITTED, _D.MISSED}),
    _D.APPROVED: frozenset({_D.POSTED, _D.VERIFIED, _D.MISSED}),
    _D.POSTED: frozenset({_D.POSTED, _D.VERIFIED, _D.MISSED}),
    _D.VERIFIED: frozenset(),
    _D.MISSED: frozenset(),
}
