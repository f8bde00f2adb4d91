"""A database outage on the redirect path: warm links keep redirecting from the cache, a link
the cache does not hold is a 503 (try again), never a 404 or a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from tests.links.conftest import Tenant
from tests.links.test_api import create
from tests.web.support import TestClient, app_of


def test_warm_links_survive_a_database_outage(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm = create(client, tenant)
    cold = create(client, tenant)
    assert client.get(f"/{warm['slug']}", follow_redirects=False).status_code == 302
    cache = app_of(client).state.redirector.cache

    def down(*_args: object) -> object:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(cache, "_read_version", down)
    monkeypatch.setattr(cache, "_load_keys", down)
    monkeypatch.setattr(cache, "_next_check", 0.0)
    monkeypatch.setattr(app_of(client).state.redirector.writer, "record", _ok)
    answer = client.get(f"/{warm['slug']}", follow_redirects=False)
    assert answer.status_code == 302
    unknown = client.get(f"/{cold['slug']}", follow_redirects=False)
    assert unknown.status_code == 503 and unknown.headers["retry-after"] == "1"


async def _ok(_record: object) -> None:
    return None
