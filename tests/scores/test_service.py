"""The scoring job: what it stores, what it rescores, and how it ranks within peers."""

from __future__ import annotations

import gc
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from microreach.creators.models import PlatformAccount
from microreach.db import migrate
from microreach.db.engine import make_engine
from microreach.science.tiers import tier_for
from microreach.scores import service
from microreach.scores.models import AccountScore
from microreach.synthetic import service as synthetic
from tests.factories import make_account

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 2, tzinfo=UTC)


def _rows(connection: Connection) -> dict[Any, sa.Row[Any]]:
    return {r.account_id: r for r in connection.execute(sa.select(AccountScore.__table__))}


def _accounts(connection: Connection) -> dict[Any, sa.Row[Any]]:
    return {r.id: r for r in connection.execute(sa.select(PlatformAccount.__table__))}


@pytest.fixture
def scored(connection: Connection) -> service.ScoreResult:
    synthetic.generate(connection, creators=150, seed=31, secret_key="k", as_of=AS_OF)
    return service.score_all(connection, tier_scheme="brief", now=NOW)


def test_every_account_gets_a_row_with_versions_and_data_time(
    connection: Connection, scored: service.ScoreResult
) -> None:
    rows, accounts = _rows(connection), _accounts(connection)
    assert set(rows) == set(accounts)
    assert scored.scored == len(accounts) and scored.up_to_date == 0
    for account_id, row in rows.items():
        account = accounts[account_id]
        assert row.version == service.score_version("brief")
        assert "engagement=" in row.version and "authenticity=" in row.version
        assert row.data_captured_at == account.last_captured_at
        assert row.tier == tier_for(account.followers, str(account.platform), "brief").name
        assert row.followers == account.followers


