"""Fixtures for the conversions tests: two organisations with conversions keys, a creator's
link in a campaign, raw clicks on it, and a client with a Shopify webhook secret."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from microreach.accounts.enums import ApiScope
from microreach.campaigns.models import Campaign
from microreach.config import Settings
from microreach.db.session import Database
from microreach.links.clickids import click_id_at
from microreach.links.models import Click, ClickMark, Link
from tests.factories import make_account
from tests.links.conftest import Tenant, make_tenant
from tests.links.test_api import make_campaign
from tests.web.support import TestClient, running_client

SHOPIFY_SECRET = "shpss_test_3f9a1c2b7d4e5f60718293a4b5c6d7e8"
SCOPES = (ApiScope.CONVERSIONS_WRITE,)


@pytest.fixture
def conversion_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"shopify_webhook_secret": SHOPIFY_SECRET, "destination_check_dns": False}
    )


@pytest.fixture
def tenant(session: Session, conversion_settings: Settings) -> Tenant:
    return make_tenant(session, conversion_settings, SCOPES)


@pytest.fixture
def other_tenant(session: Session, conversion_settings: Settings) -> Tenant:
    return make_tenant(session, conversion_settings, SCOPES)


@pytest.fixture
def client(conversion_settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(conversion_settings, database) as client:
        yield client


@pytest.fixture
def creator_id(session: Session) -> uuid.UUID:
    return make_account(session).creator_id


@pytest.fixture
def campaign(session: Session, tenant: Tenant) -> Campaign:
    return make_campaign(session, tenant)


@pytest.fixture
def link(session: Session, tenant: Tenant, creator_id: uuid.UUID, campaign: Campaign) -> Link:
    return make_link(session, tenant, creator_id, campaign.id)


def make_link(
    session: Session, tenant: Tenant, creator_id: uuid.UUID | None, campaign_id: uuid.UUID | None
) -> Link:
    link = Link(
        organisation_id=tenant.organisation.id,
        slug=f"c{uuid.uuid4().hex[:8]}",
        destination="https://shop.example.com/",
        creator_id=creator_id,
        campaign_id=campaign_id,
    )
    session.add(link)
    session.flush()
    return link


def store_click(session: Session, click: Click) -> Click:
    """A click put in as a click writer would: with the mark of its link-hour, so the rollup
    jobs see it."""
    session.add(click)
    session.merge(
        ClickMark(
            recorded_at=click.recorded_at,
            link_id=click.link_id,
            hour=click.occurred_at.replace(minute=0, second=0, microsecond=0),
        )
    )
    session.flush()
    return click


def make_click(session: Session, link: Link, occurred_at: datetime, *, bot: bool = False) -> Click:
    click = Click(
        id=click_id_at(occurred_at),
        link_id=link.id,
        occurred_at=occurred_at,
        recorded_at=occurred_at,
        device="bot" if bot else "mobile",
        os="iOS",
        browser="Safari",
        is_bot=bot,
        bot_name="facebookexternalhit" if bot else None,
        is_unique=True,
        method="GET",
    )
    return store_click(session, click)
