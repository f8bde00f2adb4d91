"""HTML pages of the links domain: the organisation's links with clicks and QR codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.links import service
from microreach.links.schemas import LinkListParams
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]


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
