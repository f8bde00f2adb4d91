"""Link-in-bio pages: the public page `/@{handle}` (any host: the app's and every short
domain) and its editor in the creator portal."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from microreach.accounts.models import User
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError, MicroreachError, NotFoundError
from microreach.links import bio
from microreach.web.auth import CurrentUser
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


class BioForm(BaseModel):
    """The editor: one row per live link (parallel lists), `shown` holds the visible ones."""

    model_config = ConfigDict(extra="ignore")

    handle: str = ""
    bio: str = ""
    link_id: list[str] = []
    position: list[str] = []
    title: list[str] = []
    shown: list[str] = []


def items_of(form: BioForm) -> list[bio.BioItemIn]:
    if not len(form.link_id) == len(form.position) == len(form.title):
        raise InvalidError("The form's link rows are incomplete; reload the page", field="links")
    items = []
    for raw_id, raw_position, title in zip(form.link_id, form.position, form.title, strict=True):
        try:
            link_id = uuid.UUID(raw_id)
        except ValueError:
            raise InvalidError(f"{raw_id!r} is not a link id", field="links") from None
        if not raw_position.strip().isdigit():
            raise InvalidError(
                f"Position {raw_position!r} must be a whole number like 1", field="links"
            )
        hidden = raw_id not in form.shown
        items.append(bio.BioItemIn(link_id, int(raw_position), title, hidden))
    return items


def _editor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: User,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    page = bio.editor(session, settings, user, utcnow())
    context = {
        "page": page,
        "values": values or {"handle": page.handle, "bio": page.bio},
        "errors": {(error.field or "form"): error.message} if error else {},
        "saved": request.query_params.get("done") == "saved",
    }
    return render(request, "links/bio_edit.html", context, error.status_code if error else 200)


@router.get("/portal/bio")
def bio_editor(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> HTMLResponse:
    return _editor(request, session, settings, user)


@router.post("/portal/bio")
def save_bio(
    request: Request,
    form: Annotated[BioForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    try:
        with session.begin_nested():
            bio.save(session, user, form.handle, form.bio, items_of(form), utcnow())
    except MicroreachError as exc:
        values = {"handle": form.handle, "bio": form.bio}
        return _editor(request, session, settings, user, exc, values)
    return RedirectResponse("/portal/bio?done=saved", status_code=303)


@router.get("/@{handle}")
def bio_page(
    request: Request, handle: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Public: the creator's live campaign links, each through its tracked short link."""
    page = bio.public_page(session, settings, handle, utcnow())
    if page is None:
        raise NotFoundError(f"There is no page @{handle[:40]}.")
    response = render(request, "links/bio.html", {"page": page})
    response.headers["Cache-Control"] = "no-cache"
    return response
