"""The Shopify orders/create webhook: HMAC check, attribution by discount code and by the
mr_cid of the landing site, idempotency by order id. Payloads are recorded in Shopify's
documented Order format (tests/conversions/data)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.campaigns.models import Campaign
from microreach.config import Settings
from microreach.conversions.models import Conversion
from microreach.conversions.shopify import click_id_of, signature_valid
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.links.models import Link
from tests.conversions.conftest import SHOPIFY_SECRET, make_click
from tests.links.conftest import Tenant
from tests.web.support import TestClient, running_client

DATA = Path(__file__).with_name("data")


def payload(name: str, **values: str) -> bytes:
    text = (DATA / name).read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.encode()


def sign(body: bytes, secret: str = SHOPIFY_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def deliver(client: TestClient, tenant: Tenant, body: bytes, signature: str | None = None) -> Any:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "jsmith.myshopify.com",
    }
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    return client.post(
        f"/api/v1/webhooks/shopify/{tenant.organisation.slug}", content=body, headers=headers
    )


def stored(session: Session, tenant: Tenant) -> list[Conversion]:
    query = sa.select(Conversion).where(Conversion.organisation_id == tenant.organisation.id)
    return list(session.scalars(query))


def add_code(
    client: TestClient, tenant: Tenant, code: str, creator_id: uuid.UUID, **body: Any
) -> None:
    response = client.post(
        "/api/v1/promo-codes",
        json={"code": code, "creator_id": str(creator_id), **body},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text


def test_an_order_with_a_discount_code_is_credited_to_its_creator(
    client: TestClient, tenant: Tenant, session: Session, creator_id: uuid.UUID, campaign: Campaign
) -> None:
    add_code(client, tenant, "JANE10", creator_id, campaign_id=str(campaign.id))
    body = payload("orders_create_discount_code.json", code="jane10")
    response = deliver(client, tenant, body, sign(body))
    assert response.status_code == 201, response.text
    conversion = response.json()
    assert conversion["order_id"] == "820982911946154508"
    assert conversion["source"] == "shopify"
    assert (conversion["amount_minor"], conversion["currency"]) == (40300, "USD")
    assert conversion["occurred_at"].startswith("2026-11-21T00:00:00")
    assert conversion["rule"] == "promo_code"
    assert conversion["creator_id"] == str(creator_id)
    assert conversion["campaign_id"] == str(campaign.id)


def test_an_order_is_credited_by_the_click_id_of_its_landing_site(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    click = make_click(session, link, utcnow() - timedelta(days=3))
    body = payload("orders_create_landing_site.json", mr_cid=str(click.id))
    # The recorded order is dated 2026-11-20; make it a day after the click.
    document = json.loads(body)
    document["created_at"] = (utcnow() - timedelta(days=2)).isoformat()
    body = json.dumps(document).encode()
    response = deliver(client, tenant, body, sign(body))
    assert response.status_code == 201, response.text
    conversion = response.json()
    assert (conversion["rule"], conversion["link_id"]) == ("last_click", str(link.id))
    assert conversion["click_id"] == str(click.id)
    assert (conversion["amount_minor"], conversion["currency"]) == (8999, "EUR")


def test_a_redelivered_webhook_is_stored_once(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    body = payload("orders_create_discount_code.json", code="NONE")
    first = deliver(client, tenant, body, sign(body))
    again = deliver(client, tenant, body, sign(body))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert len(stored(session, tenant)) == 1


@pytest.mark.parametrize("kind", ["missing", "empty", "not base64", "other body", "other secret"])
def test_a_bad_or_missing_signature_is_401_and_stores_nothing(
    client: TestClient, tenant: Tenant, session: Session, kind: str
) -> None:
    body = payload("orders_create_discount_code.json", code="JANE10")
    signature = {
        "missing": None,
        "empty": "",
        "not base64": "not base64!",
        "other body": sign(b"another body"),
        "other secret": sign(body, secret="another secret"),
    }[kind]
    response = deliver(client, tenant, body, signature)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert stored(session, tenant) == []


def test_a_tampered_body_is_refused(client: TestClient, tenant: Tenant, session: Session) -> None:
    body = payload("orders_create_discount_code.json", code="JANE10")
    tampered = body.replace(b'"total_price": "403.00"', b'"total_price": "4.03"')
    assert tampered != body
    assert deliver(client, tenant, tampered, sign(body)).status_code == 401
    assert stored(session, tenant) == []


def test_webhooks_are_refused_until_a_secret_is_set(
    settings: Settings, database: Database, tenant: Tenant, session: Session
) -> None:
    body = payload("orders_create_discount_code.json", code="JANE10")
    with running_client(settings, database) as client:
        assert deliver(client, tenant, body, sign(body)).status_code == 401
    assert stored(session, tenant) == []


def test_an_unknown_organisation_is_404_after_the_signature(
    client: TestClient, tenant: Tenant
) -> None:
    body = payload("orders_create_discount_code.json", code="JANE10")
    response = client.post(
        "/api/v1/webhooks/shopify/no-such-org",
        content=body,
        headers={"X-Shopify-Hmac-Sha256": sign(body)},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "ZZZ"}, "currency"),
        ({"total_price": "-1.00"}, "total_price"),
        ({"total_price": "1.2.3"}, "total_price"),
        ({"id": None}, "id"),
        ({"created_at": "yesterday"}, "created_at"),
    ],
)
def test_a_bad_order_is_a_problem_naming_the_field(
    client: TestClient, tenant: Tenant, session: Session, change: dict[str, Any], field: str
) -> None:
    document = json.loads(payload("orders_create_discount_code.json", code="X"))
    document.update(change)
    body = json.dumps(document).encode()
    response = deliver(client, tenant, body, sign(body))
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert stored(session, tenant) == []


def test_signature_check_vectors() -> None:
    body = b'{"id":1}'
    good = sign(body, "s3cret")
    assert signature_valid("s3cret", body, good)
    assert not signature_valid("s3cret", body + b" ", good)
    assert not signature_valid("", body, good)
    assert not signature_valid("s3cret", body, None)


@pytest.mark.parametrize(
    ("landing_site", "expected"),
    [
        ("/products/x?mr_cid=abc&utm_source=ig", "abc"),
        ("https://shop.example.com/?mr_cid=abc", "abc"),
        ("/products/x?utm_source=ig", None),
        (None, None),
        ("", None),
    ],
)
def test_click_id_of_a_landing_site(landing_site: str | None, expected: str | None) -> None:
    assert click_id_of(landing_site) == expected
