"""Deliverables: drafts submitted with media, reviewed with comments, the live post registered,
matched to the creator's account and checked against the brief; every change a validated
transition (an illegal one is a ConflictError naming the state)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.accounts.models import User
from microreach.campaigns import audit, repository, service, uploads
from microreach.campaigns.checks import check_post, parse_post_url
from microreach.campaigns.enums import (
    DELIVERABLE_TRANSITIONS,
    CampaignStatus,
    DeliverableStatus,
    DraftDecision,
    MemberStatus,
)
from microreach.campaigns.models import (
    Campaign,
    CampaignCreator,
    ContentDraft,
    Deliverable,
    DraftComment,
)
from microreach.campaigns.schemas import CommentOut, DraftOut
from microreach.config import Settings
from microreach.creators import service as creators_service
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError

WORKING = frozenset({CampaignStatus.ACTIVE})
TEXT_MAX = 20_000
CAPTION_MAX = 5_000


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    stream: BinaryIO


def move(deliverable: Deliverable, target: DeliverableStatus, now: datetime) -> DeliverableStatus:
    """Move to ``target`` when the state machine allows it; ConflictError naming the state."""
    allowed = DELIVERABLE_TRANSITIONS[deliverable.status]
    if target not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "nothing (it is final)"
        raise ConflictError(
            f"The deliverable is {deliverable.status.value}; it cannot become {target.value}. "
            f"From {deliverable.status.value} it can become: {options}.",
            field="status",
        )
    before = deliverable.status
    deliverable.status = target
    deliverable.updated_at = now
    return before


# Reads


def deliverables(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> list[Deliverable]:
    service.get_campaign(session, ctx, campaign_id)
    return repository.deliverables_of(session, ctx.organisation.id, campaign_id)


def drafts_for(
    session: Session, organisation_id: uuid.UUID, deliverable_ids: list[uuid.UUID]
) -> list[DraftOut]:
    drafts = repository.drafts_of(session, organisation_id, deliverable_ids)
    comments = repository.comments_of(session, organisation_id, [d.id for d in drafts])
    return [
        DraftOut(
            id=draft.id,
            deliverable_id=draft.deliverable_id,
            version=draft.version,
            text=draft.text,
            media_type=draft.media_type,
            media_size=draft.media_size,
            media_name=draft.media_name,
            created_at=draft.created_at,
            comments=[CommentOut.model_validate(c) for c in comments if c.draft_id == draft.id],
        )
        for draft in drafts
    ]


def _brand_deliverable(
    session: Session, ctx: OrgContext, deliverable_id: uuid.UUID
) -> tuple[Deliverable, Campaign]:
    deliverable = repository.get_deliverable(session, ctx.organisation.id, deliverable_id)
    if deliverable is None:
        raise NotFoundError(f"{ctx.organisation.name} has no such deliverable.")
    return deliverable, service.get_campaign(session, ctx, deliverable.campaign_id, lock=True)


def creator_deliverable(
    session: Session, user: User, deliverable_id: uuid.UUID
) -> tuple[Deliverable, CampaignCreator, Campaign]:
    """A deliverable of one of ``user``'s accepted invitations; NotFoundError otherwise."""
    for member in repository.members_of_user(session, user.id):
        deliverable = repository.get_deliverable(session, member.organisation_id, deliverable_id)
        if deliverable is not None and deliverable.member_id == member.id:
            if member.status is not MemberStatus.ACCEPTED:
                break
            campaign = repository.get_campaign(
                session, member.organisation_id, member.campaign_id, lock=True
            )
            assert campaign is not None
            return deliverable, member, campaign
    raise NotFoundError("You have no such deliverable.")


# The creator submits drafts and registers the live post


def submit_draft(
    session: Session,
    settings: Settings,
    user: User,
    deliverable_id: uuid.UUID,
    text: str,
    upload: Upload | None,
    now: datetime,
) -> ContentDraft:
    deliverable, member, campaign = creator_deliverable(session, user, deliverable_id)
    service.require_status(campaign, WORKING, "submitting a draft")
    if len(text) > TEXT_MAX:
        raise InvalidError(f"The text is longer than {TEXT_MAX:,} characters.", field="text")
    if not text.strip() and upload is None:
        raise InvalidError("Write the draft's text or attach a file.", field="text")
    move(deliverable, DeliverableStatus.DRAFT_SUBMITTED, now)
    media = (
        uploads.store(settings, member.organisation_id, upload.name, upload.stream)
        if upload is not None
        else None
    )
    version = repository.last_draft_version(session, member.organisation_id, deliverable.id) + 1
    draft = repository.add(
        session,
        ContentDraft(
            organisation_id=member.organisation_id,
            deliverable_id=deliverable.id,
            version=version,
            text=text,
            media_path=media.path if media else None,
            media_type=media.media_type if media else None,
            media_size=media.size if media else None,
            media_name=media.name if media else None,
            submitted_by_id=user.id,
            created_at=now,
        ),
    )
    audit.record(
        session,
        member.organisation_id,
        campaign.id,
        user,
        "draft.submitted",
        now,
        deliverable=str(deliverable.id),
        version=version,
        media=media.media_type if media else None,
    )
    return draft


