"""Errors a platform API can answer with, each with a message a person can act on."""

from __future__ import annotations

from datetime import datetime

from microreach.kit.errors import MicroreachError


class ConnectorError(MicroreachError):
    """A platform API refused or failed a request; `account` names whose data was asked for."""

    status_code = 502
    title = "Platform API error"
    retryable = False

    def __init__(self, platform: str, message: str, *, account: str | None = None) -> None:
        who = f" for {account}" if account else ""
        super().__init__(f"{platform}{who}: {message}")
        self.platform = platform
        self.account = account


class TokenExpired(ConnectorError):  # noqa: N818
    """The access token has expired or was invalidated; a refresh or a new sign-in fixes it."""

    status_code = 401
    title = "Platform token expired"


class TokenRevoked(TokenExpired):
    """The person removed the app or changed their password: only reconnecting helps."""

    title = "Platform access revoked"


class AccountNotFound(ConnectorError):  # noqa: N818
    status_code = 404
    title = "Platform account not found"


class PrivateAccount(ConnectorError):  # noqa: N818
    status_code = 403
    title = "Platform account is private"


class RateLimited(ConnectorError):  # noqa: N818
    """Too many calls for now; `retry_after` (seconds) is the platform's hint when it gives one."""

    status_code = 429
    title = "Platform rate limit"
    retryable = True

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        account: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(platform, message, account=account)
        self.retry_after = retry_after


class QuotaExceeded(ConnectorError):  # noqa: N818
    """The daily quota is spent; nothing more can be asked until `resets_at`."""

    status_code = 429
    title = "Platform quota exceeded"

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        account: str | None = None,
        resets_at: datetime | None = None,
    ) -> None:
        super().__init__(platform, message, account=account)
        self.resets_at = resets_at


class ServiceUnavailable(ConnectorError):  # noqa: N818
    """The platform answered 5xx or not at all, after every retry."""

    status_code = 503
    title = "Platform unavailable"
    retryable = True


class ApiError(ConnectorError):
    """Any other refusal (bad parameters, missing permission): retrying will not help."""
