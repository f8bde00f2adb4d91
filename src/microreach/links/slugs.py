"""Short-link slugs: random ones that cannot be guessed, and checks for the ones people choose.

Generated slugs are `DEFAULT_LENGTH` characters drawn with `secrets` from the 62 base62
characters, so 62**7 ≈ 3.5e12 values (about 41.7 bits). Slugs are case-sensitive: `aB3` and
`ab3` are different links.

Collisions are handled by the caller, not here: the slug column is unique, and the service
inserts a candidate from `slug_candidates()` and, when the database reports a unique conflict,
tries the next one. With a million links stored, one draw collides with probability about
3e-7, so `DEFAULT_ATTEMPTS` draws all colliding would mean something else is wrong (a broken
random source or a full space) and the caller should report a conflict.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterator

from microreach.links.errors import InvalidSlugError

ALPHABET = string.digits + string.ascii_lowercase + string.ascii_uppercase
DEFAULT_LENGTH = 7
MIN_GENERATED_LENGTH = 6
DEFAULT_ATTEMPTS = 5

MAX_CUSTOM_LENGTH = 64
CUSTOM_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
RESERVED_PREFIXES = ("@", "_")

# Paths the application serves itself, today or as its domains arrive; a slug is served at
# `/{slug}`, so one of these would shadow a route or look like one. Compared case-insensitively.
RESERVED_SLUGS = frozenset(
    {
        "account",
        "admin",
        "api",
        "app",
        "assets",
        "brands",
        "campaigns",
        "clicks",
        "creators",
        "dashboard",
        "docs",
        "favicon.ico",
        "health",
        "readyz",
        "healthz",
        "links",
        "login",
        "logout",
        "metrics",
        "openapi.json",
        "portal",
        "qr",
        "redoc",
        "reports",
        "robots.txt",
        "settings",
        "signup",
        "static",
        ".well-known",
    }
)


def generate_slug(length: int = DEFAULT_LENGTH) -> str:
    """A random base62 slug from the operating system's secure random source."""
    if length < MIN_GENERATED_LENGTH:
        raise ValueError(f"generated slugs need at least {MIN_GENERATED_LENGTH} characters")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def slug_candidates(
    attempts: int = DEFAULT_ATTEMPTS, length: int = DEFAULT_LENGTH
) -> Iterator[str]:
    """Fresh slugs to try in turn until one is inserted without a unique conflict."""
    for _ in range(attempts):
        yield generate_slug(length)


def validate_custom_slug(value: str) -> str:
    """Return a slug a person chose, unchanged, or raise `InvalidSlugError` saying why not."""
    if not value:
        raise InvalidSlugError(value, "empty", "is empty; a slug needs at least 1 character")
    if len(value) > MAX_CUSTOM_LENGTH:
        raise InvalidSlugError(
            value,
            "too_long",
            f"has {len(value)} characters; a slug has at most {MAX_CUSTOM_LENGTH}",
        )
    if value.startswith(RESERVED_PREFIXES):
        raise InvalidSlugError(
            value, "reserved_prefix", f"starts with {value[0]!r}, which is kept for the app"
        )
    if value.lower() in RESERVED_SLUGS:
        raise InvalidSlugError(value, "reserved", "is reserved for the app's own pages")
    if not CUSTOM_PATTERN.fullmatch(value):
        bad = sorted({char for char in value if not CUSTOM_PATTERN.fullmatch(char)})
        raise InvalidSlugError(
            value,
            "charset",
            f"contains {''.join(bad)!r}; use only letters A-Z a-z, digits, '-' and '_'",
        )
    return value
