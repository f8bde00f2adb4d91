"""Background jobs: named, typed, idempotent; inline without Redis, on rq workers with it.

- `registry.job(name, args=Model)` registers a job function `(JobContext, Model) -> object`.
- `enqueue(job, session=..., **kwargs)` sends it (after the session's commit when given).
- `microreach worker` runs queued jobs; `microreach scheduler` (or a thread of
  `microreach serve` in the embedded profile) enqueues the periodic ones (`schedule`).
"""

from microreach.jobs.environment import Enqueued, Jobs, configure, current, enqueue
from microreach.jobs.registry import JobContext, JobSpec, NoArgs, job

__all__ = [
    "Enqueued",
    "JobContext",
    "JobSpec",
    "Jobs",
    "NoArgs",
    "configure",
    "current",
    "enqueue",
    "job",
]
