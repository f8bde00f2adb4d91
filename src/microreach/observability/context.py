"""The request id of the work in progress, carried in a contextvar into logs and jobs."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

REQUEST_ID_HEADER = "X-Request-ID"
MAX_REQUEST_ID_LENGTH = 128
# What a proxy or client may send us: uuids, ULIDs, hex, base64-ish ids. Anything else (spaces,
# quotes, control characters that could forge a log line, overlong values) gets a fresh id.
_SANE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:=+/-]{{0,{MAX_REQUEST_ID_LENGTH - 1}}}")

_request_id: ContextVar[str | None] = ContextVar("microreach_request_id", default=None)


def new_request_id() -> str:
    """A fresh random id: 32 lower-case hex characters.

    Unique, not secret: the Mersenne Twister (reseeded in forked children) costs a tenth of a
    microsecond where `uuid4` reads the OS random source (several microseconds under load).
    """
    return f"{random.getrandbits(128):032x}"


def accept_request_id(incoming: str | None) -> str:
    """The incoming id when it is sane, otherwise a fresh one."""
    if incoming and _SANE.fullmatch(incoming):
        return incoming
    return new_request_id()


def current_request_id() -> str | None:
    """The id of the request (or the job started from it) this code runs for, if any.

    Capture it when enqueueing a job and pass it to `bind_request_id` in the job, so the
    job's log lines carry the id of the request that asked for it.
    """
    return _request_id.get()


@contextmanager
def bind_request_id(request_id: str | None = None) -> Iterator[str]:
    """Run the block under ``request_id`` (a fresh id when None); restores the previous one."""
    value = request_id or new_request_id()
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


def set_request_id(request_id: str | None) -> Token[str | None]:
    """Low-level: set the id and return the token for `reset_request_id` (the middleware)."""
    return _request_id.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    _request_id.reset(token)
