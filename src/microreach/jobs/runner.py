"""Running one job: under the request id that asked for it, timed and counted in the metrics.

`perform` is the function the Redis worker calls (by its import path) with the job's name,
its JSON arguments and the request id; `run` is what the inline path and `perform` share.
"""

from __future__ import annotations

import logging
from typing import Any

from microreach.jobs import registry
from microreach.jobs.environment import Jobs, current
from microreach.observability.context import bind_request_id
from microreach.observability.metrics import time_job

log = logging.getLogger(__name__)

PERFORM_PATH = "microreach.jobs.runner.perform"


def run(jobs: Jobs, name: str, payload: dict[str, Any], request_id: str | None) -> object:
    """Run the job ``name`` now in this thread; its exception propagates (after being
    counted and logged under the request id)."""
    spec = registry.get(name)
    with bind_request_id(request_id) as bound, time_job(name):
        context = registry.JobContext(jobs.settings, jobs.database, bound, jobs.clock)
        try:
            result = spec.run(context, payload)
        except Exception:
            log.exception("job %s failed", name, extra={"job": name})
            raise
        log.info("job %s done", name, extra={"job": name})
        return result


def perform(name: str, payload: dict[str, Any], request_id: str | None) -> object:
    """The Redis worker's entry point; the result is kept by rq for a while, so keep it small."""
    result = run(current(), name, payload, request_id)
    return _summary(result)


def _summary(result: object) -> object:
    if result is None or isinstance(result, str | int | float | bool):
        return result
    return repr(result)[:500]
