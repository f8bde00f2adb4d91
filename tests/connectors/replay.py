"""Replays recorded API responses through httpx.MockTransport, in the order a test expects."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).with_name("fixtures")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Step:
    method: str
    path: str  # the request path must end with this
    body: str | Any  # a fixture file name, or a JSON-able value
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)  # must be in the query string


class Replay:
    """A transport that answers each request with the next step, checking method and path."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self.steps, f"unexpected request {request.method} {request.url}"
        step = self.steps.pop(0)
        assert request.method == step.method, (request.method, step)
        assert request.url.path.endswith(step.path), (request.url.path, step.path)
        for key, value in step.params.items():
            assert request.url.params.get(key) == value, (key, request.url.params.get(key))
        body = fixture(step.body) if isinstance(step.body, str) else step.body
        return httpx.Response(step.status, json=body, headers=dict(step.headers))

    def done(self) -> bool:
        return not self.steps


class Sleeps:
    """A fake sleep that records how long it was asked to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def no_jitter() -> float:
    return 0.0


Jitter = Callable[[], float]
