"""Opaque page cursors of discovery searches: the sort, the last row's sort key and its id."""

from __future__ import annotations

import base64
import binascii
import json
import math

from microreach.kit.errors import InvalidError

BAD_CURSOR = "is not a cursor from this API; drop it to start from the first page"


def encode(sort: str, key: float, doc_id: int) -> str:
    raw = json.dumps([sort, key, doc_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, sort: str) -> tuple[float, int]:
    """(sort key, doc id) of a cursor; InvalidError naming ``cursor`` when it is not one of
    ours or was issued for another sort."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor_sort, key, doc_id = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidError(BAD_CURSOR, field="cursor") from None
    if cursor_sort != sort:
        raise InvalidError(
            f"was issued for sort={cursor_sort}, not sort={sort}; keep the sort or drop it",
            field="cursor",
        )
    valid_key = isinstance(key, int | float) and not isinstance(key, bool) and math.isfinite(key)
    if not valid_key or not isinstance(doc_id, int) or isinstance(doc_id, bool):
        raise InvalidError(BAD_CURSOR, field="cursor")
    return float(key), doc_id
