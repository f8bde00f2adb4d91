"""Which file column feeds which field: documented default names (aliases) and ``--map``.

Column names are matched without regard to case, spaces, dashes and underscores, so
``Follower Count``, ``follower_count`` and ``followerCount`` are one name. A ``--map
column=field`` wins over the defaults; ``--map column=`` ignores a column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from microreach.imports.schemas import ImportKind
from microreach.kit.errors import InvalidError

_ACCOUNT = {
    "platform": ("platform", "network", "site", "social_network"),
    "handle": ("handle", "username", "user_name", "user", "account", "screen_name", "login",
               "channel", "owner_username", "instagram_handle", "ig_handle"),
}  # fmt: skip
_FIGURES = {
    "followers": ("followers", "follower_count", "followers_count", "subscribers",
                  "subscriber_count", "fans"),
    "following": ("following", "followees", "following_count", "follows", "follows_count"),
    "media_count": ("media_count", "posts", "n_posts", "post_count", "posts_count",
                    "media", "videos", "video_count"),
}  # fmt: skip
_CAPTURE = {"captured_at": ("captured_at", "capture_time", "as_of", "scraped_at", "measured_at")}
_POST_COUNTS = {
    "likes": ("likes", "like_count", "likes_count"),
    "comments": ("comments", "comment_count", "comments_count"),
    "views": ("views", "view_count", "video_view_count", "plays", "play_count"),
    "shares": ("shares", "share_count"),
    "saves": ("saves", "saved", "save_count"),
    "reach": ("reach",),
    "impressions": ("impressions",),
}
_POST_ID = {"post_id": ("post_id", "platform_post_id", "media_id", "video_id", "id")}

FIELDS: dict[ImportKind, dict[str, tuple[str, ...]]] = {
    ImportKind.CREATORS: {
        **_ACCOUNT,
        "name": ("name", "full_name", "creator", "creator_name", "display_name", "title"),
        "external_id": ("external_id", "user_id", "account_id", "channel_id", "pk"),
        "bio": ("bio", "biography", "description"),
        "email": ("email", "contact_email", "business_email"),
        **_FIGURES,
        "country": ("country", "country_code"),
        "language": ("language", "lang"),
        "verified": ("verified", "is_verified"),
        "is_private": ("is_private", "private"),
        "external_url": ("external_url", "website", "link", "url"),
        "kind": ("kind", "type", "account_type"),
        **_CAPTURE,
    },
    ImportKind.POSTS: {
        **_ACCOUNT,
        **_POST_ID,
        "posted_at": (
            "posted_at",
            "taken_at",
            "taken_at_timestamp",
            "timestamp",
            "published_at",
            "created_time",
            "date",
            "post_date",
        ),
        "post_type": ("post_type", "media_type", "type", "format"),
        "is_video": ("is_video", "video"),
        "url": ("url", "permalink", "link", "post_url"),
        "caption": ("caption", "text", "description", "title"),
        "paid_partnership": (
            "paid_partnership",
            "is_paid_partnership",
            "sponsored",
            "branded_content",
        ),
        **_POST_COUNTS,
        **_CAPTURE,
    },
    ImportKind.METRICS: {
        **_ACCOUNT,
        "post_id": ("post_id", "platform_post_id", "media_id", "video_id"),
        **_CAPTURE,
        **_FIGURES,
        **_POST_COUNTS,
    },
}
REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.CREATORS: ("handle",),
    ImportKind.POSTS: ("handle", "post_id", "posted_at"),
    ImportKind.METRICS: ("handle",),
}
_NOT_NAME = re.compile(r"[\s_\-.]+")


def normalise(name: str) -> str:
    """``Follower Count`` -> ``followercount``: the form column names are compared in."""
    return _NOT_NAME.sub("", name.strip().lstrip("\ufeff")).lower()


@dataclass(frozen=True)
class ColumnMap:
    """Field -> source column for one file, and the columns nothing reads."""

    fields: dict[str, str]
    ignored: tuple[str, ...]


def parse_map_options(options: Iterable[str]) -> dict[str, str]:
    """``["Insta=handle", "notes="]`` -> ``{"Insta": "handle", "notes": ""}``."""
    parsed: dict[str, str] = {}
    for option in options:
        column, sep, field = option.partition("=")
        if not sep or not column.strip():
            raise InvalidError(f"expected COLUMN=FIELD, got {option!r}", field="--map")
        parsed[column.strip()] = field.strip()
    return parsed


def resolve(
    kind: ImportKind,
    columns: list[str],
    overrides: Mapping[str, str],
    *,
    platform_given: bool,
) -> ColumnMap:
    """Match ``columns`` to ``kind``'s fields; fail before any import when a required one is
    missing, naming it and the column names that would have been recognised."""
    known = FIELDS[kind]
    by_name = {normalise(c): c for c in reversed(columns)}
    fields: dict[str, str] = {}
    taken: set[str] = set()
    for column, field in overrides.items():
        if normalise(column) not in by_name:
            raise InvalidError(f"column {column!r} is not in the file", field="--map")
        if field and field not in known:
            raise InvalidError(
                f"unknown field {field!r} for {kind}; fields are {', '.join(known)}",
                field="--map",
            )
        taken.add(by_name[normalise(column)])
        if field:
            fields[field] = by_name[normalise(column)]
    for field, aliases in known.items():
        if field in fields:
            continue
        for alias in aliases:
            found = by_name.get(normalise(alias))
            if found is not None and found not in taken:
                fields[field] = found
                taken.add(found)
                break
    _check_required(kind, fields, platform_given)
    used = set(fields.values())
    ignored = tuple(c for c in columns if c and c not in used)
    return ColumnMap(fields, ignored)


def _check_required(kind: ImportKind, fields: dict[str, str], platform_given: bool) -> None:
    missing = [f for f in REQUIRED[kind] if f not in fields]
    if "platform" not in fields and not platform_given:
        missing.insert(0, "platform")
    if not missing:
        return
    known = FIELDS[kind]
    parts = [f"{f} (columns named {', '.join(known[f])})" for f in missing]
    hint = " or pass --platform" if "platform" in missing else ""
    raise InvalidError(
        f"missing required columns: {'; '.join(parts)}. Rename a column, use --map "
        f"COLUMN=FIELD{hint}",
        field="file",
    )
