"""OAuth 2.0 pieces the platforms share: state, PKCE (RFC 7636, S256) and authorize URLs."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from microreach.kit.errors import InvalidError

VERIFIER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    method: str = "S256"


def code_challenge(verifier: str) -> str:
    """S256: base64url(SHA-256(verifier)) without padding."""
    if not 43 <= len(verifier) <= 128 or any(c not in VERIFIER_ALPHABET for c in verifier):
        raise InvalidError("a PKCE verifier is 43-128 unreserved characters", field="verifier")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce(length: int = 64) -> Pkce:
    verifier = "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(length))
    return Pkce(verifier=verifier, challenge=code_challenge(verifier))


def new_state() -> str:
    """An unguessable value the callback must echo back (kept in the person's session)."""
    return secrets.token_urlsafe(32)


def authorize_url(base: str, params: Mapping[str, str]) -> str:
    return f"{base}?{urlencode(params)}"


def expires_at(now: datetime, seconds: Any) -> datetime | None:
    """An absolute expiry from an `expires_in` field (absent or not a number: unknown)."""
    try:
        return now + timedelta(seconds=int(seconds))
    except (TypeError, ValueError):
        return None
