"""Row validation: each field's parser turns a file value into a stored value or says why not.

Counts accept the forms influencer spreadsheets use: ``12345``, ``12,345``, ``12 345``,
``12.3K``, ``1.2M``, ``3B`` (suffixes in either case) and ``1234.0``. Anything else (``12abc``,
``1.234`` that might be European thousands, negatives) is rejected. Empty, ``-``, ``n/a``,
``na``, ``null`` and ``none`` mean "not given": a hidden count stays missing, never 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from microreach.creators.enums import CreatorKind, Platform, PostType
from microreach.imports.formats import Value
from microreach.imports.mapping import REQUIRED
from microreach.imports.schemas import ImportKind, RowError

MISSING = frozenset({"", "-", "—", "n/a", "na", "null", "none", "nan"})
MAX_COUNT = 10**13
_SUFFIX = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}
_HUMAN = re.compile(r"^(\d+(?:\.\d+)?)\s*(k|m|b|bn)$", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(?:([, ])\d{3})(?:\1\d{3})*(?:\.0+)?$")
_HANDLE = re.compile(r"^[\w.\-]{1,100}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_TRUE = frozenset({"1", "true", "t", "yes", "y"})
_FALSE = frozenset({"0", "false", "f", "no", "n"})
PLATFORM_ALIASES: dict[str, Platform] = {
    **{p.value: p for p in Platform},
    "ig": Platform.INSTAGRAM,
    "insta": Platform.INSTAGRAM,
    "yt": Platform.YOUTUBE,
    "tt": Platform.TIKTOK,
    "tik tok": Platform.TIKTOK,
    "twitter": Platform.X,
    "fb": Platform.FACEBOOK,
}
POST_TYPE_ALIASES: dict[str, PostType] = {
    **{t.value: t for t in PostType},
    "image": PostType.PHOTO,
    "graphimage": PostType.PHOTO,
    "carousel_album": PostType.CAROUSEL,
    "graphsidecar": PostType.CAROUSEL,
    "graphvideo": PostType.VIDEO,
    "reels": PostType.REEL,
    "shorts": PostType.SHORT,
}
# Longest accepted text per field: the column sizes, and a bound for free text.
TEXT_LIMITS = {
    "name": 200, "external_id": 100, "bio": 5_000, "email": 320, "external_url": 500,
    "url": 500, "caption": 20_000, "post_id": 100, "language": 8,
}  # fmt: skip


class FieldError(ValueError):
    """A value a field cannot accept; the message is the reason shown to the person."""


def _text(value: Value) -> str | None:
    if value is None:
        return None
    text = value.strip() if value.__class__ is str else str(value).strip()
    if len(text) <= 4 and text.lower() in MISSING:
        return None
    return text


def parse_count(value: Value) -> int | None:
    """A non-negative whole count in one of the documented human forms."""
    if value.__class__ is str and value.isdigit():
        return _bounded(int(value))
    if isinstance(value, bool):
        raise FieldError("not a count")
    if isinstance(value, int):
        return _bounded(value)
    if isinstance(value, float):
        if value != value or not value.is_integer():
            raise FieldError("not a whole number")
        return _bounded(int(value))
    text = _text(value)
    if text is None:
        return None
    if text.isdigit():
        return _bounded(int(text))
    return _bounded(_human_count(text))


def _human_count(text: str) -> int:
    cleaned = text.replace("\u00a0", " ").replace("\u202f", " ")
    grouped = _GROUPED.match(cleaned)
    if grouped:
        return int(cleaned.split(".")[0].replace(",", "").replace(" ", ""))
    human = _HUMAN.match(cleaned.replace(",", "."))
    if human:
        return int((Decimal(human.group(1)) * _SUFFIX[human.group(2).lower()]).to_integral_value())
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = Decimal("NaN")
    if number.is_finite() and number == number.to_integral_value() and "." in cleaned:
        return int(number)
    if cleaned.startswith("-") and number.is_finite():
        raise FieldError("is negative")
    raise FieldError("not a count (accepted: 12345, 12,345, 12 345, 12.3K, 1.2M, 3B)")


def _bounded(number: int) -> int:
    if number < 0:
        raise FieldError("is negative")
    if number > MAX_COUNT:
        raise FieldError("is implausibly large")
    return number


def parse_bool(value: Value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _text(value)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise FieldError("not yes/no (accepted: true, false, yes, no, 1, 0)")


def parse_time(value: Value) -> datetime | None:
    """ISO 8601 (a time without offset is UTC), a date, or Unix seconds or milliseconds."""
    if isinstance(value, bool):
        raise FieldError("not a time")
    if isinstance(value, int | float):
        return _epoch(float(value))
    text = _text(value)
    if text is None:
        return None
    if text.isdigit():
        return _epoch(float(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError("not a time (accepted: ISO 8601, YYYY-MM-DD, Unix seconds)") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _epoch(seconds: float) -> datetime:
    if seconds > 1e11:
        seconds /= 1000
    if not 0 < seconds < 4_102_444_800:
        raise FieldError("not a plausible Unix time")
    return datetime.fromtimestamp(seconds, UTC)


def parse_platform(value: Value) -> Platform | None:
    text = _text(value)
    if text is None:
        return None
    found = PLATFORM_ALIASES.get(text.lower())
    if found is None:
        raise FieldError(f"unknown platform (known: {', '.join(p.value for p in Platform)})")
    return found


def parse_handle(value: Value) -> str | None:
    """Lower-case, without ``@`` or a profile URL's host part."""
    text = _text(value)
    if text is None:
        return None
    handle = text.rstrip("/").rsplit("/", 1)[-1] if "/" in text else text
    handle = handle.lstrip("@").lower()
    if len(handle) > 100:
        raise FieldError("longer than 100 characters")
    if not _HANDLE.match(handle):
        raise FieldError("not a handle (letters, digits, '.', '_' and '-' only)")
    return handle


