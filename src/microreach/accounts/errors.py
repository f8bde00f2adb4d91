"""Errors of the accounts domain that carry an HTTP meaning beyond the kit hierarchy."""

from __future__ import annotations

from microreach.kit.errors import MicroreachError


class UnauthorizedError(MicroreachError):
    """No valid credentials: not signed in, or an unknown, revoked or malformed API key."""

    status_code = 401
    title = "Unauthorized"


class RateLimitedError(MicroreachError):
    """Too many failed attempts; try again after ``retry_after`` seconds."""

    status_code = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
