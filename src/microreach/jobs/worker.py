"""The Redis worker: rq's SimpleWorker on the job queue, running jobs in this process.

SimpleWorker (no fork per job) keeps the process's database pool and its Prometheus metrics
between jobs; with PROMETHEUS_MULTIPROC_DIR shared with the web processes their /metrics
includes the workers' job figures. Retries with backoff are rq's: a failed job is scheduled
again after its job's backoff, which needs rq's scheduler (started here with the worker; rq
keeps one active per queue through its own Redis lock).
"""

from __future__ import annotations

import redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from microreach.jobs import catalog
from microreach.jobs.environment import Jobs


def run_worker(
    jobs: Jobs,
    *,
    burst: bool = False,
    with_scheduler: bool = True,
    max_jobs: int | None = None,
) -> bool:
    """Work the queue until stopped (SIGTERM or SIGINT finish the running job first), or
    until it is empty with ``burst``; True when any job ran."""
    catalog.load()
    url = jobs.settings.redis_url
    assert url is not None
    connection = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    worker = SimpleWorker(
        [jobs.queue(connection)], connection=connection, serializer=JSONSerializer
    )
    return worker.work(
        burst=burst,
        with_scheduler=with_scheduler,
        max_jobs=max_jobs,
        logging_level=jobs.settings.log_level.upper(),
    )
