"""The shared client: retries with backoff on 429 and 5xx, Retry-After, clear final errors."""

from __future__ import annotations

import httpx
import pytest

from microreach.connectors.errors import ConnectorError, RateLimited, ServiceUnavailable
from microreach.connectors.http import ApiClient, Page, RetryPolicy, paginate
from tests.connectors.conftest import ContextFor
from tests.connectors.replay import Replay, Sleeps, Step


def _no_check(response: httpx.Response, account: str | None) -> ConnectorError | None:
    return None


def _client(context_for: ContextFor, replay: Replay) -> ApiClient:
    return ApiClient("testplatform", "https://api.example/", context_for(replay), _no_check)


def test_429_with_retry_after_waits_that_long_then_succeeds(
    context_for: ContextFor, sleeps: Sleeps
) -> None:
    replay = Replay(
        Step("GET", "/items", {"error": "slow down"}, status=429, headers={"Retry-After": "7"}),
        Step("GET", "/items", {"items": [1]}),
    )
    assert _client(context_for, replay).get_json("items") == {"items": [1]}
    assert sleeps.calls == [7.0]
    assert replay.done()


def test_5xx_is_retried_with_growing_backoff_and_then_reported(
    context_for: ContextFor, sleeps: Sleeps
) -> None:
    replay = Replay(*[Step("GET", "/items", {"error": "boom"}, status=503) for _ in range(4)])
    with pytest.raises(ServiceUnavailable) as info:
        _client(context_for, replay).request("GET", "items", account="@nora")
    message = str(info.value)
    assert message.startswith("testplatform for @nora:")
    assert "HTTP 503" in message and "gave up after 4 attempts" in message
    # No jitter: half of 1, 2 and 4 seconds; no wait after the last attempt.
    assert sleeps.calls == [0.5, 1.0, 2.0]


def test_a_retry_after_beyond_the_longest_wait_is_raised_at_once(
    context_for: ContextFor, sleeps: Sleeps
) -> None:
    replay = Replay(Step("GET", "/items", {}, status=429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimited) as info:
        _client(context_for, replay).request("GET", "items")
    assert info.value.retry_after == 3600.0
    assert sleeps.calls == []


def test_network_errors_are_retried(context_for: ContextFor, sleeps: Sleeps) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectTimeout("timed out", request=request)
        return httpx.Response(200, json={"ok": True})

    replay = Replay()
    replay.transport = httpx.MockTransport(handler)
    client = ApiClient(
        "p", "https://api.example/", context_for(replay), _no_check, retry=RetryPolicy(2)
    )
    assert client.get_json("x") == {"ok": True}
    assert len(calls) == 2 and len(sleeps.calls) == 1


def test_paginate_follows_cursors_stops_at_the_limit_and_on_a_repeated_cursor() -> None:
    pages = {None: Page([1, 2], "a"), "a": Page([3, 4], "b"), "b": Page([5], "a")}
    fetched: list[str | None] = []

    def fetch(cursor: str | None) -> Page[int]:
        fetched.append(cursor)
        return pages[cursor]

    assert list(paginate(fetch)) == [1, 2, 3, 4, 5]
    assert fetched == [None, "a", "b"]
    fetched.clear()
    assert list(paginate(fetch, limit=3)) == [1, 2, 3]
    assert fetched == [None, "a"]


def test_failed_attempts_are_counted_by_platform_and_kind(
    context_for: ContextFor, sleeps: Sleeps
) -> None:
    from prometheus_client import REGISTRY

    def count(kind: str) -> float:
        labels = {"platform": "testplatform", "kind": kind}
        return REGISTRY.get_sample_value("microreach_connector_errors_total", labels) or 0.0

    before = {kind: count(kind) for kind in ("rate_limited", "server")}
    replay = Replay(
        Step("GET", "/items", {"error": "slow down"}, status=429, headers={"Retry-After": "1"}),
        Step("GET", "/items", {"error": "boom"}, status=502),
        Step("GET", "/items", {"items": []}),
    )
    assert _client(context_for, replay).get_json("items") == {"items": []}
    assert count("rate_limited") == before["rate_limited"] + 1
    assert count("server") == before["server"] + 1
