"""HTML pages of discovery: /discover with htmx filters, facets and fit explanations, and
lookalikes of one account."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from microreach.creators.enums import Platform
from microreach.discovery import lookalikes as lookalikes_service
from microreach.discovery import service
from microreach.discovery.schemas import AGE_BANDS, GENDERS, SearchPage, SearchParams, SearchSort
from microreach.science.niches import NICHES
from microreach.science.tiers import get_scheme
from microreach.web.deps import SessionDep, SettingsDep, render, wants_fragment

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

SORT_LABELS = {
    SearchSort.ENGAGEMENT: "Engagement (peer percentile)",
    SearchSort.AUTHENTICITY: "Authenticity",
    SearchSort.FIT: "Brand fit",
    SearchSort.RELEVANCE: "Keyword relevance",
    SearchSort.FOLLOWERS: "Followers",
}


@router.get("/discover")
def discover(
    request: Request,
    params: Annotated[SearchParams, Query()],
    session: SessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    page = service.search(session, settings, params.model_copy(update={"facets": True}))
    context: dict[str, Any] = {
        "page": page,
        "params": params,
        "next_url": _next_url(params, page),
        "platforms": list(Platform),
        "tiers": [t.name for t in get_scheme(settings.tier_scheme).tiers],
        "niches": [n for n in NICHES if n != "other"],
        "ages": AGE_BANDS,
        "genders": GENDERS,
        "sorts": SORT_LABELS,
    }
    template = "discovery/index.html"
    if wants_fragment(request):
        template = "discovery/_rows.html" if params.cursor else "discovery/_results.html"
    return render(request, template, context)


@router.get("/discover/lookalikes/{account_id}")
def lookalikes(
    request: Request, account_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    page = lookalikes_service.lookalikes(session, account_id, 20, settings.tier_scheme)
    return render(request, "discovery/lookalikes.html", {"page": page})


def _next_url(params: SearchParams, page: SearchPage) -> str | None:
    if page.next_cursor is None:
        return None
    query = params.model_dump(mode="json", exclude_defaults=True, exclude={"cursor", "facets"})
    query["cursor"] = page.next_cursor
    return f"/discover?{urlencode(query, doseq=True)}"
