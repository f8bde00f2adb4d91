"""HTML pages of lists: /lists (lists and saved searches), a list's page (members, tags,
export, invite to a campaign), a creator's notes and tags, and the add-to-list control used on
discovery results and creator pages (htmx, with a plain form without JavaScript)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.campaigns import invitations
from microreach.campaigns import service as campaigns_service
from microreach.campaigns.forms import TermsForm, terms_from
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError, MicroreachError
from microreach.lists import invite, searches, service
from microreach.lists.api import send_invitations
from microreach.lists.schemas import (
    MAX_MEMBERS,
    MEMBERS_PER_CALL,
    AddToCampaignIn,
    ListIn,
    ListUpdate,
    SavedSearchIn,
)
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep, SettingsDep, render, wants_fragment

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
DONE = {
    "created": "List created: add creators from Discover or a creator's page.",
    "added": "Added to the list.",
    "saved": "List saved.",
    "deleted": "List deleted.",
    "removed": "Removed from the list.",
    "search-saved": "Search saved: run it from here whenever you like.",
    "search-renamed": "Saved search renamed.",
    "search-deleted": "Saved search deleted.",
    "note": "Note added.",
    "note-deleted": "Note deleted.",
    "tags": "Tags saved.",
}


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ListForm(_Form):
    name: str = ""
    description: str = ""


class AddForm(_Form):
    account_id: list[str] = []
    list_id: str = ""
    new_list: str = ""
    next: str = ""


class CampaignForm(TermsForm):
    campaign_id: str = ""


class NoteForm(_Form):
    body: str = ""


class TagsForm(_Form):
    tags: str = ""


class SearchForm(_Form):
    name: str = ""
    query: str = ""


def _errors(error: MicroreachError | None) -> dict[str, str]:
    return {(error.field or "form"): error.message} if error else {}


def _checked(model: type[BaseModel], **values: Any) -> Any:
    """``model`` from form values; InvalidError naming the first bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "form"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise InvalidError(message, field=field) from None


