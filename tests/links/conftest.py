"""Fixtures for the link service, API and redirect tests: organisations with API keys, and a
client on the app with settings that need no DNS and check the link cache on every request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from microreach.accounts.enums import ApiScope
from microreach.accounts.models import ApiKey, Organisation
from microreach.accounts.security import api_key_digest, new_api_key
from microreach.config import Settings
from microreach.db.session import Database
from tests.accounts.support import make_organisation
from tests.web.support import TestClient, running_client

BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@dataclass
class Tenant:
    organisation: Organisation
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_tenant(
    session: Session, settings: Settings, scopes: tuple[ApiScope, ...] = (ApiScope.LINKS_WRITE,)
) -> Tenant:
    organisation = make_organisation(session)
    secret, prefix = new_api_key()
    session.add(
        ApiKey(
            organisation_id=organisation.id,
            name="tests",
            prefix=prefix,
            secret_hash=api_key_digest(settings.secret_key or "", secret),
            scopes=[scope.value for scope in scopes],
        )
    )
    session.flush()
    return Tenant(organisation, secret)


@pytest.fixture
def link_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"destination_check_dns": False, "link_cache_check_ms": 0, "click_batch_wait_ms": 0}
    )


@pytest.fixture
def tenant(session: Session, link_settings: Settings) -> Tenant:
    return make_tenant(session, link_settings)


@pytest.fixture
def other_tenant(session: Session, link_settings: Settings) -> Tenant:
    return make_tenant(session, link_settings)


@pytest.fixture
def client(link_settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(link_settings, database) as client:
        client.headers["User-Agent"] = BROWSER_UA
        yield client
