"""HTML pages of the creator portal: the creator's claimed accounts and claiming one."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microreach.accounts import claims, outbox
from microreach.accounts.models import User
from microreach.accounts.schemas import ClaimForm
from microreach.accounts.views import form_page
from microreach.creators.enums import Platform
from microreach.creators.views import PLATFORM_LABELS
from microreach.kit.clock import utcnow
from microreach.kit.errors import MicroreachError, NotFoundError
from microreach.web.auth import CurrentUser
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

DONE = {
    "welcome": "Welcome: claim your accounts to start.",
    "claimed": "Claim started: put the code in your bio, then check.",
    "verified": "Verified: the account is yours on microreach.",
}


def _portal(
    request: Request,
    session: SessionDep,
    user: User,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "claims": claims.list_claims(session, user),
        "platforms": list(Platform),
        "platform_labels": PLATFORM_LABELS,
        "notice": DONE.get(request.query_params.get("done", "")),
    }
    return form_page(request, "accounts/portal.html", values or {}, error, **context)


@router.get("/portal")
def portal(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    return _portal(request, session, user)


@router.post("/portal/claims")
def claim(
    request: Request, form: Annotated[ClaimForm, Form()], session: SessionDep, user: CurrentUser
) -> Response:
    try:
        claims.claim_account(session, user, form.platform, form.handle, utcnow())
    except MicroreachError as exc:
        return _portal(request, session, user, exc, form.model_dump())
    return RedirectResponse("/portal?done=claimed", status_code=303)


@router.post("/portal/claims/{claim_id}/check")
def check(
    request: Request, claim_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Response:
    try:
        claims.check_claim(session, user, claim_id, utcnow())
    except MicroreachError as exc:
        return _portal(request, session, user, exc)
    return RedirectResponse("/portal?done=verified", status_code=303)


@router.get("/mail")
def mail(request: Request, user: CurrentUser, settings: SettingsDep) -> HTMLResponse:
    """The development outbox: the mail sent to the signed-in user (see accounts/outbox.py)."""
    if not outbox.available(settings):
        raise NotFoundError("There is no outbox page: mail is sent by SMTP or this is production.")
    context = {"email": user.email, "mails": outbox.mails_for(settings, user.email)}
    return render(request, "accounts/mail.html", context)
