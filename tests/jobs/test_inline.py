"""The embedded profile: enqueue runs the job at once, or after the caller's commit, under the
caller's request id, timed and counted; bad arguments fail in the caller."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from microreach.db.session import Database
from microreach.jobs import enqueue, registry
from microreach.jobs.environment import Jobs
from microreach.kit.errors import InvalidError
from microreach.observability.context import bind_request_id
from tests.jobs.sample import SEEN


@pytest.fixture(autouse=True)
def _clear() -> None:
    SEEN.clear()


def _count(name: str, job: str) -> float:
    return REGISTRY.get_sample_value(name, {"job": job}) or 0.0


def test_the_periodic_jobs_are_registered() -> None:
    names = registry.names()
    for name in (
        "links.rollup_clicks",
        "campaigns.mark_missed_deliverables",
        "connectors.refresh_due",
    ):
        assert name in names


def test_an_inline_job_runs_at_once_under_the_callers_request_id(inline_jobs: Jobs) -> None:
    runs = _count("microreach_job_duration_seconds_count", "tests.echo")
    with bind_request_id("req-abc"):
        result = enqueue("tests.echo", value=3)
    assert result.state == "ran"
    assert SEEN == [{"value": 3, "request_id": "req-abc", "context_id": "req-abc"}]
    assert _count("microreach_job_duration_seconds_count", "tests.echo") == runs + 1


def test_without_a_request_the_job_gets_its_own_id(inline_jobs: Jobs) -> None:
    enqueue("tests.echo", value=1)
    enqueue("tests.echo", value=2)
    ids = [seen["request_id"] for seen in SEEN]
    assert all(ids) and ids[0] != ids[1]


def test_a_failing_inline_job_is_counted_and_not_raised(inline_jobs: Jobs) -> None:
    failures = _count("microreach_job_failures_total", "tests.echo")
    result = enqueue("tests.echo", value=5, fail_times=1)
    assert result.state == "failed"
    assert _count("microreach_job_failures_total", "tests.echo") == failures + 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"value": -1}, "value"), ({"value": "many"}, "value"), ({"value": 1, "colour": 2}, "colour")],
)
def test_bad_arguments_fail_in_the_caller_naming_the_field(
    inline_jobs: Jobs, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidError) as info:
        enqueue("tests.echo", **kwargs)
    assert info.value.field == field
    assert SEEN == []


def test_an_unknown_job_is_refused_naming_the_known_ones(inline_jobs: Jobs) -> None:
    with pytest.raises(InvalidError, match=r"links\.rollup_clicks"):
        enqueue("links.rollup_clickz")


def test_a_job_enqueued_in_a_transaction_waits_for_the_commit(
    inline_jobs: Jobs, database: Database
) -> None:
    with database.sessions() as session:
        session.execute(text("SELECT 1"))
        with bind_request_id("req-tx"):
            assert enqueue("tests.echo", session=session, value=7).state == "deferred"
        assert SEEN == []
        session.commit()
        assert [seen["value"] for seen in SEEN] == [7]
        assert SEEN[0]["request_id"] == "req-tx"
        session.execute(text("SELECT 1"))
        session.commit()  # a later commit does not send it again
    assert len(SEEN) == 1


def test_a_job_enqueued_in_a_rolled_back_transaction_is_dropped(
    inline_jobs: Jobs, database: Database
) -> None:
    with database.sessions() as session:
        session.execute(text("SELECT 1"))
        enqueue("tests.echo", session=session, value=8)
        session.rollback()
        session.execute(text("SELECT 1"))
        session.commit()
    assert SEEN == []
