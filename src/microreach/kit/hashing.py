"""Keyed hashes that let microreach recognise a person without storing who they are."""

from __future__ import annotations

import hashlib
import hmac

HASH_HEX_LENGTH = 32


def commenter_hash(secret_key: str, platform: str, handle: str) -> str:
    """A stable, keyed, non-reversible id for a commenter on a platform (128 bits, hex)."""
    message = f"{platform}:{handle.strip().lstrip('@').lower()}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()
    return digest[:HASH_HEX_LENGTH]
