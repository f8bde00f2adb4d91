"""The periodic jobs and the loop that enqueues them when due, under a lease.

Each periodic job runs once per slot: slot = whole intervals since the epoch. The last slot
enqueued per job is remembered (in Redis for the scale profile, so a new leader does not
repeat its predecessor's work; in memory in one process) and the Redis job id names the slot,
so two schedulers overlapping for a moment still enqueue a slot once. Jobs are idempotent, so
a slot run twice after a crash is harmless anyway.

Where it runs: `microreach scheduler` (scale profile, any number of them, one leads) or a
daemon thread of `microreach serve` / `microreach demo` in the embedded profile, which runs the
jobs inline in that thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import redis

from microreach.config import Settings
from microreach.jobs.environment import Enqueued, Jobs
from microreach.jobs.lease import Lease, LocalLease, RedisLease
from microreach.jobs.registry import names

log = logging.getLogger(__name__)

MAX_POLL_SECONDS = 5.0
REPORTS_JOB = "reports.refresh_click_days"


@dataclass(frozen=True)
class Periodic:
    job: str
    every_seconds: int

    def slot(self, now: datetime) -> int:
        return int(now.timestamp()) // self.every_seconds


def periodic_jobs(settings: Settings) -> list[Periodic]:
    """The periodic jobs and their intervals (MICROREACH_SCHEDULE_*_SECONDS; 0 turns one off)."""
    table = (
        ("links.rollup_clicks", settings.schedule_rollup_seconds),
        # The reports' daily click read model follows the rollups, when that job exists.
        (REPORTS_JOB, settings.schedule_rollup_seconds if REPORTS_JOB in names() else 0),
        ("campaigns.mark_missed_deliverables", settings.schedule_missed_deliverables_seconds),
        ("connectors.refresh_due", settings.schedule_refresh_seconds),
        ("scores.rescore", settings.schedule_score_seconds),
        # After the scoring job in a tick: a new account is scored, then indexed.
        ("discovery.refresh_index", settings.schedule_discovery_seconds),
        ("privacy.apply_retention", settings.schedule_retention_seconds),
    )
    return [Periodic(name, seconds) for name, seconds in table if seconds > 0]


class SlotStore(Protocol):
    def last(self, job: str) -> int | None: ...

    def remember(self, job: str, slot: int) -> None: ...


@dataclass
class MemorySlots:
    slots: dict[str, int] = field(default_factory=dict)

    def last(self, job: str) -> int | None:
        return self.slots.get(job)

    def remember(self, job: str, slot: int) -> None:
        self.slots[job] = slot


@dataclass
class RedisSlots:
    client: redis.Redis
    key: str

    def last(self, job: str) -> int | None:
        value = self.client.hget(self.key, job)
        return int(value) if value is not None else None

    def remember(self, job: str, slot: int) -> None:
        self.client.hset(self.key, job, slot)


class Scheduler:
    """Enqueues due periodic jobs while it holds the lease."""

    def __init__(
        self,
        jobs: Jobs,
        periodic: Sequence[Periodic],
        lease: Lease,
        slots: SlotStore,
        *,
        poll_seconds: float = MAX_POLL_SECONDS,
    ) -> None:
        self.jobs = jobs
        self.periodic = list(periodic)
        self.lease = lease
        self.slots = slots
        self.poll_seconds = poll_seconds
        self.leading = False
        self._announced = False

    def tick(self, now: datetime) -> list[Enqueued]:
        """Enqueue every job whose slot has not been enqueued yet."""
        sent = []
        for item in self.periodic:
            slot = item.slot(now)
            if self.slots.last(item.job) == slot:
                continue
            self.slots.remember(item.job, slot)
            job_id = f"periodic-{item.job}-{slot}"
            sent.append(self.jobs.enqueue(item.job, job_id=job_id))
        return sent

    def step(self) -> list[Enqueued]:
        """Hold (or try to take) the lease; tick when leading."""
        try:
            leading = self.lease.hold()
        except redis.RedisError as exc:
            log.warning("scheduler: lease unavailable (%s); retrying", exc)
            leading = False
        if leading != self.leading or not self._announced:
            log.info("scheduler: %s", "leading" if leading else "standing by")
            self.leading, self._announced = leading, True
        if not leading:
            return []
        try:
            return self.tick(self.jobs.clock())
        except redis.RedisError as exc:
            log.warning("scheduler: could not enqueue (%s); retrying", exc)
        except Exception:  # the loop outlives any one failure; the next poll tries again
            log.exception("scheduler: tick failed")
        return []

    def run(self, stop: threading.Event) -> None:
        """Step every poll interval until ``stop`` is set; hand the lease back on the way out."""
        try:
            while True:
                self.step()
                if stop.wait(self.poll_seconds):
                    break
        finally:
            if self.leading:
                with contextlib.suppress(redis.RedisError):  # else it expires after its TTL
                    self.lease.release()


def poll_interval(lease_seconds: float) -> float:
    """Renew three times per TTL, so one slow round trip does not lose the lease."""
    return min(MAX_POLL_SECONDS, lease_seconds / 3)


def for_jobs(jobs: Jobs) -> Scheduler:
    """The scheduler of the process: with Redis a lease per queue (`<queue>:scheduler:leader`,
    so `microreach:scheduler:leader` by default), else a local one."""
    settings = jobs.settings
    periodic = periodic_jobs(settings)
    if jobs.inline:
        return Scheduler(jobs, periodic, LocalLease(), MemorySlots(), poll_seconds=1.0)
    client = jobs.redis()
    ttl = settings.scheduler_lease_seconds
    lease = RedisLease(client, ttl, key=f"{jobs.queue_name}:scheduler:leader")
    slots = RedisSlots(client, f"{jobs.queue_name}:scheduler:slots")
    return Scheduler(jobs, periodic, lease, slots, poll_seconds=poll_interval(ttl))


@dataclass
class Background:
    """A scheduler running in a daemon thread of this process (the embedded profile)."""

    scheduler: Scheduler
    stop: threading.Event
    thread: threading.Thread

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.thread.join(timeout)


def start_background(jobs: Jobs) -> Background:
    scheduler = for_jobs(jobs)
    stop = threading.Event()
    thread = threading.Thread(
        target=scheduler.run, args=(stop,), name="microreach-scheduler", daemon=True
    )
    thread.start()
    return Background(scheduler, stop, thread)


def start_for_serve(settings: Settings, jobs: Jobs) -> Background | None:
    """The in-process scheduler of `microreach serve` / `demo`: only in the embedded profile
    (with Redis, run `microreach scheduler`) and unless MICROREACH_SCHEDULER_IN_PROCESS=false.
    `serve --workers N` starts it in the supervising process, so it runs once, not N times."""
    if settings.redis_url or not settings.scheduler_in_process:
        return None
    return start_background(jobs)