def test_engagement_interval_brackets_the_typical_rate(
    connection: Connection, scored: service.ScoreResult
) -> None:
    with_rates = [r for r in _rows(connection).values() if r.er_posts > 0]
    assert len(with_rates) > 100
    for row in with_rates:
        assert 0 < row.er_low <= row.er_typical <= row.er_high
        assert len(row.er_log_rates) == row.er_posts
        assert row.er_median == pytest.approx(
            sorted(math.exp(x) for x in row.er_log_rates)[row.er_posts // 2], rel=0.5
        )


def test_signals_explain_the_stored_scores(
    connection: Connection, scored: service.ScoreResult
) -> None:
    for row in _rows(connection).values():
        for score, detail in (
            (row.authenticity, row.authenticity_detail),
            (row.relationship, row.relationship_detail),
        ):
            assert detail["score"] == score
            if score is None:
                assert detail["reason"]
                continue
            total = detail["base"] + sum(s["contribution"] for s in detail["signals"])
            assert total == score
            assert all(s["explanation"] for s in detail["signals"])


def test_percentiles_follow_the_median_rate_within_a_peer_group(
    connection: Connection, scored: service.ScoreResult
) -> None:
    groups: dict[str, list[sa.Row[Any]]] = {}
    for row in _rows(connection).values():
        if row.er_percentile is not None:
            assert 0 <= row.er_percentile <= 100
            groups.setdefault(row.er_peer_group, []).append(row)
    assert groups, "150 creators make at least one platform group of 30"
    for members in groups.values():
        ordered = sorted(members, key=lambda r: r.er_median)
        percentiles = [r.er_percentile for r in ordered]
        assert percentiles == sorted(percentiles)


def test_a_second_run_scores_nothing_and_changes_nothing(
    connection: Connection, scored: service.ScoreResult
) -> None:
    before = _rows(connection)
    again = service.score_all(connection, tier_scheme="brief", now=NOW + timedelta(days=1))
    assert again.scored == 0 and again.reranked == 0
    assert again.up_to_date == len(before)
    assert _rows(connection) == before


def _count_peer_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    rank_all = service.rank_all

    def counted(connection: Connection) -> tuple[int, int]:
        calls.append(1)
        return rank_all(connection)

    monkeypatch.setattr(service, "rank_all", counted)
    return calls


def test_a_run_that_scores_nothing_skips_the_peer_pass(
    connection: Connection, scored: service.ScoreResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes = _count_peer_passes(monkeypatch)
    again = service.score_all(connection, tier_scheme="brief", now=NOW + timedelta(days=1))
    assert passes == []
    assert again.scored == 0 and again.reranked == 0
    assert again.peer_groups == scored.peer_groups > 0


def test_the_peer_pass_runs_again_once_an_account_is_gone(
    connection: Connection, scored: service.ScoreResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleting an account deletes its score: its peers' groups changed, so they are re-ranked
    although nothing needs scoring."""
    rows = _rows(connection)
    ranked = [r for r in rows.values() if r.er_percentile is not None]
    group = ranked[0].er_peer_group
    members = sorted((r for r in ranked if r.er_peer_group == group), key=lambda r: r.er_median)
    connection.execute(
        sa.delete(PlatformAccount).where(PlatformAccount.id == members[0].account_id)
    )
    passes = _count_peer_passes(monkeypatch)

    again = service.score_all(connection, tier_scheme="brief", now=NOW + timedelta(days=1))

    assert passes == [1] and again.scored == 0 and again.reranked > 0
    after = _rows(connection)
    # Without the lowest member, the next lowest's percentile goes down.
    assert after[members[1].account_id].er_percentile < members[1].er_percentile


def test_an_interrupted_run_is_ranked_by_the_next(
    connection: Connection, scored: service.ScoreResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped after writing a span but before its peer pass (the CLI commits span by
    span) left a newer, unranked row: the next run ranks it though it scores nothing."""
    row = next(r for r in _rows(connection).values() if r.er_percentile is not None)
    connection.execute(
        sa.update(AccountScore)
        .where(AccountScore.account_id == row.account_id)
        .values(computed_at=NOW + timedelta(hours=1), er_percentile=None, er_peer_group=None)
    )
    passes = _count_peer_passes(monkeypatch)

    again = service.score_all(connection, tier_scheme="brief", now=NOW + timedelta(days=1))

    assert passes == [1] and again.scored == 0 and again.reranked == 1
    restored = _rows(connection)[row.account_id]
    assert (restored.er_percentile, restored.er_peer_group) == (
        row.er_percentile,
        row.er_peer_group,
    )


def test_a_limit_scores_the_lowest_ids_and_leaves_the_rest_for_the_next_run(
    connection: Connection,
) -> None:
    synthetic.generate(connection, creators=40, seed=34, secret_key="k", as_of=AS_OF)
    ids = sorted(_accounts(connection))

    first = service.score_all(connection, tier_scheme="brief", now=NOW, limit=20)

    assert (first.scored, first.pending, first.up_to_date) == (20, len(ids) - 20, 0)
    assert sorted(_rows(connection)) == ids[:20]
    second = service.score_all(connection, tier_scheme="brief", now=NOW, limit=len(ids))
    assert (second.scored, second.pending, second.up_to_date) == (len(ids) - 20, 0, 20)
    assert sorted(_rows(connection)) == ids


def test_a_new_capture_rescores_only_that_account(
    connection: Connection, scored: service.ScoreResult
) -> None:
    target = next(iter(_accounts(connection).values()))
    newer = target.last_captured_at + timedelta(days=1)
    connection.execute(
        sa.update(PlatformAccount)
        .where(PlatformAccount.id == target.id)
        .values(last_captured_at=newer, followers=target.followers * 3)
    )
    result = service.score_all(connection, tier_scheme="brief", now=NOW + timedelta(days=1))
    assert result.scored == 1
    row = _rows(connection)[target.id]
    assert row.data_captured_at == newer
    assert row.followers == target.followers * 3
    assert row.computed_at == NOW + timedelta(days=1)


def test_another_tier_scheme_rescores_everything(
    connection: Connection, scored: service.ScoreResult
) -> None:
    result = service.score_all(connection, tier_scheme="hypeauditor-2018", now=NOW)
    assert result.scored == scored.scored
    for account_id, row in _rows(connection).items():
        account = _accounts(connection)[account_id]
        assert row.tier_scheme == "hypeauditor-2018"
        assert row.tier == tier_for(account.followers, str(account.platform), row.tier_scheme).name


def test_the_job_leaves_the_garbage_collector_as_it_found_it(connection: Connection) -> None:
    """Scoring pauses the collector span by span, never for good (nor turns it on)."""
    synthetic.generate(connection, creators=20, seed=33, secret_key="k", as_of=AS_OF)
    assert gc.isenabled()
    assert service.score_all(connection, tier_scheme="brief", now=NOW).scored > 0
    assert gc.isenabled()
    gc.disable()
    try:
        service.score_all(connection, tier_scheme="brief", now=NOW, rescore=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_unknown_tier_scheme_is_refused_before_any_work(connection: Connection) -> None:
    with pytest.raises(ValueError, match="unknown tier scheme 'giant'"):
        service.score_all(connection, tier_scheme="giant", now=NOW)
    assert connection.execute(sa.select(sa.func.count()).select_from(AccountScore)).scalar() == 0


def test_an_account_without_posts_says_there_is_not_enough_data(
    session: Session, connection: Connection
) -> None:
    account = make_account(session, followers=4200)
    session.flush()
    service.score_all(connection, tier_scheme="brief", now=NOW)
    row = _rows(connection)[account.id]
    assert row.er_posts == 0
    assert row.er_median is None and row.er_typical is None and row.er_percentile is None
    assert row.engagement["reason"]
    assert row.authenticity is None and "Too little data" in row.authenticity_detail["reason"]
    assert row.relationship is None and row.relationship_confidence == "insufficient_data"
    assert row.tier == "micro"


def test_worker_processes_store_the_same_scores(tmp_path: Path) -> None:
    """Workers read committed data through their own connections: a file database of its own."""
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        synthetic.generate(connection, creators=120, seed=32, secret_key="k", as_of=AS_OF)
        connection.commit()
        inline = service.score_all(connection, tier_scheme="brief", now=NOW, commit_each=True)
        expected = _rows(connection)
        connection.execute(sa.delete(AccountScore))
        connection.commit()
        parallel = service.score_all(
            connection,
            tier_scheme="brief",
            now=NOW,
            workers=2,
            database_url=url,
            commit_each=True,
        )
        assert parallel.scored == inline.scored
        assert _rows(connection) == expected
    engine.dispose()


def _raw(connection: Connection) -> list[tuple[Any, ...]]:
    """Every stored score exactly as the driver returns it (text times and ids on SQLite)."""
    result = connection.exec_driver_sql("SELECT * FROM account_scores ORDER BY account_id")
    return [tuple(row) for row in result]


def test_the_driver_write_stores_what_sqlalchemy_would(connection: Connection) -> None:
    """write_scores bypasses SQLAlchemy's parameter processing: ids, times and JSON documents
    are stored value for value as a SQLAlchemy insert stores them."""
    synthetic.generate(connection, creators=25, seed=34, secret_key="k", as_of=AS_OF)
    service.score_all(connection, tier_scheme="brief", now=NOW)
    ids = [row[0] for row in connection.execute(sa.select(PlatformAccount.id))]
    spans = [(min(ids), max(ids))]
    job = service._Job(spans[0], None, "brief", NOW)  # whole seconds: no fraction in text
    rows = service._score_span(connection, job, {})
    service.write_scores(connection, rows)
    ours = _raw(connection)
    connection.execute(sa.delete(AccountScore))
    connection.execute(AccountScore.__table__.insert(), rows)
    assert _raw(connection) == ours
    assert len(ours) == len(ids)


def test_the_driver_write_refuses_naive_times(connection: Connection) -> None:
    synthetic.generate(connection, creators=2, seed=35, secret_key="k", as_of=AS_OF)
    ids = [row[0] for row in connection.execute(sa.select(PlatformAccount.id))]
    job = service._Job((min(ids), max(ids)), None, "brief", NOW.replace(tzinfo=None))
    rows = service._score_span(connection, job, {})
    with pytest.raises(ValueError, match="naive datetime"):
        service.write_scores(connection, rows)


def test_the_peer_pass_rewrites_only_changed_figures(
    connection: Connection, scored: service.ScoreResult
) -> None:
    """A figure moved in storage is put back by the peer pass, and only that row is written."""
    before = _rows(connection)
    ranked = [r for r in before.values() if r.er_typical is not None and r.er_percentile]
    target = ranked[0]
    connection.execute(
        sa.update(AccountScore)
        .where(AccountScore.account_id == target.account_id)
        .values(er_typical=target.er_typical * 2, er_percentile=None, er_peer_group="x")
    )
    assert service.rank_all(connection) == (1, scored.peer_groups)
    assert _rows(connection) == before
