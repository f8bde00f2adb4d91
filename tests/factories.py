"""Plain functions that make valid rows with sensible defaults; override what a test needs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from microreach.creators.enums import DataSource, Platform, PostType
from microreach.creators.models import Creator, PlatformAccount, Post

_counter = itertools.count(1)
BASE_TIME = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def make_creator(session: Session, **overrides: Any) -> Creator:
    n = next(_counter)
    values: dict[str, Any] = {"name": f"Creator {n}", "source": DataSource.MANUAL}
    values.update(overrides)
    creator = Creator(**values)
    session.add(creator)
    session.flush()
    return creator


def make_account(
    session: Session, creator: Creator | None = None, **overrides: Any
) -> PlatformAccount:
    n = next(_counter)
    creator = creator or make_creator(session)
    values: dict[str, Any] = {
        "creator_id": creator.id,
        "platform": Platform.INSTAGRAM,
        "handle": f"creator_{n}",
        "external_id": f"ext{n}",
        "display_name": f"Creator {n}",
        "followers": 12_000,
        "following": 450,
        "media_count": 320,
        "country": "US",
        "language": "en",
        "source": DataSource.MANUAL,
    }
    values.update(overrides)
    account = PlatformAccount(**values)
    session.add(account)
    session.flush()
    return account


def make_post(session: Session, account: PlatformAccount | None = None, **overrides: Any) -> Post:
    n = next(_counter)
    account = account or make_account(session)
    values: dict[str, Any] = {
        "account_id": account.id,
        "platform_post_id": f"p{n}",
        "post_type": PostType.PHOTO,
        "caption": "Morning run #fitness",
        "hashtags": ["fitness"],
        "mentions": [],
        "posted_at": BASE_TIME - timedelta(days=n % 30),
        "source": DataSource.MANUAL,
    }
    values.update(overrides)
    post = Post(**values)
    session.add(post)
    session.flush()
    return post
