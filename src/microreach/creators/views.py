"""HTML pages of the creators domain: the filterable account list and the creator page."""

from __future__ import annotations

import math
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
        "scheme": service.tier_scheme(settings, params.tier_scheme),
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
        "fmt": SCORE_FORMATS,
        "score_every": settings.schedule_score_seconds,
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


# --- how the stored scores read on the creator page ---------------------------------------

STATUS_LABELS = {
    "ok": "OK",
    "warning": "Warning",
    "alert": "Alert",
    "insufficient_data": "Not enough data",
}
CONFIDENCE_LABELS = {
    "high": "high confidence",
    "medium": "medium confidence",
    "low": "low confidence",
    "insufficient_data": "not enough data",
}
# Why an account has no engagement rate, or a growth figure, in words (docs/metrics.md).
REASONS = {
    "no_posts": "no posts captured yet",
    "no_followers": "the account has no followers",
    "deleted": "no usable recent post (deleted)",
    "ephemeral": "no usable recent post (only stories and lives)",
    "too_young": "no usable recent post (all under a day old)",
    "likes_hidden": "no usable recent post (likes hidden)",
    "missing_counts": "no usable recent post (counts not captured)",
    "invalid_counts": "no usable recent post (invalid counts)",
    "not_enough_captures": "too few follower captures",
    "not_enough_history": "follower history shorter than the window",
    "no_start_followers": "no follower count at the window's start",
}
EVIDENCE_LABELS = {
    "paid_partnership_flag": "paid-partnership flag",
    "marker": "disclosure marker",
    "brand_mention": "brand mention",
    "discount_code": "discount code",
    "discount": "discount",
    "affiliate_link": "affiliate link",
    "link_in_bio": "link in bio",
    "thanks_brand": "thanks to a brand",
}
PERCENT_UNITS = frozenset({"share", "rate"})
MINUS = "\u2212"
EN_DASH = "\u2013"


def reason_text(code: str | None) -> str:
    if code is None:
        return "unknown"
    return REASONS.get(code, code.replace("_", " "))


def _decimals(percent: float) -> int:
    """One decimal from 1% up; two significant digits below."""
    size = abs(percent)
    if size == 0 or size >= 1:
        return 1
    return min(4, 1 - math.floor(math.log10(size)))


def _fixed(values: Sequence[float]) -> list[str]:
    """Each value to its own precision (see _decimals); 15.0 reads 15 when every value is
    whole; a value that rounds to zero reads 0."""
    shown = [f"{abs(value):.{_decimals(value)}f}" for value in values]
    if all(text.endswith(".0") for text in shown):
        shown = [text[:-2] for text in shown]
    return [
        "0" if not float(text) else f"{MINUS}{text}" if value < 0 else text
        for value, text in zip(values, shown, strict=True)
    ]


def rate_text(value: float | None) -> str:
    """A fraction as a percentage: 0.024 -> 2.4%, 0.00083 -> 0.083%, 0.15 -> 15%."""
    if value is None:
        return "—"
    return f"{_fixed([value * 100])[0]}%"


def rate_range(low: float | None, high: float | None) -> str:
    """Two fractions as one percentage range: 0.019, 0.031 -> 1.9-3.1% (with an en dash)."""
    if low is None or high is None:
        return "—"
    if low == high:
        return rate_text(low)
    first, second = _fixed([low * 100, high * 100])
    return f"{first}{EN_DASH}{second}%"


def growth_text(percent: float | None) -> str:
    """A growth in percent, signed: +0.21%, -3.4% (with a minus sign)."""
    if percent is None:
        return "—"
    shown = _fixed([percent])[0]
    return f"+{shown}%" if percent > 0 and shown != "0" else f"{shown}%"


def _number(value: float) -> str:
    """Two significant digits below 10 (0.0082, 1.5), whole numbers from 10 on."""
    if abs(value) >= 10:
        return f"{value:,.0f}"
    shown = f"{value:.2g}"
    return f"{value:.6f}".rstrip("0").rstrip(".") if "e" in shown else shown


def signal_value(value: float | None, unit: str) -> str:
    """A signal's value in its unit: shares and rates as percentages, counts whole."""
    if value is None:
        return "not measured"
    if unit in PERCENT_UNITS:
        return rate_text(value)
    if unit == "count":
        return f"{value:,.0f}"
    suffix = f" {unit}" if unit.startswith("per ") else ""
    return f"{_number(value)}{suffix}"


def signal_range(low: float, high: float, unit: str) -> str:
    """What peers usually show, in the signal's unit."""
    if unit in PERCENT_UNITS:
        return rate_range(low, high)
    suffix = f" {unit}" if unit.startswith("per ") else ""
    if low == high:
        return f"{_number(low)}{suffix}"
    return f"{_number(low)}{EN_DASH}{_number(high)}{suffix}"


def points(contribution: int) -> str:
    """Signed points: +8, -35 (with a minus sign), 0."""
    if contribution == 0:
        return "0"
    return f"+{contribution}" if contribution > 0 else f"{MINUS}{-contribution}"


def ordinal(percentile: float) -> str:
    """72.4 -> 72nd."""
    n = round(percentile)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def peer_label(group: str | None) -> str:
    """instagram/micro/food -> instagram · micro · food."""
    if not group or group == "global-default":
        return "published defaults"
    return " · ".join(group.split("/"))


def label(key: str) -> str:
    """follow_churn -> Follow churn."""
    return key.replace("_", " ").capitalize()


SCORE_FORMATS: dict[str, Any] = {
    "rate": rate_text,
    "rate_range": rate_range,
    "growth": growth_text,
    "signal_value": signal_value,
    "signal_range": signal_range,
    "points": points,
    "ordinal": ordinal,
    "peer": peer_label,
    "reason": reason_text,
    "label": label,
    "status": STATUS_LABELS,
    "confidence": CONFIDENCE_LABELS,
    "evidence": EVIDENCE_LABELS,
}
