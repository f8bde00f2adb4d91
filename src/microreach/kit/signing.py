"""Signed, expiring tokens for links sent to people (password resets, invitations)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime


class BadSignatureError(ValueError):
    """The token was not issued by this installation for this purpose, or was altered."""


class ExpiredTokenError(BadSignatureError):
    """The token is genuine but its time is up."""


def sign(secret_key: str, purpose: str, payload: str, expires_at: datetime) -> str:
    """``payload`` and its expiry, readable by anyone, unforgeable without ``secret_key``."""
    body = f"{_encode(payload.encode())}.{int(expires_at.timestamp())}"
    return f"{body}.{_mac(secret_key, purpose, body)}"


def unsign(secret_key: str, purpose: str, token: str, now: datetime) -> str:
    """The payload of a genuine, unexpired token; BadSignatureError or ExpiredTokenError."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise BadSignatureError("malformed token")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(secret_key, purpose, body), parts[2]):
        raise BadSignatureError("bad signature")
    if now.timestamp() >= int(parts[1]):
        raise ExpiredTokenError("expired")
    try:
        return _decode(parts[0]).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise BadSignatureError("malformed payload") from None


def _mac(secret_key: str, purpose: str, body: str) -> str:
    # One derived key per purpose: a reset token can never pass as an invitation.
    key = hmac.new(secret_key.encode(), f"microreach-signing:{purpose}".encode(), hashlib.sha256)
    return _encode(hmac.new(key.digest(), body.encode(), hashlib.sha256).digest())


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
