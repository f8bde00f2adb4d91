"""What the Instagram Graph API answers, read: the error object, the usage headers, and
profile, media, comment, insight and demographic bodies as connector data."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from microreach.connectors.base import (
    AudienceData,
    CommentData,
    PostData,
    PostMetrics,
    ProfileData,
)
from microreach.connectors.errors import (
    AccountNotFound,
    ApiError,
    ConnectorError,
    RateLimited,
    ServiceUnavailable,
    TokenExpired,
    TokenRevoked,
)
from microreach.creators.enums import AudienceDimension, Platform, PostType

GRAPH_URL = "https://graph.facebook.com"
DIALOG_URL = "https://www.facebook.com"
NAME = Platform.INSTAGRAM.value
PROFILE_FIELDS = "id,username,name,biography,website,followers_count,follows_count,media_count"
MEDIA_FIELDS = (
    "id,caption,comments_count,like_count,media_type,media_product_type,permalink,timestamp"
)
COMMENT_FIELDS = "id,text,timestamp,username,like_count"
MEDIA_INSIGHTS = "reach,saved,shares,views"
SCOPES = (
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "business_management",
)
# Meta's throttling codes: app (4), user (17), page (32), custom (613), Instagram BUC (80002).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80002})
REVOKED_SUBCODES = frozenset({458, 460})  # app removed, password changed
NOT_FOUND_SUBCODE = 2207013
USAGE_CEILING = 95  # percent of Meta's rolling-hour allowance at which we stop asking
PAGE_SIZE = 50
GENDERS = {"F": "female", "M": "male", "U": "other"}
BREAKDOWNS = {
    "country": AudienceDimension.COUNTRY,
    "age": AudienceDimension.AGE,
    "gender": AudienceDimension.GENDER,
}


def check_response(response: httpx.Response, account: str | None) -> ConnectorError | None:
    """Map Meta's error object ({"error": {"message", "type", "code", ...}}) to our errors."""
    if response.is_success:
        return None
    try:
        error = response.json()["error"]
        code = int(error.get("code", 0))
    except (ValueError, KeyError, TypeError):
        return None
    sub = error.get("error_subcode")
    detail = f"{error.get('message', '')} (code {code}{f'/{sub}' if sub else ''}"
    detail += f", fbtrace_id {error['fbtrace_id']})" if error.get("fbtrace_id") else ")"
    if code == 190:
        if sub in REVOKED_SUBCODES:
            return TokenRevoked(
                NAME, f"access was revoked; reconnect the account. {detail}", account=account
            )
        return TokenExpired(
            NAME,
            f"the access token has expired or is invalid; reconnect. {detail}",
            account=account,
        )
    if code in RATE_LIMIT_CODES:
        return RateLimited(
            NAME, f"rate limited. {detail}", account=account, retry_after=regain_seconds(response)
        )
    if code == 110 or sub == NOT_FOUND_SUBCODE:
        return AccountNotFound(
            NAME,
            "no public business or creator account with this username "
            f"(personal accounts are not visible to Business Discovery). {detail}",
            account=account,
        )
    if error.get("is_transient") or code in (1, 2) or response.status_code >= 500:
        return ServiceUnavailable(NAME, f"temporary error. {detail}", account=account)
    return ApiError(NAME, detail, account=account)


def usage_percent(response: httpx.Response) -> int | None:
    """The highest percentage of any allowance in X-App-Usage or X-Business-Use-Case-Usage."""
    values: list[int] = []
    app = _json_header(response, "x-app-usage")
    if isinstance(app, dict):
        values += [int(v) for v in app.values() if isinstance(v, int | float)]
    for entries in _buc_entries(response):
        values += [int(entries.get(k, 0)) for k in ("call_count", "total_cputime", "total_time")]
    return max(values) if values else None


