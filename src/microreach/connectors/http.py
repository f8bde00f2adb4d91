"""The HTTP client every connector shares: timeouts, retries with backoff and jitter, rate-limit
headers, and a cursor pagination helper.

Each platform supplies `check(response, account)`, which turns its error bodies into the
exceptions of `connectors.errors`; the client decides whether to wait and retry: 429, 5xx,
timeouts and platform errors marked retryable are retried (Retry-After or a platform hint is
honoured when it is no longer than `max_delay`, otherwise the error is raised at once so the
scheduler can come back later).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx

from microreach.connectors.base import ConnectorContext
from microreach.connectors.errors import (
    AccountNotFound,
    ApiError,
    ConnectorError,
    PrivateAccount,
    QuotaExceeded,
    RateLimited,
    ServiceUnavailable,
    TokenExpired,
)
from microreach.kit.clock import utcnow
from microreach.observability import metrics

log = logging.getLogger(__name__)

T = TypeVar("T")
ResponseCheck = Callable[[httpx.Response, str | None], ConnectorError | None]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # first try included
    base_delay: float = 1.0
    max_delay: float = 60.0

    def backoff(self, attempt: int, jitter: float) -> float:
        """Half jitter: between half and all of base * 2**attempt, capped (attempt from 0)."""
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return float(ceiling * (0.5 + jitter / 2))


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header as seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def default_check(response: httpx.Response, account: str | None, platform: str) -> ConnectorError:
    """The fallback for an error status whose body the platform module did not recognise."""
    if response.status_code == 429:
        return RateLimited(
            platform,
            "too many requests",
            account=account,
            retry_after=retry_after_seconds(response),
        )
    if response.status_code >= 500:
        return ServiceUnavailable(
            platform, f"the API answered HTTP {response.status_code}", account=account
        )
    return ApiError(platform, f"the API answered HTTP {response.status_code}", account=account)


class ApiClient:
    """One platform's API over httpx, with retries; use as a context manager or call close()."""

    def __init__(
        self,
        platform: str,
        base_url: str,
        context: ConnectorContext,
        check: ResponseCheck,
        *,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        on_response: Callable[[httpx.Response], None] | None = None,
    ) -> None:
        self.platform = platform
        self._check = check
        self._sleep = context.sleep
        self._jitter = context.jitter
        self._retry = retry or RetryPolicy()
        self._on_response = on_response
        self._http = httpx.Client(
            base_url=base_url,
            transport=context.transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": "microreach/0.1 (+https://github.com/microreach)"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.request("GET", path, params=params, **kwargs).json()

    def request(
        self,
        method: str,
        path: str,
        *,
        account: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send, retrying what can be retried; raise a ConnectorError for what cannot."""
        last: ConnectorError | None = None
        for attempt in range(self._retry.attempts):
            try:
                response = self._http.request(
                    method, path, params=params, json=json, data=data, headers=headers
                )
            except httpx.TransportError as exc:
                last = ServiceUnavailable(
                    self.platform, f"no answer ({type(exc).__name__})", account=account
                )
                _count(self.platform, "timeout" if isinstance(exc, httpx.TimeoutException)
                       else "unreachable")  # fmt: skip
                self._wait(attempt, None, last)
                continue
            if self._on_response is not None:
                self._on_response(response)
            error = self._check(response, account)
            if error is None and response.is_success:
                return response
            last = error or default_check(response, account, self.platform)
            _count(self.platform, error_kind(last))
            if not last.retryable:
                raise last
            self._wait(attempt, getattr(last, "retry_after", None), last)
        assert last is not None
        message = f"{_strip_prefix(last)} (gave up after {self._retry.attempts} attempts)"
        if isinstance(last, RateLimited):
            raise RateLimited(
                self.platform, message, account=account, retry_after=last.retry_after
            ) from last
        raise type(last)(self.platform, message, account=account) from last

    def _wait(self, attempt: int, hinted: float | None, error: ConnectorError) -> None:
        if attempt + 1 >= self._retry.attempts:
            return
        if hinted is not None and hinted > self._retry.max_delay:
            raise error
        delay = hinted if hinted is not None else self._retry.backoff(attempt, self._jitter())
        log.info("%s; retrying in %.1f s", error, delay)
        self._sleep(delay)


def error_kind(error: ConnectorError) -> str:
    """The `kind` label of `microreach_connector_errors` for an error."""
    kinds: tuple[tuple[type[ConnectorError], str], ...] = (
        (RateLimited, "rate_limited"),
        (QuotaExceeded, "quota"),
        (TokenExpired, "auth"),
        (AccountNotFound, "not_found"),
        (PrivateAccount, "private"),
        (ServiceUnavailable, "server"),
    )
    for kind, label in kinds:
        if isinstance(error, kind):
            return label
    return "invalid_response"


def _count(platform: str, kind: str) -> None:
    metrics.CONNECTOR_ERRORS.labels(platform=platform, kind=kind).inc()


def _strip_prefix(error: ConnectorError) -> str:
    """The message without the "platform for account: " prefix the constructor adds."""
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def paginate(fetch: Callable[[str | None], Page[T]], limit: int | None = None) -> Iterator[T]:
    """Items across pages until the cursor runs out or `limit` items were yielded."""
    cursor: str | None = None
    seen = 0
    seen_cursors: set[str] = set()
    while True:
        page = fetch(cursor)
        for item in page.items:
            if limit is not None and seen >= limit:
                return
            seen += 1
            yield item
        # A cursor seen before means the platform is looping: stop rather than spin.
        if not page.next_cursor or not page.items or page.next_cursor in seen_cursors:
            return
        if limit is not None and seen >= limit:
            return
        seen_cursors.add(page.next_cursor)
        cursor = page.next_cursor
