"""Where jobs go: inline in this process (embedded profile) or onto Redis for the workers.

`enqueue(job, **kwargs)` checks the arguments against the job's model first, so a bad call
fails in the caller, not later in a worker. Given the caller's session while a transaction is
open, the job waits for that transaction: it is dispatched after the commit (so it sees the
caller's rows) and dropped on rollback. The request id of the caller travels with the job.

Without MICROREACH_REDIS_URL the job runs at once in the calling thread, one attempt; a
failure is logged under the request id and counted, never raised into the caller (whose work
is already committed). With it, the job is pushed to the Redis queue and a `microreach worker`
runs it, with retries and backoff.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from redis import Redis
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import Retry
from rq.serializers import JSONSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from microreach.config import Settings
from microreach.db.session import Database
from microreach.jobs.registry import JobSpec, get
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConfigError
from microreach.observability.context import current_request_id

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "microreach"
RESULT_TTL = 3600  # seconds rq keeps a finished job (and its id, which dedupes periodic runs)
FAILURE_TTL = 7 * 24 * 3600
_PENDING = "microreach_jobs_pending"
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")

State = Literal["ran", "failed", "queued", "duplicate", "deferred"]


@dataclass(frozen=True)
class JobRequest:
    name: str
    payload: dict[str, Any]
    request_id: str | None
    job_id: str | None = None


@dataclass(frozen=True)
class Enqueued:
    """What became of an enqueue: ran (inline), failed (inline), queued (Redis), duplicate
    (a job with that id is already queued or recently done), deferred (until the commit)."""

    name: str
    state: State
    job_id: str | None = None


def safe_job_id(value: str) -> str:
    """rq accepts letters, digits, underscores and dashes in job ids."""
    return _UNSAFE_ID.sub("_", value)


@dataclass
class Jobs:
    """The job environment of a process: settings, database, clock and the queue's name."""

    settings: Settings
    database: Database
    queue_name: str = DEFAULT_QUEUE
    clock: Callable[[], datetime] = utcnow
    _redis: Redis | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def inline(self) -> bool:
        return not self.settings.redis_url

    def redis(self) -> Redis:
        """The connection used to enqueue (short timeouts: a dead Redis fails fast)."""
        if self.settings.redis_url is None:
            raise ConfigError("MICROREACH_REDIS_URL", "is not set (jobs run inline without it)")
        with self._lock:
            if self._redis is None:
                self._redis = Redis.from_url(
                    self.settings.redis_url, socket_connect_timeout=2, socket_timeout=10
                )
            return self._redis

    def queue(self, connection: Redis | None = None) -> Queue:
        return Queue(
            self.queue_name, connection=connection or self.redis(), serializer=JSONSerializer
        )

    def enqueue(
        self,
        job: JobSpec[Any] | str,
        *,
        session: Session | None = None,
        job_id: str | None = None,
        **kwargs: Any,
    ) -> Enqueued:
        """Send ``job`` with ``kwargs``; after ``session``'s commit when one is open."""
        spec = get(job) if isinstance(job, str) else get(job.name)
        request = JobRequest(spec.name, spec.payload(kwargs), current_request_id(), job_id)
        if session is not None and session.in_transaction():
            _defer(session, self, request)
            return Enqueued(spec.name, "deferred", job_id)
        return self.dispatch(request)

    def dispatch(self, request: JobRequest) -> Enqueued:
        if self.inline:
            return self._run_inline(request)
        spec = get(request.name)
        job_id = safe_job_id(request.job_id) if request.job_id else None
        try:
            job = self.queue().enqueue_call(
                "microreach.jobs.runner.perform",
                args=(request.name, request.payload, request.request_id),
                job_id=job_id,
                unique=job_id is not None,
                retry=Retry(max=spec.retries, interval=list(spec.backoff))
                if spec.retries
                else None,
                timeout=spec.timeout_seconds,
                result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL,
                description=request.name,
            )
        except DuplicateJobError:
            return Enqueued(request.name, "duplicate", job_id)
        return Enqueued(request.name, "queued", job.id)

    def _run_inline(self, request: JobRequest) -> Enqueued:
        from microreach.jobs.runner import run

        try:
            run(self, request.name, request.payload, request.request_id)
        except Exception:
            return Enqueued(request.name, "failed", request.job_id)  # logged and counted by run
        return Enqueued(request.name, "ran", request.job_id)

    def close(self) -> None:
        with self._lock:
            if self._redis is not None:
                self._redis.close()
                self._redis = None


def _defer(session: Session, jobs: Jobs, request: JobRequest) -> None:
    pending: list[tuple[Jobs, JobRequest]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_rollback)
    pending.append((jobs, request))


def _after_commit(session: Session) -> None:
    pending: list[tuple[Jobs, JobRequest]] = session.info.get(_PENDING) or []
    session.info[_PENDING] = []
    for jobs, request in pending:
        try:
            jobs.dispatch(request)
        except Exception:  # the caller's work is committed; a lost job must not undo its answer
            log.exception("could not send job %s after commit", request.name)


def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info[_PENDING] = []


_current: Jobs | None = None
_current_lock = threading.Lock()


def configure(settings: Settings, database: Database, *, queue_name: str = DEFAULT_QUEUE) -> Jobs:
    """Make this the process's job environment (the app, CLI commands and the worker)."""
    global _current
    with _current_lock:
        _current = Jobs(settings, database, queue_name)
        return _current


def current() -> Jobs:
    """The configured environment; built from the process settings when none was set."""
    global _current
    with _current_lock:
        if _current is None:
            from microreach.config import get_settings

            settings = get_settings()
            _current = Jobs(settings, Database.from_settings(settings))
        return _current


def enqueue(job: JobSpec[Any] | str, *, session: Session | None = None, **kwargs: Any) -> Enqueued:
    """Send ``job`` through the process's job environment (see the module docstring)."""
    return current().enqueue(job, session=session, **kwargs)
