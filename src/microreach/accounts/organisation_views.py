"""HTML pages of an organisation: members and roles, invitations, brands, API keys, switching."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microreach.accounts import mail, organisations, service
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.organisations import InvitationLink
from microreach.accounts.schemas import (
    ApiKeyCreated,
    ApiKeyForm,
    BrandForm,
    InviteForm,
    RoleForm,
    SwitchForm,
)
from microreach.accounts.views import form_page
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError, MicroreachError
from microreach.web.auth import CurrentUser, IdentityDep, require_member
from microreach.web.deps import SessionDep, SettingsDep, render, wants_fragment

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
DONE = {
    "welcome": "Welcome to microreach.",
    "joined": "You joined the organisation.",
    "switched": "Switched organisation.",
    "role-changed": "Role changed.",
    "member-removed": "Member removed.",
    "invitation-revoked": "Invitation withdrawn.",
    "brand-added": "Brand added: switch to it to manage it.",
    "key-revoked": "API key revoked: requests with it are refused from now on.",
}
SCOPE_LABELS = {
    ApiScope.LINKS_WRITE: "Create tracking links",
    ApiScope.CONVERSIONS_WRITE: "Report conversions (sales, sign-ups)",
    ApiScope.REPORTS_READ: "Read campaign reports",
    ApiScope.CREATORS_READ: "Read creators",
    ApiScope.LISTS_READ: "Read lists, notes, tags and saved searches",
    ApiScope.LISTS_WRITE: "Change lists, notes, tags and saved searches",
}


def _members_page(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
    **context: Any,
) -> HTMLResponse:
    now = utcnow()
    admin = ctx.role is not None and ctx.role.at_least(Role.ADMIN)
    page: dict[str, Any] = {
        "ctx": ctx,
        "members": organisations.members(session, ctx),
        "invitations": organisations.pending_invitations(session, ctx, now) if admin else [],
        "brands": organisations.brands_of(session, ctx),
        "memberships": organisations.memberships(session, ctx.member_user),
        "roles": list(Role),
        "is_admin": admin,
        "notice": DONE.get(request.query_params.get("done", "")),
        "invited": None,
        **context,
    }
    return form_page(request, "accounts/organisation.html", values or {}, error, **page)


@router.get("/organisation")
def organisation_page(request: Request, session: SessionDep, ctx: Member) -> HTMLResponse:
    return _members_page(request, session, ctx)


@router.post("/organisation/invitations")
def invite(
    request: Request,
    form: Annotated[InviteForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    ctx: Member,
    background: BackgroundTasks,
) -> HTMLResponse:
    try:
        link = organisations.invite(session, settings, ctx, form.email, form.role, utcnow())
    except MicroreachError as exc:
        return _members_page(request, session, ctx, exc, form.model_dump())
    inviter = ctx.member_user.display_name
    background.add_task(mail.send, settings, mail.invitation_message(settings, link, inviter))
    return _members_page(request, session, ctx, invited=_invited(settings, link))


def _invited(settings: SettingsDep, link: InvitationLink) -> dict[str, str]:
    url = mail.link(settings, "/invitations/accept", token=link.token)
    return {"email": link.invitation.email, "url": url}


@router.post("/organisation/invitations/{invitation_id}/revoke")
def revoke_invitation(
    request: Request, invitation_id: uuid.UUID, session: SessionDep, ctx: Member
) -> Response:
    try:
        organisations.revoke_invitation(session, ctx, invitation_id)
    except MicroreachError as exc:
        return _members_page(request, session, ctx, exc)
    return RedirectResponse("/organisation?done=invitation-revoked", status_code=303)


@router.post("/organisation/members/{membership_id}/role")
def change_role(
    request: Request,
    membership_id: uuid.UUID,
    form: Annotated[RoleForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            member = organisations.change_role(session, ctx, membership_id, form.role)
    except MicroreachError as exc:
        if wants_fragment(request):
            return _member_row(request, session, ctx, membership_id, exc)
        return _members_page(request, session, ctx, exc)
    if wants_fragment(request):
        return _member_row(request, session, ctx, member.id, None)
    return RedirectResponse("/organisation?done=role-changed", status_code=303)


def _member_row(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    membership_id: uuid.UUID,
    error: MicroreachError | None,
) -> HTMLResponse:
    member = next(m for m in organisations.members(session, ctx) if m.id == membership_id)
    context = {"ctx": ctx, "member": member, "roles": list(Role), "is_admin": True}
    context["row_error"] = error.message if error else None
    status = error.status_code if error else 200
    return render(request, "accounts/_member_row.html", context, status)


@router.post("/organisation/members/{membership_id}/remove")
def remove_member(
    request: Request, membership_id: uuid.UUID, session: SessionDep, ctx: Member
) -> Response:
    try:
        with session.begin_nested():
            removed = organisations.remove_member(session, ctx, membership_id)
    except MicroreachError as exc:
        return _members_page(request, session, ctx, exc)
    if ctx.user is not None and removed.user_id == ctx.user.id:
        return RedirectResponse("/", status_code=303)
    return RedirectResponse("/organisation?done=member-removed", status_code=303)


@router.post("/organisation/switch")
def switch(
    form: Annotated[SwitchForm, Form()],
    session: SessionDep,
    identity: IdentityDep,
) -> Response:
    try:
        organisation_id = uuid.UUID(form.organisation_id)
    except ValueError:
        raise InvalidError("Choose an organisation.", field="organisation_id") from None
    service.switch_organisation(session, identity, organisation_id)
    return RedirectResponse("/organisation?done=switched", status_code=303)


@router.post("/organisation/brands")
def add_brand(
    request: Request, form: Annotated[BrandForm, Form()], session: SessionDep, ctx: Member
) -> Response:
    try:
        with session.begin_nested():
            organisations.add_brand(session, ctx, form.name, utcnow())
    except MicroreachError as exc:
        return _members_page(request, session, ctx, exc, {"brand_name": form.name})
    return RedirectResponse("/organisation?done=brand-added", status_code=303)


# API keys


def _keys_page(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
    created: ApiKeyCreated | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "ctx": ctx,
        "keys": [],
        "created": created,
        "scope_labels": SCOPE_LABELS,
        "notice": DONE.get(request.query_params.get("done", "")),
    }
    try:
        context["keys"] = organisations.list_api_keys(session, ctx)
    except MicroreachError as exc:
        error = exc
    page = form_page(request, "accounts/api_keys.html", values or {"scopes": []}, error, **context)
    # A page that shows a secret must not be kept by any cache.
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/organisation/api-keys")
def api_keys_page(request: Request, session: SessionDep, ctx: Member) -> HTMLResponse:
    return _keys_page(request, session, ctx)


@router.post("/organisation/api-keys")
def create_api_key(
    request: Request,
    form: Annotated[ApiKeyForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    ctx: Member,
) -> HTMLResponse:
    try:
        key_request = organisations.api_key_request(form.name, form.scopes)
        created = organisations.create_api_key(session, settings, ctx, key_request, utcnow())
    except MicroreachError as exc:
        return _keys_page(request, session, ctx, exc, form.model_dump())
    return _keys_page(request, session, ctx, created=created)


@router.post("/organisation/api-keys/{key_id}/revoke")
def revoke_api_key(
    request: Request, key_id: uuid.UUID, session: SessionDep, ctx: Member
) -> Response:
    try:
        organisations.revoke_api_key(session, ctx, key_id, utcnow())
    except MicroreachError as exc:
        return _keys_page(request, session, ctx, exc)
    return RedirectResponse("/organisation/api-keys?done=key-revoked", status_code=303)


# Invitations, from the invited person's side


@router.get("/invitations/accept")
def invitation_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    try:
        invitation, organisation = organisations.open_invitation(session, settings, token, utcnow())
    except MicroreachError as exc:
        return form_page(request, "accounts/invitation.html", {}, exc, invitation=None)
    return form_page(
        request,
        "accounts/invitation.html",
        {},
        invitation=invitation,
        organisation=organisation,
        token=token,
        here=f"/invitations/accept?{urlencode({'token': token})}",
    )


@router.post("/invitations/accept")
def accept_invitation(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    identity: IdentityDep,
    user: CurrentUser,
    token: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    try:
        with session.begin_nested():
            membership = organisations.accept_invitation(session, settings, user, token, utcnow())
    except MicroreachError as exc:
        return form_page(request, "accounts/invitation.html", {}, exc, invitation=None)
    service.switch_organisation(session, identity, membership.organisation_id)
    return RedirectResponse("/organisation?done=joined", status_code=303)
