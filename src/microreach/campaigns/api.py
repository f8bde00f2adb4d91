"""JSON routes of the campaigns domain, for members of the session's active organisation."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict

from microreach.accounts import mail as accounts_mail
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.campaigns import deliverables, invitations, ledger, mail, service
from microreach.campaigns.models import Campaign
from microreach.campaigns.schemas import (
    AuditOut,
    CampaignIn,
    CampaignOut,
    CommentOut,
    DeliverableChange,
    DeliverableOut,
    DraftOut,
    InvitedOut,
    InviteIn,
    LedgerLine,
    MemberOut,
    ReviewIn,
    StatusChange,
    Terms,
)
from microreach.config import Settings
from microreach.kit.clock import utcnow
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep, SettingsDep
from microreach.web.errors import NOT_FOUND_RESPONSES, PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/api/v1", tags=["campaigns"])
Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Not signed in"},
    403: {"model": Problem, "description": "The member's role is too low"},
    409: {"model": Problem, "description": "Not allowed in the current state (named)"},
    **NOT_FOUND_RESPONSES,
    **PROBLEM_RESPONSES,
}


class MemberAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Literal["accept_counter", "offer", "withdraw"]
    terms: Terms | None = None


def _out(campaign: Campaign) -> CampaignOut:
    return CampaignOut.model_validate(campaign, from_attributes=True)


@router.get("/campaigns", summary="List campaigns", responses=RESPONSES)
def list_campaigns(ctx: Member, session: SessionDep) -> list[CampaignOut]:
    return [_out(c) for c in service.list_campaigns(session, ctx)]


@router.post("/campaigns", summary="Create a campaign", status_code=201, responses=RESPONSES)
def create_campaign(body: CampaignIn, ctx: Member, session: SessionDep) -> CampaignOut:
    """A draft campaign from a brief; money in minor units of an ISO 4217 currency."""
    return _out(service.create_campaign(session, ctx, body, utcnow()))


@router.get("/campaigns/{campaign_id}", summary="Get a campaign", responses=RESPONSES)
def get_campaign(campaign_id: uuid.UUID, ctx: Member, session: SessionDep) -> CampaignOut:
    return _out(service.get_campaign(session, ctx, campaign_id))


@router.put("/campaigns/{campaign_id}", summary="Edit a campaign's brief", responses=RESPONSES)
def update_campaign(
    campaign_id: uuid.UUID, body: CampaignIn, ctx: Member, session: SessionDep
) -> CampaignOut:
    return _out(service.update_campaign(session, ctx, campaign_id, body, utcnow()))


@router.post(
    "/campaigns/{campaign_id}/status", summary="Change a campaign's status", responses=RESPONSES
)
def change_status(
    campaign_id: uuid.UUID, body: StatusChange, ctx: Member, session: SessionDep
) -> CampaignOut:
    """draft -> active -> completed -> archived (draft and active can be archived too)."""
    return _out(service.change_status(session, ctx, campaign_id, body.status, utcnow()))


@router.get("/campaigns/{campaign_id}/creators", summary="Invited creators", responses=RESPONSES)
def list_members(campaign_id: uuid.UUID, ctx: Member, session: SessionDep) -> list[MemberOut]:
    return invitations.members(session, ctx, campaign_id)


@router.post(
    "/campaigns/{campaign_id}/invitations",
    summary="Invite creators",
    status_code=201,
    responses=RESPONSES,
)
def invite(
    campaign_id: uuid.UUID,
    body: InviteIn,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> list[InvitedOut]:
    """Invite platform accounts by id, each with an email; each gets a signed link by mail."""
    links = invitations.invite(session, settings, ctx, campaign_id, body, utcnow())
    for link in links:
        message = mail.invitation_message(settings, link, ctx.organisation.name)
        background.add_task(accounts_mail.send, settings, message)
    return [
        InvitedOut(
            member=invitations.member_out(link.member, link.account),
            url=mail.invitation_url(settings, link.token),
        )
        for link in links
    ]


@router.post(
    "/campaign-creators/{member_id}/answer",
    summary="Answer a counter-offer, make a new offer or withdraw",
    responses=RESPONSES,
)
def answer(
    member_id: uuid.UUID,
    body: MemberAnswer,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> MemberOut:
    member = invitations.brand_answer(session, ctx, member_id, body.answer, body.terms, utcnow())
    _notify(background, settings, member.email, ctx.organisation.name, member.status.value)
    opened = invitations.members(session, ctx, member.campaign_id)
    return next(m for m in opened if m.id == member.id)


def _notify(
    background: BackgroundTasks, settings: Settings, to: str, brand: str, state: str
) -> None:
    text = f"{brand} answered: your campaign invitation is now {state}."
    message = mail.notice_message(settings, to, f"{brand}: invitation {state}", text)
    background.add_task(accounts_mail.send, settings, message)


@router.get("/campaigns/{campaign_id}/deliverables", summary="Deliverables", responses=RESPONSES)
def list_deliverables(
    campaign_id: uuid.UUID, ctx: Member, session: SessionDep
) -> list[DeliverableOut]:
    items = deliverables.deliverables(session, ctx, campaign_id)
    return [DeliverableOut.model_validate(d) for d in items]


@router.get("/campaigns/{campaign_id}/drafts", summary="Content drafts", responses=RESPONSES)
def list_drafts(campaign_id: uuid.UUID, ctx: Member, session: SessionDep) -> list[DraftOut]:
    items = deliverables.deliverables(session, ctx, campaign_id)
    return deliverables.drafts_for(session, ctx.organisation.id, [d.id for d in items])


@router.post(
    "/drafts/{draft_id}/reviews",
    summary="Approve a draft, request changes or comment",
    status_code=201,
    responses=RESPONSES,
)
def review(
    draft_id: uuid.UUID,
    body: ReviewIn,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> CommentOut:
    comment = deliverables.review_draft(session, ctx, draft_id, body.decision, body.body, utcnow())
    email = deliverables.creator_email_of_draft(session, ctx, draft_id)
    if email:
        _notify(background, settings, email, ctx.organisation.name, f"draft {body.decision.value}")
    return CommentOut.model_validate(comment)


@router.get("/drafts/{draft_id}/media", summary="A draft's media file", responses=RESPONSES)
def draft_media(
    draft_id: uuid.UUID, ctx: Member, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    path, media_type, name = deliverables.media_for_member(session, settings, ctx, draft_id)
    return media_response(path, media_type, name)


def media_response(path: Path, media_type: str, name: str) -> FileResponse:
    """The file as its checked type, never rendered as a page of this origin."""
    response = FileResponse(
        path, media_type=media_type, filename=name, content_disposition_type="inline"
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/deliverables/{deliverable_id}/status",
    summary="Verify a posted deliverable by hand, or mark it missed",
    responses=RESPONSES,
)
def decide(
    deliverable_id: uuid.UUID, body: DeliverableChange, ctx: Member, session: SessionDep
) -> DeliverableOut:
    item = deliverables.decide(session, ctx, deliverable_id, body.status, body.note, utcnow())
    return DeliverableOut.model_validate(item)


@router.post(
    "/deliverables/{deliverable_id}/recheck",
    summary="Check a posted deliverable again",
    responses=RESPONSES,
)
def recheck(deliverable_id: uuid.UUID, ctx: Member, session: SessionDep) -> DeliverableOut:
    return DeliverableOut.model_validate(
        deliverables.recheck(session, ctx, deliverable_id, utcnow())
    )


@router.get("/campaigns/{campaign_id}/ledger", summary="Earnings ledger", responses=RESPONSES)
def campaign_ledger(campaign_id: uuid.UUID, ctx: Member, session: SessionDep) -> list[LedgerLine]:
    """Per creator: agreed fee, fixed pay earned on verified deliverables, performance pay."""
    return ledger.campaign_ledger(session, ctx, campaign_id)


@router.get(
    "/campaigns/{campaign_id}/payouts.csv",
    summary="Payout export (CSV)",
    responses={**RESPONSES, 200: {"content": {"text/csv": {}}}},
)
def payouts_csv(campaign_id: uuid.UUID, ctx: Member, session: SessionDep) -> Response:
    campaign = service.get_campaign(session, ctx, campaign_id)
    body = ledger.payout_csv(campaign.name, ledger.campaign_ledger(session, ctx, campaign_id))
    disposition = f'attachment; filename="payouts-{campaign.id}.csv"'
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
    )


@router.get("/campaigns/{campaign_id}/audit", summary="Audit log", responses=RESPONSES)
def audit_log(campaign_id: uuid.UUID, ctx: Member, session: SessionDep) -> list[AuditOut]:
    return [AuditOut.model_validate(e) for e in service.audit_log(session, ctx, campaign_id)]
