"""GET /api/v1/accounts/{id}/scores over HTTP: stored figures as stored, staleness, problems."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators.models import Creator, PlatformAccount
from microreach.db.session import Database
from microreach.scores import service
from microreach.scores.models import AccountScore
from microreach.synthetic import service as synthetic
from tests.factories import make_account, make_post
from tests.web.support import (
    TestClient,
    make_account_snapshot,
    make_post_snapshot,
    running_client,
)

CAPTURED = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 2, tzinfo=UTC)


def scores_url(account_id: uuid.UUID | str) -> str:
    return f"/api/v1/accounts/{account_id}/scores"


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(settings, database) as client:
        yield client


def make_baker(session: Session, creator: Creator | None = None) -> PlatformAccount:
    """An Instagram account with six posts at 2.4% engagement and 14 weeks of followers."""
    account = make_account(
        session,
        creator,
        handle="baker",
        followers=12_000,
        bio="Sourdough, pastry and bread recipes",
        last_captured_at=CAPTURED,
    )
    for index in range(6):
        post = make_post(
            session,
            account,
            caption="Sourdough loaf, crumb shot #baking #sourdough #recipe",
            hashtags=["baking", "sourdough", "recipe"],
            posted_at=CAPTURED - timedelta(days=2 + 3 * index),
        )
        make_post_snapshot(session, post, CAPTURED, likes=276, comments=12)
    for day in range(0, 98, 7):
        make_account_snapshot(session, account, CAPTURED - timedelta(days=day), 12_000 - 5 * day)
    return account


def _row(connection: Connection, account_id: uuid.UUID) -> sa.Row[Any]:
    table = AccountScore.__table__
    return connection.execute(sa.select(table).where(table.c.account_id == account_id)).one()


def _plain(signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Signals with their times parsed, so stored ISO text and API output compare."""
    return [
        {**s, "as_of": datetime.fromisoformat(s["as_of"]) if s["as_of"] else None} for s in signals
    ]


def test_scored_account_gets_its_stored_scores(
    client: TestClient, session: Session, connection: Connection
) -> None:
    account = make_baker(session)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    row = _row(connection, account.id)

    response = client.get(scores_url(account.id))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["account_id"] == str(account.id)
    assert body["computed_at"] == "2026-06-02T00:00:00Z"
    assert body["data_captured_at"] == "2026-05-31T12:00:00Z"
    assert body["version"] == service.score_version("brief")
    assert body["stale"] is False
    assert body["tier"] == {"scheme": "brief", "name": "micro"}
    assert body["niches"][0]["niche"] == row.primary_niche
    engagement = body["engagement"]
    assert engagement["posts"] == 6
    assert engagement["median"] == pytest.approx(0.024)
    assert (engagement["typical"], engagement["low"], engagement["high"]) == (
        row.er_typical,
        row.er_low,
        row.er_high,
    )
    assert engagement["low"] < engagement["typical"] < engagement["high"]
    assert engagement["prior_source"] == "global-default"
    assert engagement["reason"] is None
    assert engagement["by_type"]["photo"]["posts"] == 6
    growth = body["growth"]
    assert [w["days"] for w in growth["windows"]] == [7, 30, 90]
    assert growth["windows"][1]["change_pct"] == pytest.approx(row.follower_growth_30d)
    for name in ("authenticity", "relationship"):
        stored = row._mapping[f"{name}_detail"]
        assert body[name]["score"] == row._mapping[name] == stored["score"]
        assert body[name]["confidence"] == stored["confidence"]
        assert body[name]["base"] == stored["base"]
        assert _plain(body[name]["signals"]) == _plain(stored["signals"])
    assert body["disclosure"]["posts"] == 6
    assert body["disclosure"]["sponsored"] == row.sponsored_posts


def test_every_generated_account_reads_back_as_stored(
    client: TestClient, connection: Connection
) -> None:
    synthetic.generate(connection, creators=40, seed=5, secret_key="k", as_of=CAPTURED)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    rows = connection.execute(sa.select(AccountScore.__table__)).all()
    assert rows

    for row in rows:
        body = client.get(scores_url(row.account_id)).json()
        assert body["engagement"]["median"] == row.er_median
        assert body["engagement"]["percentile"] == row.er_percentile
        assert body["authenticity"]["score"] == row.authenticity
        assert _plain(body["authenticity"]["signals"]) == _plain(row.authenticity_detail["signals"])
        assert body["relationship"]["reason"] == row.relationship_detail["reason"]
        assert len(body["growth"]["anomalies"]) == row.anomalies
        disclosure = body["disclosure"]
        assert disclosure["likely_undisclosed"] == row.undisclosed_posts
        stored = row.disclosure["examples"]
        assert [e["posted_at"][:19] for e in disclosure["examples"]] == [
            e["posted_at"][:19] for e in stored
        ]
        for example in disclosure["examples"]:
            assert len(example["caption_excerpt"]) <= 200
            assert example["evidence"]


def test_account_without_posts_has_no_rate_and_says_why(
    client: TestClient, session: Session, connection: Connection
) -> None:
    account = make_account(session, last_captured_at=CAPTURED)
    service.score_all(connection, tier_scheme="brief", now=NOW)

    body = client.get(scores_url(account.id)).json()

    assert body["engagement"]["posts"] == 0
    assert body["engagement"]["median"] is None
    assert body["engagement"]["typical"] is None
    assert body["engagement"]["reason"] == "no_posts"
    assert body["authenticity"]["score"] is None
    assert body["authenticity"]["confidence"] == "insufficient_data"
    assert body["authenticity"]["reason"]


def test_newer_capture_makes_the_scores_stale(
    client: TestClient, session: Session, connection: Connection
) -> None:
    account = make_baker(session)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    assert client.get(scores_url(account.id)).json()["stale"] is False

    account.last_captured_at = CAPTURED + timedelta(days=1)
    session.flush()

    body = client.get(scores_url(account.id)).json()
    assert body["stale"] is True
    assert body["data_captured_at"] == "2026-05-31T12:00:00Z"


def test_unknown_account_is_a_404_problem(client: TestClient) -> None:
    missing = uuid.uuid4()

    response = client.get(scores_url(missing))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": f"No account with id {missing}.",
    }


def test_account_not_scored_yet_is_a_409_problem_naming_the_command(
    client: TestClient, session: Session
) -> None:
    account = make_account(session)

    response = client.get(scores_url(account.id))

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Conflict"
    assert body["detail"] == (
        f"Account {account.id} has not been scored yet; the scoring job (`scores.rescore`) "
        "scores new accounts every few minutes, or run `microreach score` to score it now."
    )


def test_malformed_account_id_is_a_422_problem(client: TestClient) -> None:
    response = client.get(scores_url("not-a-uuid"))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert (error["field"], error["value"]) == ("account_id", "not-a-uuid")


def test_openapi_documents_the_route_its_problems_and_units(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()

    operation = schema["paths"]["/api/v1/accounts/{account_id}/scores"]["get"]
    assert operation["summary"] == "Get one account's scores"
    assert {"200", "404", "409", "422"} <= set(operation["responses"])
    assert "application/problem+json" in operation["responses"]["409"]["content"]
    assert operation["parameters"][0]["schema"]["format"] == "uuid"
    engagement = schema["components"]["schemas"]["EngagementOut"]["properties"]
    assert "0.024 is 2.4%" in engagement["median"]["description"]
    window = schema["components"]["schemas"]["GrowthWindowOut"]["properties"]
    assert "percent" in window["change_pct"]["description"]
