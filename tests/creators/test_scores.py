"""Stored scores on the creator detail API and the creator page, and how their numbers read."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators import views
from microreach.creators.models import PlatformAccount
from microreach.db.session import Database
from microreach.scores import service
from microreach.scores.models import AccountScore
from microreach.synthetic import service as synthetic
from tests.factories import make_account, make_creator
from tests.scores.test_api import CAPTURED, NOW, make_baker
from tests.web.support import TestClient, is_local, references, running_client


def _signal_row(html: str, key: str, table: str = "authenticity") -> str:
    """The signal's row in the account's authenticity (or relationship) table."""
    part = html.split(f'<h4 id="{table}-', 1)[1]
    row = re.search(rf'<tr class="signal-{key}">(.*?)</tr>', part, re.S)
    assert row is not None, key
    return row.group(1)


def test_creator_detail_api_carries_each_accounts_scores(
    client: TestClient, session: Session, connection: Connection
) -> None:
    creator = make_creator(session)
    baker = make_baker(session, creator)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    unscored = make_account(session, creator, followers=500)

    body = client.get(f"/api/v1/creators/{baker.creator_id}").json()

    by_id = {account["id"]: account for account in body["accounts"]}
    scores = by_id[str(baker.id)]["scores"]
    assert scores == client.get(f"/api/v1/accounts/{baker.id}/scores").json()
    assert scores["engagement"]["median"] == pytest.approx(0.024)
    assert by_id[str(unscored.id)]["scores"] is None


def test_creator_page_shows_rate_interval_signals_and_freshness(
    client: TestClient, session: Session, connection: Connection
) -> None:
    baker = make_baker(session)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    scores = service.get_account_scores(session, baker.id)
    engagement, authenticity = scores.engagement, scores.authenticity

    html = client.get(f"/creators/{baker.creator_id}").text

    assert f'<h3 id="scores-{baker.id}">Scores</h3>' in html
    assert '<strong class="score-value">2.4%</strong> median over 6 posts' in html
    interval = views.rate_range(engagement.low, engagement.high)
    assert f"typical {views.rate_text(engagement.typical)} ({interval})" in html
    assert "90% interval, informed by published defaults" in html
    assert "No peer ranking yet" in html
    assert 'Computed <time datetime="2026-06-02T00:00:00+00:00">2 Jun 2026</time>' in html
    assert "31 May 2026" in html
    assert f"<code>{scores.version}</code>" in html
    assert "Stale:" not in html
    assert authenticity.score is not None
    assert f'<strong class="score-value">{authenticity.score}</strong>' in html
    signal = next(s for s in authenticity.signals if s.key == "engagement_rate")
    row = _signal_row(html, signal.key)
    assert '<th scope="row" class="signal-name">' in row
    assert f"<summary>{signal.label}</summary>" in row
    assert views.rate_text(signal.value) in row
    assert views.rate_range(signal.expected.low, signal.expected.high) in row
    assert f'<td class="num contribution">{views.points(signal.contribution)}</td>' in row
    assert views.STATUS_LABELS[signal.status.value] in row
    assert "Sponsored posts" in html and "0 disclosed" in html
    assert all(is_local(url) for url in references(html))


def test_signal_rows_show_signed_contributions(client: TestClient, connection: Connection) -> None:
    synthetic.generate(connection, creators=40, seed=5, secret_key="k", as_of=CAPTURED)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    rows = connection.execute(
        sa.select(AccountScore.account_id, AccountScore.authenticity_detail, PlatformAccount)
        .join(PlatformAccount, PlatformAccount.id == AccountScore.account_id)
        .where(AccountScore.anomalies > 0, AccountScore.authenticity.is_not(None))
    ).all()
    assert rows
    account_id, detail, creator_id = rows[0].account_id, rows[0][1], rows[0].creator_id
    signal = next(s for s in detail["signals"] if s["key"] == "growth_anomalies")
    assert signal["contribution"] < 0

    html = client.get(f"/creators/{creator_id}").text

    section = html.split(f'<h3 id="scores-{account_id}">', 1)[1]
    row = _signal_row(section, "growth_anomalies")
    assert f'<td class="num contribution">\u2212{-signal["contribution"]}</td>' in row
    assert signal["explanation"] in row
    assert "Unusual follower changes" in row
    assert "severity</span>" in section.split("</section>", 1)[0]


def test_creator_page_names_the_peer_percentile(client: TestClient, connection: Connection) -> None:
    synthetic.generate(connection, creators=60, seed=5, secret_key="k", as_of=CAPTURED)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    ranked = connection.execute(
        sa.select(
            PlatformAccount.creator_id, AccountScore.er_percentile, AccountScore.er_peer_group
        )
        .join(PlatformAccount, PlatformAccount.id == AccountScore.account_id)
        .where(AccountScore.er_percentile.is_not(None))
    ).first()
    assert ranked is not None

    html = client.get(f"/creators/{ranked.creator_id}").text

    group = " · ".join(ranked.er_peer_group.split("/"))
    assert f"{views.ordinal(ranked.er_percentile)} percentile among {group} creators" in html


def test_account_without_posts_says_there_is_not_enough_data(
    client: TestClient, session: Session, connection: Connection
) -> None:
    account = make_account(session, last_captured_at=CAPTURED)
    service.score_all(connection, tier_scheme="brief", now=NOW)

    html = client.get(f"/creators/{account.creator_id}").text

    assert "Not enough data: no posts captured yet." in html
    assert '<p class="score-missing">No score. Too little data' in html
    assert '<td class="num">not measured</td>' in html
    assert "No posts to look at yet." in html


def test_stale_and_unscored_accounts_say_what_to_run(
    client: TestClient, session: Session, connection: Connection
) -> None:
    creator = make_creator(session)
    baker = make_baker(session, creator)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    make_account(session, creator, handle="later")
    baker.last_captured_at = CAPTURED + timedelta(days=1)
    session.flush()

    html = client.get(f"/creators/{baker.creator_id}").text

    assert "<strong>Stale:</strong> newer data arrived" in html
    assert "Not scored yet. The scoring job runs every 5 min and will score it" in html


def test_without_the_scoring_job_the_page_says_to_run_the_command(
    session: Session, settings: Settings, database: Database
) -> None:
    creator = make_creator(session)
    make_account(session, creator, handle="fresh")
    session.flush()
    off = settings.model_copy(update={"schedule_score_seconds": 0})

    with running_client(off, database) as client:
        html = client.get(f"/creators/{creator.id}").text

    assert "Not scored yet. Run <code>microreach score</code> to score it" in html


def test_unknown_creator_still_404s(client: TestClient) -> None:
    assert client.get(f"/creators/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.024, "2.4%"), (0.15, "15%"), (0.00083, "0.083%"), (0.0, "0%"), (None, "—")],
)
def test_rates_read_as_percentages(value: float | None, text: str) -> None:
    assert views.rate_text(value) == text


def test_ranges_growth_points_and_ordinals_read_naturally() -> None:
    assert views.rate_range(0.019, 0.031) == "1.9\u20133.1%"
    assert views.rate_range(0.0, 0.15) == "0\u201315%"
    assert views.growth_text(0.2084) == "+0.21%"
    assert views.growth_text(-3.4) == "\u22123.4%"
    assert views.growth_text(0.0) == "0%"
    assert views.points(8) == "+8"
    assert views.points(-35) == "\u221235"
    assert views.points(0) == "0"
    assert [views.ordinal(p) for p in (1, 2, 3, 11, 12, 22, 72.4, 100)] == [
        "1st", "2nd", "3rd", "11th", "12th", "22nd", "72nd", "100th",
    ]  # fmt: skip
    assert views.signal_value(0.008173, "ratio") == "0.0082"
    assert views.signal_value(0.225, "per comment") == "0.23 per comment"
    assert views.signal_value(1.0, "count") == "1"
    assert views.signal_value(None, "share") == "not measured"
    assert views.signal_range(0.0, 1.0, "per thread") == "0\u20131 per thread"
    assert views.peer_label("instagram/micro/food") == "instagram · micro · food"
    assert views.reason_text("likes_hidden") == "no usable recent post (likes hidden)"
