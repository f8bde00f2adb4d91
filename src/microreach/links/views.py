"""HTML pages of the links domain: the organisation's links, the link form, a link's page with
its rolled-up clicks and QR codes, links for every creator of a campaign, short domains."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.campaigns import service as campaigns_service
from microreach.config import Settings
from microreach.creators import service as creators_service
from microreach.kit.clock import utcnow
from microreach.kit.errors import MicroreachError, NotFoundError
from microreach.links import domains, forms, service
from microreach.links.api import Resolver
from microreach.links.schemas import CampaignLinksResult, LinkListParams, LinkOut, LinkUpdate
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
DONE = {
    "created": "Link created.",
    "saved": "Link saved.",
    "enabled": "Link enabled: it redirects again.",
    "disabled": "Link disabled: it answers 404 until you enable it.",
    "added": "Domain added: publish the TXT record below, then check.",
    "verified": "Domain verified: enable it to use it for links.",
    "domain-enabled": "Domain enabled: its links resolve and new links can use it.",
    "domain-disabled": "Domain disabled: its links stop resolving.",
    "removed": "Domain removed.",
}


def _errors(error: MicroreachError | None) -> dict[str, str]:
    return {(error.field or "form"): error.message} if error else {}


@router.get("/links")
def links_page(
    request: Request,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    cursor: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    page = service.list_links(session, settings, ctx, LinkListParams(cursor=cursor))
    clicks = service.clicks_by_link(session, ctx, page.items)
    return render(request, "links/index.html", {"ctx": ctx, "page": page, "clicks": clicks})


def _pickers(session: Session, ctx: OrgContext) -> dict[str, Any]:
    """Campaigns, creators (invited to any campaign) and enabled domains of the organisation."""
    members = campaigns_service.organisation_members(session, ctx)
    accounts = creators_service.accounts_by_ids(
        session, list(dict.fromkeys(m.platform_account_id for m in members))
    )
    creators: dict[uuid.UUID, str] = {}
    for member in members:
        account = accounts.get(member.platform_account_id)
        if account is not None and member.creator_id not in creators:
            creators[member.creator_id] = f"@{account.handle} ({account.platform.value})"
    return {
        "campaigns": campaigns_service.list_campaigns(session, ctx),
        "creators": sorted(creators.items(), key=lambda item: item[1]),
        "hosts": domains.enabled_hosts(session, ctx),
    }


def _form_page(
    request: Request,
    session: Session,
    ctx: OrgContext,
    values: dict[str, Any],
    error: MicroreachError | None = None,
) -> HTMLResponse:
    context = {"ctx": ctx, "values": values, "errors": _errors(error), **_pickers(session, ctx)}
    return render(request, "links/new.html", context, error.status_code if error else 200)


@router.get("/links/new")
def new_link_page(
    request: Request,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[forms.LinkForm, Query()],
) -> HTMLResponse:
    """The form; choosing a creator (htmx) fills the UTM fields as the API would."""
    values = form.model_dump()
    try:
        creator_id = forms.optional_uuid(form.creator_id, "creator_id")
        values.update(service.utm_defaults(session, settings, creator_id))
    except MicroreachError as exc:
        return _form_page(request, session, ctx, values, exc)
    return _form_page(request, session, ctx, values)


@router.post("/links/new")
def create_link(
    request: Request,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[forms.LinkForm, Form()],
) -> Response:
    try:
        with session.begin_nested():
            link = service.create_link(session, settings, ctx, forms.link_create(form), utcnow())
    except MicroreachError as exc:
        return _form_page(request, session, ctx, form.model_dump(), exc)
    return RedirectResponse(f"/links/{link.id}?done=created", status_code=303)


def _bulk_page(
    request: Request,
    session: Session,
    ctx: OrgContext,
    values: dict[str, Any],
    error: MicroreachError | None = None,
    result: CampaignLinksResult | None = None,
) -> HTMLResponse:
    handles: dict[uuid.UUID, str] = {}
    if result is not None:
        ids = [s.platform_account_id for s in result.skipped]
        handles = {k: v.handle for k, v in creators_service.accounts_by_ids(session, ids).items()}
    context = {
        "ctx": ctx,
        "values": values,
        "errors": _errors(error),
        "result": result,
        "handles": handles,
        **_pickers(session, ctx),
    }
    return render(request, "links/bulk.html", context, error.status_code if error else 200)


@router.get("/links/bulk")
def bulk_page(
    request: Request,
    ctx: Member,
    session: SessionDep,
    campaign_id: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    return _bulk_page(request, session, ctx, {"campaign_id": campaign_id})


@router.post("/links/bulk")
def bulk_create(
    request: Request,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[forms.CampaignLinksForm, Form()],
) -> Response:
    try:
        with session.begin_nested():
            result = service.campaign_links(
                session, settings, ctx, forms.campaign_links(form), utcnow()
            )
    except MicroreachError as exc:
        return _bulk_page(request, session, ctx, form.model_dump(), exc)
    return _bulk_page(request, session, ctx, form.model_dump(), result=result)


def _domains_page(
    request: Request,
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "ctx": ctx,
        "domains": domains.list_domains(session, settings, ctx),
        "errors": _errors(error),
        "values": values or {},
        "notice": DONE.get(request.query_params.get("done", "")),
    }
    return render(request, "links/domains.html", context, error.status_code if error else 200)


@router.get("/links/domains")
def domains_page(
    request: Request, ctx: Member, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    return _domains_page(request, session, settings, ctx)


@router.post("/links/domains")
def add_domain(
    request: Request,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[forms.DomainForm, Form()],
) -> Response:
    try:
        with session.begin_nested():
            domains.add_domain(session, settings, ctx, form.host, utcnow())
    except MicroreachError as exc:
        return _domains_page(request, session, settings, ctx, exc, form.model_dump())
    return RedirectResponse("/links/domains?done=added", status_code=303)


@router.post("/links/domains/{domain_id}/{action}")
def domain_action(
    request: Request,
    domain_id: uuid.UUID,
    action: str,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    resolver: Resolver,
) -> Response:
    """check, enable, disable or remove."""
    try:
        with session.begin_nested():
            done = _domain_action(session, settings, ctx, domain_id, action, resolver)
    except MicroreachError as exc:
        return _domains_page(request, session, settings, ctx, exc)
    return RedirectResponse(f"/links/domains?done={done}", status_code=303)


def _domain_action(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    domain_id: uuid.UUID,
    action: str,
    resolver: domains.TxtResolver,
) -> str:
    if action == "check":
        domains.check_domain(session, settings, ctx, domain_id, resolver, utcnow())
        return "verified"
    if action in ("enable", "disable"):
        domains.set_enabled(session, settings, ctx, domain_id, action == "enable")
        return f"domain-{action}d"
    if action == "remove":
        domains.remove_domain(session, ctx, domain_id)
        return "removed"
    raise NotFoundError(f"No domain action {action!r}: use check, enable, disable or remove.")


def _detail_page(
    request: Request,
    session: Session,
    ctx: OrgContext,
    link: LinkOut,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "ctx": ctx,
        "link": link,
        "summary": service.click_summary(session, ctx, link.id),
        "values": values if values is not None else _link_values(link),
        "errors": _errors(error),
        "notice": DONE.get(request.query_params.get("done", "")),
    }
    return render(request, "links/detail.html", context, error.status_code if error else 200)


def _link_values(link: LinkOut) -> dict[str, Any]:
    values = link.model_dump()
    expires = link.expires_at
    values["expires_at"] = expires.strftime("%Y-%m-%dT%H:%M") if expires else ""
    return {key: "" if value is None else value for key, value in values.items()}


@router.get("/links/{link_id}")
def link_page(
    request: Request, link_id: uuid.UUID, ctx: Member, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    link = service.get_link(session, settings, ctx, link_id)
    return _detail_page(request, session, ctx, link)


@router.post("/links/{link_id}")
def save_link(
    request: Request,
    link_id: uuid.UUID,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[forms.LinkForm, Form()],
) -> Response:
    link = service.get_link(session, settings, ctx, link_id)
    try:
        with session.begin_nested():
            service.update_link(session, settings, ctx, link_id, forms.link_update(form), utcnow())
    except MicroreachError as exc:
        values = {**_link_values(link), **form.model_dump()}
        return _detail_page(request, session, ctx, link, exc, values)
    return RedirectResponse(f"/links/{link_id}?done=saved", status_code=303)


@router.post("/links/{link_id}/enabled")
def set_enabled(
    request: Request,
    link_id: uuid.UUID,
    ctx: Member,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[forms.EnabledForm, Form()],
) -> Response:
    link = service.get_link(session, settings, ctx, link_id)
    enabled = form.enabled == "true"
    try:
        with session.begin_nested():
            update = LinkUpdate(enabled=enabled)
            service.update_link(session, settings, ctx, link_id, update, utcnow())
    except MicroreachError as exc:
        return _detail_page(request, session, ctx, link, exc)
    done = "enabled" if enabled else "disabled"
    return RedirectResponse(f"/links/{link_id}?done={done}", status_code=303)
