"""POST /api/v1/conversions and the promo code routes: idempotency, replays, attribution by
promo code and by last click, bad input, tenancy and totals."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.campaigns.models import Campaign
from microreach.conversions.models import Conversion
from microreach.kit.clock import utcnow
from microreach.links.models import Link
from tests.conversions.conftest import make_click, make_link
from tests.factories import make_account
from tests.links.conftest import Tenant, make_tenant
from tests.web.support import TestClient

URL = "/api/v1/conversions"


def report(client: TestClient, tenant: Tenant, status: int = 201, **body: Any) -> dict[str, Any]:
    payload = {"order_id": "1001", "amount": "49.90", "currency": "EUR", **body}
    response = client.post(URL, json=payload, headers=tenant.headers)
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    return data


def stored(session: Session, tenant: Tenant) -> list[Conversion]:
    query = sa.select(Conversion).where(Conversion.organisation_id == tenant.organisation.id)
    return list(session.scalars(query))


def add_code(
    client: TestClient, tenant: Tenant, code: str, creator_id: uuid.UUID, **body: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/promo-codes",
        json={"code": code, "creator_id": str(creator_id), **body},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def field_of(response_json: dict[str, Any]) -> str:
    errors = response_json["errors"]
    assert len(errors) == 1, errors
    field: str = errors[0]["field"]
    return field


# Idempotency


def test_the_same_order_twice_is_stored_once(
    client: TestClient, tenant: Tenant, session: Session
) -> None:
    first = report(client, tenant)
    again = report(client, tenant, status=200)
    assert again == first
    assert first["amount_minor"] == 4990 and first["amount"] == "49.90"
    assert len(stored(session, tenant)) == 1


@pytest.mark.parametrize(
    ("change", "field"), [({"amount": "49.91"}, "amount"), ({"currency": "USD"}, "currency")]
)
def test_a_conflicting_replay_is_409_naming_the_field(
    client: TestClient, tenant: Tenant, session: Session, change: dict[str, str], field: str
) -> None:
    report(client, tenant)
    response = client.post(
        URL,
        json={"order_id": "1001", "amount": "49.90", "currency": "EUR", **change},
        headers=tenant.headers,
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field_of(response.json()) == field
    assert [row.amount_minor for row in stored(session, tenant)] == [4990]


def test_order_ids_are_per_organisation(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = report(client, tenant)
    theirs = report(client, other_tenant, amount="10.00")
    assert mine["id"] != theirs["id"]


def test_an_equal_amount_written_differently_is_a_replay(
    client: TestClient, tenant: Tenant
) -> None:
    first = report(client, tenant, amount="49.9")
    assert report(client, tenant, status=200, amount="49.900", currency="eur")["id"] == first["id"]


# Bad input: problem details naming the field, nothing stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "euro"}, "currency"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "4,99"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": 49.9}, "amount"),
        ({"order_id": None}, "order_id"),
        ({"order_id": "   "}, "order_id"),
        ({"currency": "JPY", "amount": "100.5"}, "amount"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    client: TestClient, tenant: Tenant, session: Session, body: dict[str, Any], field: str
) -> None:
    payload: dict[str, Any] = {"order_id": "1001", "amount": "49.90", "currency": "EUR", **body}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = client.post(URL, json=payload, headers=tenant.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field_of(response.json()) == field
    assert stored(session, tenant) == []


def test_minor_units_follow_the_currency(client: TestClient, tenant: Tenant) -> None:
    assert report(client, tenant, currency="JPY", amount="1500")["amount_minor"] == 1500
    assert (
        report(client, tenant, order_id="2", currency="KWD", amount="1.250")["amount_minor"] == 1250
    )


# Who may report


def test_reporting_needs_a_key_with_conversions_write(
    client: TestClient, session: Session, conversion_settings: Any
) -> None:
    links_only = make_tenant(session, conversion_settings)
    body = {"order_id": "1", "amount": "1.00", "currency": "EUR"}
    assert client.post(URL, json=body, headers=links_only.headers).status_code == 403
    assert client.post(URL, json=body).status_code == 401


# Attribution by promo code


def test_a_promo_code_credits_its_creator_and_campaign(
    client: TestClient, tenant: Tenant, creator_id: uuid.UUID, campaign: Campaign
) -> None:
    add_code(client, tenant, "JANE10", creator_id, campaign_id=str(campaign.id))
    conversion = report(client, tenant, promo_code="jane10")
    assert conversion["rule"] == "promo_code"
    assert conversion["creator_id"] == str(creator_id)
    assert conversion["campaign_id"] == str(campaign.id)
    assert conversion["promo_code"] == "JANE10"
    assert conversion["reason"] is None


def test_promo_codes_are_unique_per_organisation_ignoring_case(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, creator_id: uuid.UUID
) -> None:
    add_code(client, tenant, "Spring-10", creator_id)
    response = client.post(
        "/api/v1/promo-codes",
        json={"code": "SPRING-10", "creator_id": str(creator_id)},
        headers=tenant.headers,
    )
    assert response.status_code == 409
    assert field_of(response.json()) == "code"
    add_code(client, other_tenant, "spring-10", creator_id)


def test_a_code_cannot_name_another_organisations_campaign(
    client: TestClient, other_tenant: Tenant, creator_id: uuid.UUID, campaign: Campaign
) -> None:
    response = client.post(
        "/api/v1/promo-codes",
        json={"code": "X10", "creator_id": str(creator_id), "campaign_id": str(campaign.id)},
        headers=other_tenant.headers,
    )
    assert response.status_code == 422
    assert field_of(response.json()) == "campaign_id"


def test_a_disabled_code_credits_nobody(
    client: TestClient, tenant: Tenant, creator_id: uuid.UUID
) -> None:
    code = add_code(client, tenant, "OLD5", creator_id)
    response = client.post(f"/api/v1/promo-codes/{code['id']}/disable", headers=tenant.headers)
    assert response.status_code == 200 and response.json()["enabled"] is False
    listed = client.get("/api/v1/promo-codes", headers=tenant.headers).json()
    assert [(c["code"], c["enabled"]) for c in listed] == [("OLD5", False)]
    conversion = report(client, tenant, promo_code="OLD5")
    assert conversion["rule"] == "unattributed"
    assert conversion["reason"] == "disabled_promo_code"


def test_an_unknown_code_is_unattributed_with_the_reason(
    client: TestClient, tenant: Tenant
) -> None:
    conversion = report(client, tenant, promo_code="NOPE")
    assert (conversion["rule"], conversion["reason"]) == ("unattributed", "unknown_promo_code")
    assert conversion["creator_id"] is None


def test_another_organisations_code_is_unknown(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, creator_id: uuid.UUID
) -> None:
    add_code(client, other_tenant, "THEIRS", creator_id)
    assert report(client, tenant, promo_code="THEIRS")["reason"] == "unknown_promo_code"


def test_another_organisation_cannot_disable_a_code(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, creator_id: uuid.UUID
) -> None:
    code = add_code(client, tenant, "MINE", creator_id)
    path = f"/api/v1/promo-codes/{code['id']}/disable"
    assert client.post(path, headers=other_tenant.headers).status_code == 404


# Attribution by last click


def test_a_click_within_the_window_credits_its_link(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    now = utcnow()
    click = make_click(session, link, now - timedelta(days=29, hours=23))
    conversion = report(client, tenant, click_id=str(click.id), occurred_at=now.isoformat())
    assert conversion["rule"] == "last_click"
    assert conversion["link_id"] == str(link.id)
    assert conversion["creator_id"] == str(link.creator_id)
    assert conversion["campaign_id"] == str(link.campaign_id)
    assert conversion["click_id"] == str(click.id)


def test_a_click_outside_the_window_credits_nobody(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    now = utcnow()
    click = make_click(session, link, now - timedelta(days=30, minutes=1))
    conversion = report(client, tenant, click_id=str(click.id), occurred_at=now.isoformat())
    assert (conversion["rule"], conversion["reason"]) == ("unattributed", "click_outside_window")
    assert conversion["link_id"] is None


def test_a_bot_click_is_never_credited(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    click = make_click(session, link, utcnow() - timedelta(hours=1), bot=True)
    conversion = report(client, tenant, click_id=str(click.id))
    assert (conversion["rule"], conversion["reason"]) == ("unattributed", "bot_click")


def test_another_organisations_click_is_never_credited(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, session: Session
) -> None:
    theirs = make_link(session, other_tenant, None, None)
    click = make_click(session, theirs, utcnow() - timedelta(hours=1))
    conversion = report(client, tenant, click_id=str(click.id))
    assert (conversion["rule"], conversion["reason"]) == ("unattributed", "unknown_click")
    assert conversion["link_id"] is None


def test_a_malformed_click_id_is_unknown_not_an_error(client: TestClient, tenant: Tenant) -> None:
    conversion = report(client, tenant, click_id="not-a-click")
    assert conversion["reason"] == "unknown_click" and conversion["click_id"] is None


def test_the_promo_code_wins_over_the_click_by_default(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    code_creator = make_account(session).creator_id  # not the link's creator
    add_code(client, tenant, "CODE1", code_creator)
    click = make_click(session, link, utcnow() - timedelta(days=1))
    conversion = report(client, tenant, click_id=str(click.id), promo_code="code1")
    assert conversion["rule"] == "promo_code"
    assert conversion["creator_id"] == str(code_creator)
    assert conversion["link_id"] is None


def test_an_unknown_code_falls_back_to_the_click(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    click = make_click(session, link, utcnow() - timedelta(days=1))
    conversion = report(client, tenant, click_id=str(click.id), promo_code="NOPE")
    assert conversion["rule"] == "last_click" and conversion["link_id"] == str(link.id)


# Totals


def test_totals_per_creator_link_and_campaign(
    client: TestClient, tenant: Tenant, session: Session, link: Link
) -> None:
    now = utcnow()
    for number in range(3):
        click = make_click(session, link, now - timedelta(days=number + 1))
        report(client, tenant, order_id=f"o{number}", amount="10.00", click_id=str(click.id))
    report(client, tenant, order_id="o9", amount="5.00")
    for by, key in (
        ("creator", link.creator_id),
        ("link", link.id),
        ("campaign", link.campaign_id),
    ):
        response = client.get(f"/api/v1/conversions/totals?by={by}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert items == [
            {"key": str(key), "currency": "EUR", "conversions": 3, "revenue_minor": 3000},
            {"key": None, "currency": "EUR", "conversions": 1, "revenue_minor": 500},
        ]
