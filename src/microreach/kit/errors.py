"""The error hierarchy every layer raises; web, API and CLI each map it once."""

from __future__ import annotations


class MicroreachError(Exception):
    """Base of every error microreach reports to a person."""

    status_code = 400
    title = "Bad request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidError(MicroreachError):
    status_code = 422
    title = "Invalid input"


class NotFoundError(MicroreachError):
    status_code = 404
    title = "Not found"


class ConflictError(MicroreachError):
    status_code = 409
    title = "Conflict"


class ForbiddenError(MicroreachError):
    status_code = 403
    title = "Forbidden"


class ConfigError(MicroreachError):
    """A setting is missing, malformed or unusable; names the MICROREACH_* variable."""

    title = "Configuration error"

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message, field=setting)
        self.setting = setting