def parse_post_type(value: Value) -> PostType | None:
    text = _text(value)
    if text is None:
        return None
    found = POST_TYPE_ALIASES.get(text.lower())
    if found is None:
        raise FieldError(f"unknown post type (known: {', '.join(t.value for t in PostType)})")
    return found


def parse_kind(value: Value) -> CreatorKind | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return CreatorKind(text.lower())
    except ValueError:
        raise FieldError("not person or brand") from None


def parse_country(value: Value) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if len(text) != 2 or not text.isalpha():
        raise FieldError("not a two-letter country code")
    return text.upper()


def parse_email(value: Value) -> str | None:
    text = _limited_text("email")(value)
    if text is not None and not _EMAIL.match(text):
        raise FieldError("not an email address")
    return text


def _limited_text(field: str) -> Callable[[Value], str | None]:
    limit = TEXT_LIMITS[field]

    def parse(value: Value) -> str | None:
        text = _text(value)
        if text is not None and len(text) > limit:
            raise FieldError(f"longer than {limit:,} characters ({len(text):,})")
        return text

    return parse


_COUNTS = ("followers", "following", "media_count", "likes", "comments", "views", "shares",
           "saves", "reach", "impressions")  # fmt: skip
PARSERS: dict[str, Callable[[Value], Any]] = {
    "platform": parse_platform,
    "handle": parse_handle,
    **dict.fromkeys(_COUNTS, parse_count),
    **{name: _limited_text(name) for name in TEXT_LIMITS if name != "email"},
    "email": parse_email,
    "country": parse_country,
    "verified": parse_bool,
    "is_private": parse_bool,
    "is_video": parse_bool,
    "paid_partnership": parse_bool,
    "kind": parse_kind,
    "posted_at": parse_time,
    "captured_at": parse_time,
    "post_type": parse_post_type,
}


# Fields whose values come from a small closed set (platforms, countries, yes/no, kinds): a
# file repeats a handful of spellings, so each text's parse is remembered for the file.
ENUMERATED = frozenset({"platform", "country", "language", "verified", "is_private", "is_video",
                        "paid_partnership", "kind", "post_type"})  # fmt: skip
MEMO_SIZE = 512
_UNSEEN = object()


def memoised(parse: Callable[[Value], Any]) -> Callable[[Value], Any]:
    """``parse`` remembering the results of up to MEMO_SIZE distinct texts (failures are not
    remembered, so every bad value is reported with its own line)."""
    memo: dict[str, Any] = {}

    def parse_memo(value: Value) -> Any:
        if value.__class__ is not str:
            return parse(value)
        found = memo.get(value, _UNSEEN)
        if found is not _UNSEEN:
            return found
        parsed = parse(value)
        if len(memo) < MEMO_SIZE:
            memo[value] = parsed
        return parsed

    return parse_memo


class RowValidator:
    """Validates the rows of one file: the (field, column, parser) plan is built once."""

    def __init__(
        self, kind: ImportKind, fields: Mapping[str, str], default_platform: Platform | None
    ) -> None:
        self.plan = tuple(
            (f, c, memoised(PARSERS[f]) if f in ENUMERATED else PARSERS[f])
            for f, c in fields.items()
        )
        self.fields = dict(fields)
        self.required = ("platform", *REQUIRED[kind])
        self.default_platform = default_platform

    def __call__(
        self, line: int, values: Mapping[str, Value]
    ) -> tuple[dict[str, Any], list[RowError]]:
        """Parsed values by field, and every field error of the row (empty when it is good)."""
        parsed: dict[str, Any] = {}
        errors: list[RowError] = []
        get = values.get
        for field, column, parse in self.plan:
            raw = get(column)
            try:
                parsed[field] = parse(raw)
            except FieldError as exc:
                errors.append(RowError(line, column, str(exc), _shown(raw)))
        found = parsed.get
        if found("platform") is None:
            parsed["platform"] = self.default_platform
        for field in self.required:
            if found(field) is None:
                column = self.fields.get(field, field)
                if not any(e.column == column for e in errors):
                    errors.append(RowError(line, column, f"{field} is required"))
        return parsed, errors


def _shown(raw: Value) -> str | None:
    if raw is None:
        return None
    text = str(raw)
    return text if len(text) <= 60 else f"{text[:57]}..."
