"""Errors the link building blocks raise, inside the project's one error hierarchy."""

from __future__ import annotations

from microreach.kit.errors import InvalidError

MAX_SHOWN_VALUE = 120


def shown(value: object) -> str:
    """The value as a message quotes it: repr, cut so a 2 KB URL cannot flood a log line."""
    text = repr(value)
    if len(text) <= MAX_SHOWN_VALUE:
        return text
    return text[: MAX_SHOWN_VALUE - 1] + "…"


class LinkError(InvalidError):
    """A link input was refused; `field` names the input and `reason` is a stable code."""

    def __init__(self, field: str, value: object, reason: str, message: str) -> None:
        super().__init__(f"{shown(value)} {message}", field=field)
        self.value = value
        self.reason = reason


class InvalidSlugError(LinkError):
    """A custom slug that cannot be used."""

    def __init__(self, value: str, reason: str, message: str, *, field: str = "slug") -> None:
        super().__init__(field, value, reason, message)


class UnsafeDestinationError(LinkError):
    """A destination URL that a tracked link must not redirect to."""

    def __init__(
        self, value: str, reason: str, message: str, *, field: str = "destination"
    ) -> None:
        super().__init__(field, value, reason, message)
