"""Shopify `orders/create` webhooks: the HMAC check and the parts of the order we read.

Shopify signs each webhook with HMAC-SHA256 of the raw request body under the app's client
secret and sends it base64-encoded in `X-Shopify-Hmac-Sha256`. The order is Shopify's REST
Order resource: `id`, `total_price` (decimal string), `currency` (the shop's ISO 4217 code),
`discount_codes[].code`, `landing_site` (the path and query the visit landed on, where the
short link put `mr_cid`) and `created_at` (ISO 8601 with offset).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from microreach.kit.errors import InvalidError

CLICK_PARAMETER = "mr_cid"


@dataclass(frozen=True, slots=True)
class ShopifyOrder:
    order_id: str
    total_price: str
    currency: str
    discount_codes: tuple[str, ...]
    click_id: str | None
    created_at: datetime | None


def signature_valid(secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` is the base64 HMAC-SHA256 of `body` under `secret`."""
    if not secret or not signature:
        return False
    try:
        received = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, received)


def parse_order(body: bytes) -> ShopifyOrder:
    """The fields attribution needs; InvalidError naming the field when one is unusable."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise InvalidError("is not a JSON document", field="body") from None
    if not isinstance(payload, dict):
        raise InvalidError("is not a JSON object", field="body")
    order_id = payload.get("id")
    if isinstance(order_id, bool) or not isinstance(order_id, int | str) or order_id == "":
        raise InvalidError("is missing", field="id")
    return ShopifyOrder(
        order_id=str(order_id),
        total_price=_text(payload, "total_price"),
        currency=_text(payload, "currency"),
        discount_codes=_codes(payload.get("discount_codes")),
        click_id=click_id_of(payload.get("landing_site")),
        created_at=_time(payload.get("created_at")),
    )


def click_id_of(landing_site: Any) -> str | None:
    """The mr_cid query parameter of a landing URL (absolute or path only)."""
    if not isinstance(landing_site, str) or not landing_site:
        return None
    values = parse_qs(urlsplit(landing_site).query).get(CLICK_PARAMETER)
    return values[-1] if values else None


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidError("is missing", field=key)
    return value


def _codes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    codes = (item.get("code") for item in value if isinstance(item, dict))
    return tuple(code for code in codes if isinstance(code, str) and code.strip())


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidError(f"{value!r} is not an ISO 8601 time", field="created_at") from None
    if parsed.tzinfo is None:
        raise InvalidError("has no UTC offset", field="created_at")
    return parsed
