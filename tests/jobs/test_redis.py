"""The scale profile: jobs go to Redis and an rq worker runs them with the caller's request
id, retrying a failure with backoff; a job id is enqueued once."""

from __future__ import annotations

import pytest
import redis
from prometheus_client import REGISTRY
from sqlalchemy import text

from microreach.db.session import Database
from microreach.jobs import enqueue
from microreach.jobs.environment import Jobs
from microreach.jobs.worker import run_worker
from microreach.observability.context import bind_request_id
from tests.jobs.sample import SEEN


@pytest.fixture(autouse=True)
def _clear() -> None:
    SEEN.clear()


def _failures() -> float:
    return REGISTRY.get_sample_value("microreach_job_failures_total", {"job": "tests.echo"}) or 0


def test_a_queued_job_runs_in_the_worker_under_the_callers_request_id(
    redis_jobs: Jobs, redis_client: redis.Redis
) -> None:
    with bind_request_id("req-redis"):
        result = enqueue("tests.echo", value=4)
    assert result.state == "queued"
    assert SEEN == []
    assert redis_jobs.queue().count == 1
    assert run_worker(redis_jobs, burst=True, with_scheduler=False)
    assert SEEN == [{"value": 4, "request_id": "req-redis", "context_id": "req-redis"}]
    assert redis_jobs.queue().count == 0


def test_a_failed_job_is_retried_and_counted(redis_jobs: Jobs) -> None:
    failures = _failures()
    result = enqueue("tests.echo", value=6, fail_times=2)
    run_worker(redis_jobs, burst=True, with_scheduler=False)
    assert [seen["value"] for seen in SEEN] == [6, 6, 6]  # two failures, then success
    assert _failures() == failures + 2
    job = redis_jobs.queue().fetch_job(result.job_id or "")
    assert job is not None and job.get_status() == "finished"
    assert job.return_value() == 12


def test_a_job_failing_more_than_its_retries_ends_failed(redis_jobs: Jobs) -> None:
    result = enqueue("tests.echo", value=7, fail_times=5)
    run_worker(redis_jobs, burst=True, with_scheduler=False)
    assert len(SEEN) == 3  # the first attempt and two retries
    job = redis_jobs.queue().fetch_job(result.job_id or "")
    assert job is not None and job.get_status() == "failed"


def test_a_job_id_is_enqueued_once(redis_jobs: Jobs, prefix: str) -> None:
    first = redis_jobs.enqueue("tests.echo", job_id=f"{prefix}-once", value=1)
    second = redis_jobs.enqueue("tests.echo", job_id=f"{prefix}-once", value=1)
    assert (first.state, second.state) == ("queued", "duplicate")
    run_worker(redis_jobs, burst=True, with_scheduler=False)
    assert len(SEEN) == 1


def test_a_job_enqueued_in_a_transaction_reaches_redis_after_the_commit(
    redis_jobs: Jobs, database: Database
) -> None:
    with database.sessions() as session:
        session.execute(text("SELECT 1"))
        enqueue("tests.echo", session=session, value=2)
        assert redis_jobs.queue().count == 0
        session.commit()
    assert redis_jobs.queue().count == 1
