"""Test helpers for the web layer: an HTTP client on the app, snapshot factories, link checks."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators.enums import DataSource
from microreach.creators.models import AccountSnapshot, PlatformAccount, Post, PostSnapshot
from microreach.db.session import Database
from microreach.web.app import create_app

with warnings.catch_warnings():
    # Starlette now prefers the httpx2 package for its test client; httpx works the same here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@contextmanager
def running_client(
    settings: Settings, database: Database, *, raise_server_exceptions: bool = True
) -> Iterator[TestClient]:
    """A client speaking HTTP to a fresh app whose sessions join the test's transaction."""
    with TestClient(
        create_app(settings, database), raise_server_exceptions=raise_server_exceptions
    ) as client:
        yield client


def app_of(client: TestClient) -> FastAPI:
    app = client.app
    assert isinstance(app, FastAPI)
    return app


def make_account_snapshot(
    session: Session, account: PlatformAccount, captured_at: datetime, followers: int
) -> AccountSnapshot:
    snapshot = AccountSnapshot(
        account_id=account.id,
        captured_at=captured_at,
        followers=followers,
        source=DataSource.MANUAL,
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def make_post_snapshot(
    session: Session, post: Post, captured_at: datetime, **counts: Any
) -> PostSnapshot:
    snapshot = PostSnapshot(
        post_id=post.id, captured_at=captured_at, source=DataSource.MANUAL, **counts
    )
    session.add(snapshot)
    session.flush()
    return snapshot


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "action", "hx-get", "data-openapi-url"} and value:
                self.urls.append(value)


def references(html: str) -> list[str]:
    """Every URL an HTML page loads or links to (src, href, action, hx-get)."""
    parser = _References()
    parser.feed(html)
    return parser.urls


def is_local(url: str) -> bool:
    """A path on this server or a fragment of this page."""
    return url.startswith(("/", "#")) and not url.startswith("//")