def _uuid(raw: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise service.invalid(f"{raw.strip() or 'Nothing'} is not an id.", field, raw) from None


def _local(raw: str) -> str | None:
    """A path on this site to return to, or None."""
    ok = raw.startswith("/") and not raw.startswith("//") and "\\" not in raw
    return raw if ok and len(raw) <= 2000 else None


def _done(path: str, what: str) -> Response:
    return RedirectResponse(f"{path}?done={what}", status_code=303)


def _notice(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


# /lists


def _index(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "lists": service.list_lists(session, ctx),
        "searches": searches.list_searches(session, ctx),
        "errors": _errors(error),
        "values": values or {},
        "notice": _notice(request),
    }
    return render(request, "lists/index.html", context, error.status_code if error else 200)


@router.get("/lists")
def lists_page(request: Request, session: SessionDep, ctx: Member) -> HTMLResponse:
    return _index(request, session, ctx)


@router.post("/lists")
def create_list(
    request: Request, form: Annotated[ListForm, Form()], session: SessionDep, ctx: Member
) -> Response:
    try:
        with session.begin_nested():
            body = _checked(ListIn, name=form.name, description=form.description)
            created = service.create_list(session, ctx, body, utcnow())
    except MicroreachError as exc:
        return _index(request, session, ctx, exc, form.model_dump())
    return _done(f"/lists/{created.id}", "created")


# The add-to-list control


def _add_form(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    account_ids: list[uuid.UUID],
    next_path: str,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    accounts = service.known_accounts(session, account_ids, "account_id")
    context = {
        "accounts": [accounts[i] for i in dict.fromkeys(account_ids)],
        "lists": service.list_lists(session, ctx),
        "next": next_path,
        "errors": _errors(error),
        "values": values or {},
    }
    template = "lists/_add.html" if wants_fragment(request) else "lists/add.html"
    return render(request, template, context, error.status_code if error else 200)


@router.get("/lists/add")
def add_form(
    request: Request,
    session: SessionDep,
    ctx: Member,
    account_id: Annotated[list[uuid.UUID], Query(min_length=1, max_length=MEMBERS_PER_CALL)],
    next: Annotated[str, Query(max_length=2000)] = "",
) -> HTMLResponse:
    """The form that adds one account (or the accounts of a results page) to a list."""
    return _add_form(request, session, ctx, account_id, _local(next) or "")


@router.post("/lists/add")
def add_to_list(
    request: Request, form: Annotated[AddForm, Form()], session: SessionDep, ctx: Member
) -> Response:
    if not form.account_id or len(form.account_id) > MEMBERS_PER_CALL:
        raise service.invalid(
            f"Choose between 1 and {MEMBERS_PER_CALL} accounts.", "account_id", len(form.account_id)
        )
    account_ids = [_uuid(raw, "account_id") for raw in form.account_id]
    now = utcnow()
    try:
        with session.begin_nested():
            if form.new_list.strip():
                body = _checked(ListIn, name=form.new_list)
                list_id = service.create_list(session, ctx, body, now).id
            else:
                list_id = _uuid(form.list_id, "list_id")
            changed = service.add_members(session, ctx, list_id, account_ids, now)
            target = service.get_list(session, ctx, list_id)
    except MicroreachError as exc:
        next_path = _local(form.next) or ""
        return _add_form(request, session, ctx, account_ids, next_path, exc, form.model_dump())
    if not wants_fragment(request):
        return _done(f"/lists/{target.id}", "added")
    context = {
        "target": target,
        "added": len(changed.added),
        "already": len(changed.already_on_list),
    }
    return render(request, "lists/_added.html", context)


# Notes and tags of one creator


def _creator(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    account_id: uuid.UUID,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "account": service.known_accounts(session, [account_id], "account_id")[account_id],
        "accounts": [service.known_accounts(session, [account_id], "account_id")[account_id]],
        "found": service.creator_notes(session, ctx, account_id),
        "lists": service.list_lists(session, ctx),
        "next": f"/lists/creators/{account_id}",
        "errors": _errors(error),
        "values": values or {},
        "notice": _notice(request),
    }
    return render(request, "lists/creator.html", context, error.status_code if error else 200)


@router.get("/lists/creators/{account_id}")
def creator_page(
    request: Request, account_id: uuid.UUID, session: SessionDep, ctx: Member
) -> HTMLResponse:
    return _creator(request, session, ctx, account_id)


@router.post("/lists/creators/{account_id}/notes")
def add_note(
    request: Request,
    account_id: uuid.UUID,
    form: Annotated[NoteForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            service.add_note(session, ctx, account_id, form.body, utcnow())
    except MicroreachError as exc:
        return _creator(request, session, ctx, account_id, exc, form.model_dump())
    return _done(f"/lists/creators/{account_id}", "note")


@router.post("/lists/creators/{account_id}/tags")
def set_tags(
    request: Request,
    account_id: uuid.UUID,
    form: Annotated[TagsForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    tags = [t for t in form.tags.replace("\n", ",").split(",") if t.strip()]
    try:
        with session.begin_nested():
            service.set_tags(session, ctx, account_id, tags, utcnow())
    except MicroreachError as exc:
        if exc.field and exc.field.startswith("tags."):
            exc.field = "tags"
        return _creator(request, session, ctx, account_id, exc, form.model_dump())
    return _done(f"/lists/creators/{account_id}", "tags")


@router.post("/lists/notes/{note_id}/delete")
def delete_note(
    note_id: uuid.UUID, session: SessionDep, ctx: Member, next: Annotated[str, Form()] = ""
) -> Response:
    account_id = service.delete_note(session, ctx, note_id)
    return _done(_local(next) or f"/lists/creators/{account_id}", "note-deleted")


# Saved searches


@router.post("/lists/searches")
def save_search(
    request: Request,
    form: Annotated[SearchForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    ctx: Member,
) -> Response:
    query = searches.query_from_pairs(parse_qsl(form.query.lstrip("?")))
    try:
        with session.begin_nested():
            body = _checked(SavedSearchIn, name=form.name, query=query)
            searches.save_search(session, settings, ctx, body, utcnow())
    except MicroreachError as exc:
        context = {
            "errors": _errors(exc),
            "values": form.model_dump(),
            "url": searches.discover_url(query),
        }
        return render(request, "lists/save_search.html", context, exc.status_code)
    return _done("/lists", "search-saved")


@router.get("/lists/searches/{search_id}/count")
def search_count(
    request: Request,
    search_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    ctx: Member,
) -> HTMLResponse:
    run = searches.run_search(session, settings, ctx, search_id)
    template = "lists/_count.html" if wants_fragment(request) else "lists/count.html"
    return render(request, template, {"run": run})


@router.post("/lists/searches/{search_id}/rename")
def rename_search(
    request: Request,
    search_id: uuid.UUID,
    form: Annotated[ListForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            body = _checked(ListUpdate, name=form.name)
            searches.rename_search(session, ctx, search_id, body.name or "", utcnow())
    except MicroreachError as exc:
        if exc.field == "name":
            exc.field = f"search-{search_id}"
        return _index(request, session, ctx, exc, form.model_dump())
    return _done("/lists", "search-renamed")


@router.post("/lists/searches/{search_id}/delete")
def delete_search(search_id: uuid.UUID, session: SessionDep, ctx: Member) -> Response:
    searches.delete_search(session, ctx, search_id)
    return _done("/lists", "search-deleted")


# One list


def _detail(
    request: Request,
    session: SessionDep,
    ctx: OrgContext,
    list_id: uuid.UUID,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
    **extra: Any,
) -> HTMLResponse:
    tag = request.query_params.get("tag") or None
    found = service.detail(session, ctx, list_id, tag)
    campaigns = [
        c
        for c in campaigns_service.list_campaigns(session, ctx)
        if c.status in invitations.INVITABLE
    ]
    context = {
        "found": found,
        "campaigns": campaigns,
        "errors": _errors(error),
        "values": values or {},
        "notice": _notice(request),
        "result": None,
        **extra,
    }
    return render(request, "lists/detail.html", context, error.status_code if error else 200)


@router.get("/lists/{list_id}")
def list_page(
    request: Request, list_id: uuid.UUID, session: SessionDep, ctx: Member
) -> HTMLResponse:
    return _detail(request, session, ctx, list_id)


@router.post("/lists/{list_id}")
def edit_list(
    request: Request,
    list_id: uuid.UUID,
    form: Annotated[ListForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            body = _checked(ListUpdate, name=form.name, description=form.description)
            service.update_list(session, ctx, list_id, body, utcnow())
    except MicroreachError as exc:
        return _detail(request, session, ctx, list_id, exc, form.model_dump())
    return _done(f"/lists/{list_id}", "saved")


@router.post("/lists/{list_id}/delete")
def delete_list(list_id: uuid.UUID, session: SessionDep, ctx: Member) -> Response:
    service.delete_list(session, ctx, list_id)
    return _done("/lists", "deleted")


@router.post("/lists/{list_id}/members/{account_id}/remove")
def remove_member(
    list_id: uuid.UUID, account_id: uuid.UUID, session: SessionDep, ctx: Member
) -> Response:
    service.remove_members(session, ctx, list_id, [account_id], utcnow())
    return _done(f"/lists/{list_id}", "removed")


class MoveForm(_Form):
    direction: str = ""


@router.post("/lists/{list_id}/members/{account_id}/move")
def move_member(
    list_id: uuid.UUID,
    account_id: uuid.UUID,
    form: Annotated[MoveForm, Form()],
    session: SessionDep,
    ctx: Member,
) -> Response:
    steps = {"up": -1, "down": 1, "top": -MAX_MEMBERS, "bottom": MAX_MEMBERS}
    if form.direction not in steps:
        raise service.invalid("Move up, down, top or bottom.", "direction", form.direction)
    service.move(session, ctx, list_id, account_id, steps[form.direction], utcnow())
    return RedirectResponse(f"/lists/{list_id}#member-{account_id}", status_code=303)


@router.post("/lists/{list_id}/campaign")
def add_to_campaign(
    request: Request,
    list_id: uuid.UUID,
    form: Annotated[CampaignForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    ctx: Member,
    background: BackgroundTasks,
) -> Response:
    try:
        with session.begin_nested():
            campaign_id = _uuid(form.campaign_id, "campaign_id")
            campaign = campaigns_service.get_campaign(session, ctx, campaign_id)
            given = [form.flat_fee, form.per_click, form.per_conversion, form.commission_percent]
            blank = not any(v.strip() for v in [*given, form.gift, form.gift_value])
            terms = None if blank else terms_from(form, campaign.currency)
            body = AddToCampaignIn(campaign_id=campaign_id, terms=terms)
            result = invite.add_to_campaign(session, settings, ctx, list_id, body, utcnow())
    except MicroreachError as exc:
        return _detail(request, session, ctx, list_id, exc, form.model_dump())
    invited = send_invitations(background, settings, result.links, ctx.organisation.name)
    outcome = {"campaign": result.campaign, "invited": invited, "skipped": result.skipped}
    return _detail(request, session, ctx, list_id, result=outcome)
