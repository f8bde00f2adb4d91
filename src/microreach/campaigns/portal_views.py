"""HTML pages of the creator portal for campaigns: the invitation link, invitations and terms,
deliverables with drafts and live posts, earnings."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from microreach.accounts.models import User
from microreach.campaigns import deliverables, invitations, portal
from microreach.campaigns.api import media_response
from microreach.campaigns.deliverables import Upload
from microreach.campaigns.enums import DeliverableStatus
from microreach.campaigns.forms import AnswerForm, DraftForm, PostForm, terms_from
from microreach.campaigns.money import format_amount
from microreach.campaigns.schemas import Terms
from microreach.kit.clock import utcnow
from microreach.kit.errors import MicroreachError
from microreach.web.auth import CurrentUser
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
DONE = {
    "accept": "You accepted: your deliverables are below.",
    "decline": "You declined the invitation.",
    "counter": "Your counter-offer was sent to the brand.",
    "draft": "Draft sent for approval.",
    "post": "Post registered and checked.",
}


def page_context(error: MicroreachError | None, values: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "errors": {(error.field or "form"): error.message} if error else {},
        "values": values or {},
        "money": format_amount,
        "terms_of": Terms.model_validate,
        "DeliverableStatus": DeliverableStatus,
    }


@router.get("/portal/invitations")
def invitation_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    token: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    opened = invitations.open_invitation(session, settings, token, utcnow())
    invitations.require_invitee(user, opened.member)
    context = {"opened": opened, "token": token, "user": user, **page_context(None, None)}
    return render(request, "campaigns/invitation.html", context)


@router.post("/portal/invitations")
def answer_invitation(
    request: Request,
    form: Annotated[AnswerForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    now = utcnow()
    opened = invitations.open_invitation(session, settings, form.token, now)
    invitations.require_invitee(user, opened.member)
    try:
        counter = _counter(form, opened.campaign.currency)
        with session.begin_nested():
            done = invitations.answer_by_link(
                session, settings, user, form.token, form.answer, counter, form.note, now
            )
    except MicroreachError as exc:
        values = form.model_dump()
        context = {"opened": opened, "token": form.token, "user": user, **page_context(exc, values)}
        return render(request, "campaigns/invitation.html", context, exc.status_code)
    return RedirectResponse(f"/portal/campaigns/{done.member.id}?done={form.answer}", 303)


def _counter(form: AnswerForm, currency: str) -> Terms | None:
    return terms_from(form, currency) if form.answer == "counter" else None


@router.get("/portal/campaigns")
def campaigns_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    context = {"items": portal.overview(session, user), **page_context(None, None)}
    return render(request, "campaigns/portal_list.html", context)


def _detail(
    request: Request,
    session: SessionDep,
    user: User,
    member_id: uuid.UUID,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "item": portal.detail(session, user, member_id),
        "notice": DONE.get(request.query_params.get("done", "")),
        **page_context(error, values),
    }
    status = error.status_code if error else 200
    return render(request, "campaigns/portal_detail.html", context, status)


@router.get("/portal/campaigns/{member_id}")
def campaign_page(
    request: Request, member_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    return _detail(request, session, user, member_id)


@router.post("/portal/campaigns/{member_id}/answer")
def answer_offer(
    request: Request,
    member_id: uuid.UUID,
    form: Annotated[AnswerForm, Form()],
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    item = portal.detail(session, user, member_id)
    try:
        counter = _counter(form, item.opened.campaign.currency)
        with session.begin_nested():
            invitations.answer_in_portal(
                session, user, member_id, form.answer, counter, form.note, utcnow()
            )
    except MicroreachError as exc:
        return _detail(request, session, user, member_id, exc, form.model_dump())
    return RedirectResponse(f"/portal/campaigns/{member_id}?done={form.answer}", 303)


@router.post("/portal/deliverables/{deliverable_id}/drafts")
def submit_draft(
    request: Request,
    deliverable_id: uuid.UUID,
    form: Annotated[DraftForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    media: Annotated[UploadFile | None, File()] = None,
) -> Response:
    _, member, _ = deliverables.creator_deliverable(session, user, deliverable_id)
    upload = Upload(media.filename or "", media.file) if media and media.filename else None
    try:
        with session.begin_nested():
            deliverables.submit_draft(
                session, settings, user, deliverable_id, form.text, upload, utcnow()
            )
    except MicroreachError as exc:
        return _detail(request, session, user, member.id, exc, form.model_dump())
    return RedirectResponse(f"/portal/campaigns/{member.id}?done=draft", 303)


@router.post("/portal/deliverables/{deliverable_id}/post")
def register_post(
    request: Request,
    deliverable_id: uuid.UUID,
    form: Annotated[PostForm, Form()],
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    _, member, _ = deliverables.creator_deliverable(session, user, deliverable_id)
    try:
        with session.begin_nested():
            deliverables.register_post(
                session, user, deliverable_id, form.post_url, form.caption or None, utcnow()
            )
    except MicroreachError as exc:
        return _detail(request, session, user, member.id, exc, form.model_dump())
    return RedirectResponse(f"/portal/campaigns/{member.id}?done=post", 303)


@router.get("/portal/drafts/{draft_id}/media")
def draft_media(
    draft_id: uuid.UUID, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> FileResponse:
    path, media_type, name = deliverables.media_for_creator(session, settings, user, draft_id)
    return media_response(path, media_type, name)
