"""Scale profile: a link change published on Redis clears the cache without waiting for the
links_version check."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from microreach.config import Settings
from microreach.db.session import Database
from tests.links.conftest import BROWSER_UA, Tenant
from tests.links.test_api import create
from tests.web.support import TestClient, running_client

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_client(link_settings: Settings, database: Database) -> Iterator[TestClient]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    # Polling effectively off: only the Redis message can clear the cache within the test.
    settings = link_settings.model_copy(
        update={"redis_url": REDIS_URL, "link_cache_check_ms": 3_600_000}
    )
    with running_client(settings, database) as client:
        client.headers["User-Agent"] = BROWSER_UA
        yield client


def test_update_reaches_the_cache_through_redis(redis_client: TestClient, tenant: Tenant) -> None:
    link = create(redis_client, tenant)
    path = f"/{link['slug']}"
    assert redis_client.get(path, follow_redirects=False).status_code == 302
    redis_client.patch(
        f"/api/v1/links/{link['id']}",
        json={"destination": "https://other.example.org/new"},
        headers=tenant.headers,
    )
    deadline = time.monotonic() + 5
    location = ""
    while time.monotonic() < deadline:
        location = redis_client.get(path, follow_redirects=False).headers["location"]
        if location.startswith("https://other.example.org/new"):
            break
        time.sleep(0.02)
    assert location.startswith("https://other.example.org/new?mr_cid=")


@pytest.mark.slow
def test_unreachable_redis_does_not_stop_redirects(
    link_settings: Settings, database: Database, tenant: Tenant
) -> None:
    settings = link_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with running_client(settings, database) as client:
        link = create(client, tenant)
        assert client.get(f"/{link['slug']}", follow_redirects=False).status_code == 302