def register_post(
    session: Session,
    user: User,
    deliverable_id: uuid.UUID,
    url: str,
    caption: str | None,
    now: datetime,
) -> Deliverable:
    """Record the live post (again, to add the caption), match it and check it."""
    deliverable, member, campaign = creator_deliverable(session, user, deliverable_id)
    service.require_status(campaign, WORKING, "registering a post")
    if caption is not None and len(caption) > CAPTION_MAX:
        raise InvalidError(
            f"The caption is longer than {CAPTION_MAX:,} characters.", field="caption"
        )
    address = parse_post_url(url)
    account = creators_service.accounts_by_ids(session, [member.platform_account_id]).get(
        member.platform_account_id
    )
    if account is None or address.platform is not account.platform:
        raise InvalidError(
            f"The invitation is for a {account.platform.value if account else ''} account; "
            f"this is a {address.platform.value} address.",
            field="post_url",
        )
    post = creators_service.find_post(
        session, address.platform, address.platform_post_id, address.url
    )
    if post is not None and post.account_id != account.id:
        raise InvalidError(
            f"That post belongs to another account, not @{account.handle}.", field="post_url"
        )
    move(deliverable, DeliverableStatus.POSTED, now)
    deliverable.post_url = address.url
    deliverable.platform_post_id = post.platform_post_id if post else address.platform_post_id
    deliverable.post_id = post.id if post else None
    if caption is not None and caption.strip():
        deliverable.caption = caption.strip()
    deliverable.posted_at = deliverable.posted_at or now
    _check(session, deliverable, campaign, user, now)
    return deliverable


def _check(
    session: Session, deliverable: Deliverable, campaign: Campaign, user: User | None, now: datetime
) -> None:
    """Check against the stored post when microreach has it, else the caption given."""
    post = None
    if deliverable.post_url:
        address = parse_post_url(deliverable.post_url)
        post = creators_service.find_post(
            session, address.platform, deliverable.platform_post_id, deliverable.post_url
        )
    if post is not None:
        deliverable.post_id = post.id
        result = check_post(
            post.caption,
            post.hashtags,
            post.mentions,
            post.is_paid_partnership,
            post.posted_at,
            campaign.required_hashtags,
            campaign.required_mentions,
            campaign.disclosure_required,
        )
    else:
        result = check_post(
            deliverable.caption,
            (),
            (),
            False,
            deliverable.posted_at or now,
            campaign.required_hashtags,
            campaign.required_mentions,
            campaign.disclosure_required,
        )
    deliverable.compliance = {
        **result.as_json(),
        "checked_at": now.isoformat(),
        "source": "stored post" if post else "caption given",
    }
    if result.passed:
        move(deliverable, DeliverableStatus.VERIFIED, now)
        deliverable.verified_at = now
    session.flush()
    audit.record(
        session,
        deliverable.organisation_id,
        campaign.id,
        user,
        "post.checked",
        now,
        deliverable=str(deliverable.id),
        url=deliverable.post_url,
        passed=result.passed,
        problems=list(result.problems),
    )


# The brand reviews drafts, rechecks posts, verifies by hand or marks missed


