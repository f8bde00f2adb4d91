"""HTML pages of campaigns for the brand: the list with a new-campaign form, and the campaign
page (brief, creators, deliverables, drafts, ledger, audit log) with its actions."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microreach.accounts import mail as accounts_mail
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.campaigns import deliverables, invitations, mail, overview, service
from microreach.campaigns.enums import CampaignStatus, DeliverableStatus, DraftDecision, Goal
from microreach.campaigns.forms import (
    BrandAnswerForm,
    CampaignForm,
    DecideForm,
    InviteForm,
    ReviewForm,
    StatusForm,
    campaign_in,
    invite_in,
    terms_from,
)
from microreach.campaigns.money import format_amount
from microreach.campaigns.schemas import Terms
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError, MicroreachError
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
DONE = {
    "created": "Campaign created as a draft: start it when the brief is ready.",
    "status": "Status changed.",
    "invited": "Invitations sent by mail.",
    "answered": "Answer recorded.",
    "reviewed": "Review recorded; the creator was told by mail.",
    "decided": "Deliverable updated.",
    "rechecked": "Post checked again.",
}


def _context(error: MicroreachError | None, values: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "errors": {(error.field or "form"): error.message} if error else {},
        "values": values or {},
        "money": format_amount,
        "terms_of": Terms.model_validate,
        "goals": list(Goal),
        "statuses": list(CampaignStatus),
        "decisions": list(DraftDecision),
    }


def _list(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {"campaigns": service.list_campaigns(session, ctx), **_context(error, values)}
    return render(request, "campaigns/list.html", context, error.status_code if error else 200)


@router.get("/campaigns")
def campaigns_page(request: Request, session: SessionDep, ctx: Member) -> HTMLResponse:
    return _list(request, session, ctx)


@router.post("/campaigns")
def create(
    request: Request, form: Annotated[CampaignForm, Form()], session: SessionDep, ctx: Member
) -> Response:
    try:
        with session.begin_nested():
            campaign = service.create_campaign(session, ctx, campaign_in(form), utcnow())
    except MicroreachError as exc:
        return _list(request, session, ctx, exc, form.model_dump())
    return RedirectResponse(f"/campaigns/{campaign.id}?done=created", status_code=303)


def _detail(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    campaign_id: uuid.UUID,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
    invited: list[dict[str, str]] | None = None,
) -> HTMLResponse:
    context = {
        "page": overview.campaign_page(session, ctx, campaign_id),
        "notice": DONE.get(request.query_params.get("done", "")),
        "invited": invited or [],
        **_context(error, values),
    }
    return render(request, "campaigns/detail.html", context, error.status_code if error else 200)


@router.get("/campaigns/{campaign_id}")
def campaign_page(
    request: Request, campaign_id: uuid.UUID, session: SessionDep, ctx: Member
) -> HTMLResponse:
    return _detail(request, session, ctx, campaign_id)


def _done(campaign_id: uuid.UUID, what: str) -> Response:
    return RedirectResponse(f"/campaigns/{campaign_id}?done={what}", status_code=303)


@router.post("/campaigns/{campaign_id}/status")
def change_status(
    request: Request,
    campaign_id: uuid.UUID,
    form: Annotated[StatusForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            status = _enum(CampaignStatus, form.status, "status")
            service.change_status(session, ctx, campaign_id, status, utcnow())
    except MicroreachError as exc:
        return _detail(request, session, ctx, campaign_id, exc)
    return _done(campaign_id, "status")


@router.post("/campaigns/{campaign_id}/invitations")
def invite(
    request: Request,
    campaign_id: uuid.UUID,
    form: Annotated[InviteForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    ctx: Member,
    background: BackgroundTasks,
) -> Response:
    try:
        with session.begin_nested():
            currency = service.get_campaign(session, ctx, campaign_id).currency
            body = invite_in(form, currency)
            links = invitations.invite(session, settings, ctx, campaign_id, body, utcnow())
    except MicroreachError as exc:
        return _detail(request, session, ctx, campaign_id, exc, form.model_dump())
    invited = []
    for link in links:
        message = mail.invitation_message(settings, link, ctx.organisation.name)
        background.add_task(accounts_mail.send, settings, message)
        url = mail.invitation_url(settings, link.token)
        invited.append({"handle": link.account.handle, "email": link.member.email, "url": url})
    # Shown once here as well as mailed: without SMTP the mail is only a file in the data dir.
    return _detail(request, session, ctx, campaign_id, invited=invited)


@router.post("/campaigns/{campaign_id}/creators/{member_id}/answer")
def answer(
    request: Request,
    campaign_id: uuid.UUID,
    member_id: uuid.UUID,
    form: Annotated[BrandAnswerForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            currency = service.get_campaign(session, ctx, campaign_id).currency
            terms = terms_from(form, currency) if form.answer == "offer" else None
            invitations.brand_answer(session, ctx, member_id, form.answer, terms, utcnow())
    except MicroreachError as exc:
        return _detail(request, session, ctx, campaign_id, exc, form.model_dump())
    return _done(campaign_id, "answered")


@router.post("/campaigns/{campaign_id}/drafts/{draft_id}/review")
def review(
    request: Request,
    campaign_id: uuid.UUID,
    draft_id: uuid.UUID,
    form: Annotated[ReviewForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    ctx: Member,
    background: BackgroundTasks,
) -> Response:
    try:
        with session.begin_nested():
            decision = _enum(DraftDecision, form.decision, "decision")
            deliverables.review_draft(session, ctx, draft_id, decision, form.body, utcnow())
    except MicroreachError as exc:
        return _detail(request, session, ctx, campaign_id, exc, form.model_dump())
    email = deliverables.creator_email_of_draft(session, ctx, draft_id)
    if email:
        text = f"{ctx.organisation.name} reviewed your draft: {decision.value}. {form.body}"
        message = mail.notice_message(settings, email, f"Draft {decision.value}", text)
        background.add_task(accounts_mail.send, settings, message)
    return _done(campaign_id, "reviewed")


@router.post("/campaigns/{campaign_id}/deliverables/{deliverable_id}/decide")
def decide(
    request: Request,
    campaign_id: uuid.UUID,
    deliverable_id: uuid.UUID,
    form: Annotated[DecideForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            target = _enum(DeliverableStatus, form.status, "status")
            deliverables.decide(session, ctx, deliverable_id, target, form.note, utcnow())
    except MicroreachError as exc:
        return _detail(request, session, ctx, campaign_id, exc)
    return _done(campaign_id, "decided")


@router.post("/campaigns/{campaign_id}/deliverables/{deliverable_id}/recheck")
def recheck(
    request: Request,
    campaign_id: uuid.UUID,
    deliverable_id: uuid.UUID,
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            deliverables.recheck(session, ctx, deliverable_id, utcnow())
    except MicroreachError as exc:
        return _detail(request, session, ctx, campaign_id, exc)
    return _done(campaign_id, "rechecked")


E = TypeVar("E", CampaignStatus, DeliverableStatus, DraftDecision)


def _enum(kind: type[E], raw: str, field: str) -> E:
    try:
        return kind(raw)
    except ValueError:
        raise InvalidError(f"{raw or 'nothing'} is not a {field}.", field=field) from None
