"""The reports API: the campaign report as JSON (session or key with reports:read), the tier
comparison, the EMV value table (read, update, validation) and manual post metrics."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.models import ApiKey, Organisation, User
from microreach.accounts.security import api_key_digest, new_api_key
from microreach.config import Settings
from microreach.creators.models import PostSnapshot
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from tests.campaigns.support import api, brand
from tests.factories import make_post
from tests.reports import campaign_world
from tests.reports.campaign_world import DAY2, World
from tests.web.support import TestClient, running_client


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(settings, database) as client:
        yield client


@pytest.fixture
def world(session: Session, client: TestClient) -> World:
    brand(client, "reports@example.com", "Report Brand")
    user = session.scalars(sa.select(User).where(User.email == "reports@example.com")).one()
    org = session.scalars(sa.select(Organisation).where(Organisation.name == "Report Brand")).one()
    return campaign_world.build(session, OrgContext(org, user, Role.OWNER))


def key_headers(
    session: Session, settings: Settings, org: Organisation, *scopes: ApiScope
) -> dict[str, str]:
    secret, prefix = new_api_key()
    session.add(
        ApiKey(
            organisation_id=org.id,
            name="reports",
            prefix=prefix,
            secret_hash=api_key_digest(settings.secret_key or "", secret),
            scopes=[scope.value for scope in scopes],
        )
    )
    session.flush()
    return {"Authorization": f"Bearer {secret}"}


def test_report_as_json_for_a_member_and_a_key(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    path = f"/api/v1/campaigns/{world.campaign.id}/report"
    member = client.get(path)
    assert member.status_code == 200, member.text
    body = member.json()
    assert body["metrics"]["engagements"] == 1_435
    assert body["metrics"]["cost"] == 37_000
    assert body["metrics"]["cpc"] == pytest.approx(37_000 / 160)
    assert body["emv"]["low"] < body["emv"]["high"]
    assert {row["value"] for row in body["breakdowns"]["country"]} == {"DE", "FR", ""}
    assert len(body["posts"]) == 3 and len(body["creators"]) == 3
    gifted = next(c for c in body["creators"] if c["gifted_only"])
    assert gifted["metrics"]["cpe"] is None and gifted["metrics"]["roas"] is None
    assert body["freshness"]["newest_snapshot"] is not None
    anonymous = TestClient(client.app)
    headers = key_headers(session, settings, world.organisation, ApiScope.REPORTS_READ)
    keyed = anonymous.get(path, headers=headers)
    assert keyed.status_code == 200 and keyed.json()["metrics"] == body["metrics"]
    wrong = key_headers(session, settings, world.organisation, ApiScope.LINKS_WRITE)
    refused = anonymous.get(path, headers=wrong)
    assert refused.status_code == 403 and "reports:read" in refused.text
    assert anonymous.get(path).status_code == 401
    assert client.get(f"/api/v1/campaigns/{uuid.uuid4()}/report").status_code == 404


def test_tier_comparison_across_campaigns(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/reports/tier-comparison")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["currency"] == "EUR" and body["creators"] == 3
    assert [c["metric"] for c in body["comparisons"]] == ["cpe", "cpc", "conversion_rate", "roas"]
    assert all(not c["conclusive"] for c in body["comparisons"])
    usd = client.get("/api/v1/reports/tier-comparison?currency=usd").json()
    assert usd["creators"] == 0 and usd["excluded"][0]["reason"] == "in EUR"
    bad = client.get("/api/v1/reports/tier-comparison?currency=XX")
    assert bad.status_code in (400, 422) and "currency" in bad.text


def test_emv_table_read_and_update(client: TestClient, world: World) -> None:
    table = client.get("/api/v1/reports/emv-table?currency=EUR").json()
    likes = next(r for r in table["rates"] if (r["platform"], r["action"]) == ("*", "likes"))
    assert (likes["low_per_1000"], likes["high_per_1000"], likes["source"]) == (
        2_000,
        10_000,
        "default",
    )
    assert "assumption" in table["basis"]
    rates = [{"platform": "instagram", "action": "likes", "low_per_1000": 0, "high_per_1000": 0}]
    changed = api(client, "PUT", "/api/v1/reports/emv-table", {"currency": "EUR", "rates": rates})
    assert changed.status_code == 200, changed.text
    row = next(
        r for r in changed.json()["rates"] if (r["platform"], r["action"]) == ("instagram", "likes")
    )
    assert row["source"] == "organisation"
    # The report follows at once: Instagram likes are now worth nothing.
    report = client.get(f"/api/v1/campaigns/{world.campaign.id}/report").json()
    alpha = next(
        c for c in report["creators"] if c["platform"] == "instagram" and not c["gifted_only"]
    )
    assert (alpha["emv"]["low"], alpha["emv"]["high"]) == (9_150 - 400 - 100, 33_550 - 2_000 - 500)
    for body, field in (
        ({"currency": "EUR", "rates": [{**rates[0], "platform": "myspace"}]}, "rates.0.platform"),
        ({"currency": "EUR", "rates": [{**rates[0], "low_per_1000": 5}]}, "rates.0.high_per_1000"),
        ({"currency": "EUR", "rates": rates * 2}, "rates.1.action"),
        ({"currency": "ZZZ", "rates": rates}, "currency"),
        ({"currency": "EUR", "rates": [{**rates[0], "action": "hugs"}]}, "action"),
    ):
        refused = api(client, "PUT", "/api/v1/reports/emv-table", body)
        assert refused.status_code in (400, 422), refused.text
        assert field in refused.text


def test_manual_post_metrics(client: TestClient, session: Session, world: World) -> None:
    post = world.posts["p3"]
    path = f"/api/v1/campaigns/{world.campaign.id}/posts/{post.id}/metrics"
    at = DAY2 + timedelta(days=2)
    body = {"captured_at": at.isoformat(), "likes": 1_500, "comments": 120, "shares": 60}
    created = api(client, "POST", path, body)
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "manual" and created.json()["views"] is None
    stored = session.get(PostSnapshot, (post.id, at))
    assert stored is not None and stored.likes == 1_500 and stored.source.value == "manual"
    report = client.get(f"/api/v1/campaigns/{world.campaign.id}/report").json()
    p3 = next(p for p in report["posts"] if p["post_id"] == str(post.id))
    assert p3["engagements"] == 1_680 and p3["source"] == "manual"
    assert api(client, "POST", path, body).status_code == 409
    future = {"captured_at": (utcnow() + timedelta(days=1)).isoformat(), "likes": 1}
    early = {"captured_at": (post.posted_at - timedelta(days=1)).isoformat(), "likes": 1}
    for bad, field in (
        (future, "captured_at"),
        (early, "captured_at"),
        ({}, "likes"),
        ({"likes": -1}, "likes"),
        ({"likes": 1.5}, "likes"),
        ({"likes": 1, "hearts": 2}, "hearts"),
    ):
        refused = api(client, "POST", path, bad)
        assert refused.status_code in (400, 422), refused.text
        assert field in refused.text
    stranger = make_post(session)
    other = f"/api/v1/campaigns/{world.campaign.id}/posts/{stranger.id}/metrics"
    assert api(client, "POST", other, {"likes": 1}).status_code == 404
