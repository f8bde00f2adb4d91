"""What the campaign ledger reads: a creator's human clicks and credited conversions in one
campaign (conversions.service.creator_campaign_performance), and the documented settings."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from microreach.config import Settings, load_settings
from microreach.conversions import service
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConfigError
from microreach.links.models import ClickRollup, Link
from tests.conversions.conftest import make_click
from tests.links.conftest import Tenant
from tests.web.support import TestClient

ROOT = Path(__file__).parents[2]
SETTINGS = ("attribution_window_days", "attribution_rule", "shopify_webhook_secret")


def rollup(session: Session, link: Link, clicks: int, *, bot: bool) -> None:
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    session.add(
        ClickRollup(
            link_id=link.id,
            hour=hour,
            country="",
            device="mobile",
            referrer="",
            is_bot=bot,
            clicks=clicks,
            uniques=clicks,
        )
    )
    session.flush()


def test_performance_of_a_creator_in_a_campaign(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    assert link.campaign_id is not None and link.creator_id is not None
    rollup(session, link, 7, bot=False)
    rollup(session, link, 50, bot=True)
    for number, (amount, currency) in enumerate((("10.00", "EUR"), ("2.50", "EUR"), ("3", "USD"))):
        click = make_click(session, link, utcnow() - timedelta(days=1))
        body = {"order_id": f"p{number}", "amount": amount, "currency": currency}
        response = client.post(
            "/api/v1/conversions", json={**body, "click_id": str(click.id)}, headers=tenant.headers
        )
        assert response.status_code == 201, response.text
    done = service.creator_campaign_performance(
        session, tenant.organisation.id, link.campaign_id, link.creator_id
    )
    assert (done.clicks, done.conversions) == (7, 3)
    assert done.revenue_minor == {"EUR": 1250, "USD": 300}
    other = service.creator_campaign_performance(
        session, uuid.uuid4(), link.campaign_id, link.creator_id
    )
    assert (other.clicks, other.conversions, other.revenue_minor) == (0, 0, {})


@pytest.mark.parametrize("name", SETTINGS)
def test_the_setting_is_described_and_in_the_readme(name: str) -> None:
    assert Settings.model_fields[name].description
    assert f"| `MICROREACH_{name.upper()}` |" in (ROOT / "README.md").read_text()


def test_defaults_and_refused_values(tmp_path: Path) -> None:
    settings = load_settings(environ={"MICROREACH_DATA_DIR": str(tmp_path)})
    assert settings.attribution_window_days == 30
    assert settings.attribution_rule == "promo_code_first_then_last_click"
    assert settings.shopify_webhook_secret is None
    for variable, value in (
        ("MICROREACH_ATTRIBUTION_WINDOW_DAYS", "0"),
        ("MICROREACH_ATTRIBUTION_RULE", "first_click"),
    ):
        with pytest.raises(ConfigError) as error:
            load_settings(environ={"MICROREACH_DATA_DIR": str(tmp_path), variable: value})
        assert error.value.setting == variable


def test_the_campaign_ledger_reads_the_revenue_in_the_campaign_currency(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    from microreach.campaigns.performance import Performance, attributed_performance

    assert link.campaign_id is not None and link.creator_id is not None
    rollup(session, link, 4, bot=False)
    for number, (amount, currency) in enumerate((("10.00", "EUR"), ("3", "USD"))):
        click = make_click(session, link, utcnow() - timedelta(days=1))
        body = {"order_id": f"l{number}", "amount": amount, "currency": currency}
        response = client.post(
            "/api/v1/conversions", json={**body, "click_id": str(click.id)}, headers=tenant.headers
        )
        assert response.status_code == 201, response.text
    org = tenant.organisation.id
    eur = attributed_performance(session, org, link.campaign_id, link.creator_id, "EUR")
    usd = attributed_performance(session, org, link.campaign_id, link.creator_id, "USD")
    assert eur == Performance(clicks=4, conversions=2, revenue_minor=1000)
    assert usd == Performance(clicks=4, conversions=2, revenue_minor=300)
    other = attributed_performance(session, uuid.uuid4(), link.campaign_id, link.creator_id, "EUR")
    assert other == Performance()