def review_draft(
    session: Session,
    ctx: OrgContext,
    draft_id: uuid.UUID,
    decision: DraftDecision,
    body: str,
    now: datetime,
) -> DraftComment:
    ctx.require_role(Role.MEMBER, "review drafts")
    draft = repository.get_draft(session, ctx.organisation.id, draft_id)
    if draft is None:
        raise NotFoundError(f"{ctx.organisation.name} has no such draft.")
    deliverable, campaign = _brand_deliverable(session, ctx, draft.deliverable_id)
    if decision is not DraftDecision.COMMENT:
        service.require_status(campaign, WORKING, "reviewing a draft")
        latest = repository.last_draft_version(session, ctx.organisation.id, deliverable.id)
        if draft.version != latest:
            raise ConflictError(
                f"This is version {draft.version}; version {latest} is the one to review.",
            )
        move(deliverable, DeliverableStatus(decision.value), now)
    elif not body.strip():
        raise InvalidError("Write a comment.", field="body")
    comment = repository.add(
        session,
        DraftComment(
            organisation_id=ctx.organisation.id,
            draft_id=draft.id,
            author_id=ctx.user.id if ctx.user else None,
            author=ctx.user.display_name if ctx.user else "API",
            body=body.strip(),
            decision=decision,
            created_at=now,
        ),
    )
    audit.record(
        session,
        ctx.organisation.id,
        campaign.id,
        ctx.user,
        f"draft.{decision.value}",
        now,
        deliverable=str(deliverable.id),
        version=draft.version,
    )
    return comment


def recheck(
    session: Session, ctx: OrgContext, deliverable_id: uuid.UUID, now: datetime
) -> Deliverable:
    """Check a posted deliverable again (after a refresh stored the post)."""
    ctx.require_role(Role.MEMBER, "check posts")
    deliverable, campaign = _brand_deliverable(session, ctx, deliverable_id)
    if deliverable.status is not DeliverableStatus.POSTED:
        raise ConflictError(
            f"The deliverable is {deliverable.status.value}; only a posted one is checked.",
            field="status",
        )
    _check(session, deliverable, campaign, ctx.user, now)
    return deliverable


def decide(
    session: Session,
    ctx: OrgContext,
    deliverable_id: uuid.UUID,
    target: DeliverableStatus,
    note: str,
    now: datetime,
) -> Deliverable:
    """The brand verifies a post by hand (overriding the check) or marks a deliverable missed."""
    ctx.require_role(Role.MEMBER, "decide on deliverables")
    if target not in (DeliverableStatus.VERIFIED, DeliverableStatus.MISSED):
        raise InvalidError(
            "The brand sets verified or missed; drafts are reviewed, posts registered by the "
            "creator.",
            field="status",
        )
    deliverable, campaign = _brand_deliverable(session, ctx, deliverable_id)
    if target is DeliverableStatus.VERIFIED and deliverable.status is not DeliverableStatus.POSTED:
        raise ConflictError(
            f"The deliverable is {deliverable.status.value}; only a posted one can be verified.",
            field="status",
        )
    before = move(deliverable, target, now)
    if target is DeliverableStatus.VERIFIED:
        deliverable.verified_at = now
    session.flush()
    audit.record(
        session,
        ctx.organisation.id,
        campaign.id,
        ctx.user,
        "deliverable.status",
        now,
        deliverable=str(deliverable.id),
        before=before.value,
        after=target.value,
        note=note.strip(),
        by_hand=True,
    )
    return deliverable


def creator_email_of_draft(session: Session, ctx: OrgContext, draft_id: uuid.UUID) -> str:
    """Where to tell the creator about a review of their draft."""
    draft = repository.get_draft(session, ctx.organisation.id, draft_id)
    item = draft and repository.get_deliverable(session, ctx.organisation.id, draft.deliverable_id)
    member = item and repository.get_member(session, ctx.organisation.id, item.member_id)
    return member.email if member else ""


# Media, for members of the organisation and for the creator


def media_for_member(
    session: Session, settings: Settings, ctx: OrgContext, draft_id: uuid.UUID
) -> tuple[Path, str, str]:
    draft = repository.get_draft(session, ctx.organisation.id, draft_id)
    return _media(settings, draft)


def media_for_creator(
    session: Session, settings: Settings, user: User, draft_id: uuid.UUID
) -> tuple[Path, str, str]:
    for member in repository.members_of_user(session, user.id):
        draft = repository.get_draft(session, member.organisation_id, draft_id)
        if draft is not None:
            deliverable = repository.get_deliverable(
                session, member.organisation_id, draft.deliverable_id
            )
            if deliverable is not None and deliverable.member_id == member.id:
                return _media(settings, draft)
    return _media(settings, None)


def _media(settings: Settings, draft: ContentDraft | None) -> tuple[Path, str, str]:
    if draft is None or draft.media_path is None:
        raise NotFoundError("No such draft file.")
    path = uploads.path_of(settings, draft.media_path)
    return path, draft.media_type or "application/octet-stream", draft.media_name or path.name