def regain_seconds(response: httpx.Response) -> float | None:
    """estimated_time_to_regain_access (minutes) from X-Business-Use-Case-Usage, as seconds."""
    minutes = [int(e.get("estimated_time_to_regain_access", 0)) for e in _buc_entries(response)]
    return max(minutes) * 60.0 if minutes and max(minutes) > 0 else None


def _buc_entries(response: httpx.Response) -> list[dict[str, Any]]:
    buc = _json_header(response, "x-business-use-case-usage")
    if not isinstance(buc, dict):
        return []
    return [
        e
        for entries in buc.values()
        if isinstance(entries, list)
        for e in entries
        if isinstance(e, dict)
    ]


def _json_header(response: httpx.Response, name: str) -> Any:
    raw = response.headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def parse_time(value: str) -> datetime:
    """Graph API times look like 2017-08-31T19:16:02+0000."""
    return datetime.fromisoformat(value)


def media_type(item: dict[str, Any]) -> PostType:
    if item.get("media_product_type") == "REELS":
        return PostType.REEL
    if item.get("media_product_type") == "STORY":
        return PostType.STORY
    return {
        "CAROUSEL_ALBUM": PostType.CAROUSEL,
        "VIDEO": PostType.VIDEO,
    }.get(str(item.get("media_type")), PostType.PHOTO)


def parse_media(item: dict[str, Any]) -> PostData:
    return PostData(
        platform_post_id=str(item["id"]),
        post_type=media_type(item),
        posted_at=parse_time(item["timestamp"]),
        url=item.get("permalink"),
        caption=item.get("caption"),
        # like_count is left out when the owner hides likes: unknown, not zero.
        metrics=PostMetrics(likes=item.get("like_count"), comments=item.get("comments_count")),
    )


def parse_profile(body: dict[str, Any]) -> ProfileData:
    return ProfileData(
        external_id=str(body["id"]),
        handle=str(body["username"]).lower(),
        display_name=body.get("name"),
        bio=body.get("biography"),
        followers=body.get("followers_count"),
        following=body.get("follows_count"),
        media_count=body.get("media_count"),
        external_url=body.get("website"),
    )


def with_metrics(post: PostData, metrics: PostMetrics) -> PostData:
    return PostData(
        platform_post_id=post.platform_post_id,
        post_type=post.post_type,
        posted_at=post.posted_at,
        metrics=metrics,
        url=post.url,
        caption=post.caption,
        is_paid_partnership=post.is_paid_partnership,
    )


def parse_comment(item: dict[str, Any], post_id: str, parent: str | None) -> CommentData:
    return CommentData(
        platform_comment_id=str(item["id"]),
        platform_post_id=post_id,
        text=str(item.get("text", "")),
        commented_at=parse_time(item["timestamp"]),
        author_handle=str(item.get("username", "")).lower(),
        likes=item.get("like_count"),
        parent_platform_id=parent,
    )


def parse_media_insights(body: dict[str, Any]) -> PostMetrics:
    values: dict[str, int] = {}
    for metric in body.get("data", []):
        points = metric.get("values") or []
        if points and isinstance(points[0].get("value"), int):
            values[str(metric["name"])] = points[0]["value"]
    return PostMetrics(
        reach=values.get("reach"),
        saves=values.get("saved"),
        shares=values.get("shares"),
        views=values.get("views"),
        impressions=values.get("impressions"),
    )


def parse_shares(body: dict[str, Any], dimension: AudienceDimension) -> list[AudienceData]:
    counts: dict[str, int] = {}
    for metric in body.get("data", []):
        for breakdown in (metric.get("total_value") or {}).get("breakdowns", []):
            for result in breakdown.get("results", []):
                raw = str(result["dimension_values"][0])
                key = GENDERS.get(raw, raw) if dimension is AudienceDimension.GENDER else raw
                counts[key] = counts.get(key, 0) + int(result["value"])
    total = sum(counts.values())
    if total <= 0:
        return []
    return [AudienceData(dimension, key, round(n / total, 6)) for key, n in sorted(counts.items())]
