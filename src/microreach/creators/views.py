"""HTML pages of the creators domain: the filterable account list and the creator page."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from microreach.creators import service
from microreach.creators.enums import Platform
from microreach.creators.schemas import AccountPage, CreatorListParams, CreatorSort, FollowerPoint
from microreach.web.deps import SessionDep, SettingsDep, render, wants_fragment

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PLATFORM_LABELS = {
    Platform.INSTAGRAM: "Instagram",
    Platform.TIKTOK: "TikTok",
    Platform.YOUTUBE: "YouTube",
    Platform.FACEBOOK: "Facebook",
    Platform.X: "X",
    Platform.TWITCH: "Twitch",
    Platform.PINTEREST: "Pinterest",
    Platform.LINKEDIN: "LinkedIn",
}
SORT_LABELS = {
    CreatorSort.FOLLOWERS_DESC: "Most followers",
    CreatorSort.FOLLOWERS_ASC: "Fewest followers",
    CreatorSort.HANDLE: "Handle A to Z",
}
SPARKLINE_WIDTH = 240
SPARKLINE_HEIGHT = 56
SPARKLINE_MAX_POINTS = 120


@dataclass(frozen=True, slots=True)
class Sparkline:
    """Geometry of a follower-history line, in a SPARKLINE_WIDTH x SPARKLINE_HEIGHT box."""

    line: str
    area: str
    first: FollowerPoint
    last: FollowerPoint
    low: int
    high: int

    @property
    def change(self) -> int:
        return self.last.followers - self.first.followers


@router.get("/")
def index(
    request: Request,
    params: Annotated[CreatorListParams, Query()],
    session: SessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    page = service.list_accounts(session, settings, params)
    context: dict[str, Any] = {
        "page": page,
        "params": params,
        "next_url": _next_url(params, page),
        "platforms": list(Platform),
        "platform_labels": PLATFORM_LABELS,
        "scheme": service.tier_scheme(settings),
        "sorts": SORT_LABELS,
        "has_accounts": bool(page.items) or service.has_accounts(session),
    }
    return render(request, _index_template(request, params), context)


@router.get("/creators/{creator_id}")
def creator_page(
    request: Request, creator_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    creator = service.get_creator(session, settings, creator_id)
    charts = {account.id: sparkline(account.follower_history) for account in creator.accounts}
    context = {
        "creator": creator,
        "charts": charts,
        "platform_labels": PLATFORM_LABELS,
        "sparkline_width": SPARKLINE_WIDTH,
        "sparkline_height": SPARKLINE_HEIGHT,
    }
    return render(request, "creators/detail.html", context)


def _index_template(request: Request, params: CreatorListParams) -> str:
    if not wants_fragment(request):
        return "creators/index.html"
    # "Load more" appends rows to the table; a filter change replaces the whole result.
    return "creators/_rows.html" if params.cursor else "creators/_results.html"


def _next_url(params: CreatorListParams, page: AccountPage) -> str | None:
    if page.next_cursor is None:
        return None
    query = params.model_dump(mode="json", exclude_defaults=True, exclude={"cursor"})
    query["cursor"] = page.next_cursor
    return f"/?{urlencode(query)}"


def sparkline(points: Sequence[FollowerPoint]) -> Sparkline | None:
    """A polyline of the follower history, thinned to SPARKLINE_MAX_POINTS; None under 2 points."""
    if len(points) < 2:
        return None
    step = -(-len(points) // SPARKLINE_MAX_POINTS)
    kept = [*points[:-1:step], points[-1]]
    low = min(point.followers for point in kept)
    high = max(point.followers for point in kept)
    coordinates = [
        (_x(index, len(kept)), _y(point.followers, low, high)) for index, point in enumerate(kept)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    area = (
        f"M0,{SPARKLINE_HEIGHT} L{line.replace(' ', ' L')} L{SPARKLINE_WIDTH},{SPARKLINE_HEIGHT} Z"
    )
    return Sparkline(line=line, area=area, first=points[0], last=points[-1], low=low, high=high)


def _x(index: int, count: int) -> float:
    return index * SPARKLINE_WIDTH / (count - 1)


def _y(value: int, low: int, high: int) -> float:
    padding = 4
    if high == low:
        return SPARKLINE_HEIGHT / 2
    return padding + (high - value) * (SPARKLINE_HEIGHT - 2 * padding) / (high - low)
