"""The scheduler: each periodic job once per slot, one leader among schedulers (a Redis lease
renewed while alive), and a new leader when the old one dies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from microreach.config import Settings, load_settings
from microreach.jobs import scheduler as scheduling
from microreach.jobs.environment import Jobs
from microreach.jobs.lease import LocalLease, RedisLease
from microreach.jobs.scheduler import MemorySlots, Periodic, RedisSlots, Scheduler
from tests.jobs.sample import SEEN

T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clear() -> None:
    SEEN.clear()


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_periodic_job_is_enqueued_once_per_slot(inline_jobs: Jobs) -> None:
    scheduler = Scheduler(inline_jobs, [Periodic("tests.tick", 60)], LocalLease(), MemorySlots())
    assert [e.state for e in scheduler.tick(T0)] == ["ran"]
    assert scheduler.tick(T0 + timedelta(seconds=59)) == []
    assert [e.state for e in scheduler.tick(T0 + timedelta(seconds=60))] == ["ran"]
    assert len(SEEN) == 2


def test_the_intervals_come_from_the_settings_and_zero_turns_a_job_off(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "MICROREACH_SCHEDULE_ROLLUP_SECONDS": "60",
            "MICROREACH_SCHEDULE_REFRESH_SECONDS": "0",
            "MICROREACH_SCHEDULE_SCORE_SECONDS": "120",
            "MICROREACH_SCHEDULE_DISCOVERY_SECONDS": "0",
        },
        data_dir=tmp_path,
    )
    table = {p.job: p.every_seconds for p in scheduling.periodic_jobs(settings)}
    table.pop(scheduling.REPORTS_JOB, 60)  # follows the rollups once the reports register it
    assert table == {
        "links.rollup_clicks": 60,
        "campaigns.mark_missed_deliverables": settings.schedule_missed_deliverables_seconds,
        "privacy.apply_retention": 86400,
        "scores.rescore": 120,
    }


def test_the_in_process_scheduler_is_off_with_redis_or_when_turned_off(
    settings: Settings, inline_jobs: Jobs
) -> None:
    off = settings.model_copy(update={"scheduler_in_process": False})
    assert scheduling.start_for_serve(off, inline_jobs) is None
    scaled = settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/11"})
    assert scheduling.start_for_serve(scaled, inline_jobs) is None


class Running:
    """A scheduler in a thread; ``die`` stops it without handing the lease back."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.stop = threading.Event()
        self.thread = threading.Thread(target=scheduler.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def die(self) -> None:
        self.scheduler.lease.release = lambda: None  # type: ignore[method-assign]
        self.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)


@pytest.fixture
def two(redis_jobs: Jobs, redis_client: redis.Redis, prefix: str) -> Iterator[list[Running]]:
    def make() -> Scheduler:
        lease = RedisLease(redis_client, 1.0, key=f"{prefix}:leader")
        slots = RedisSlots(redis_client, f"{prefix}:slots")
        return Scheduler(redis_jobs, [Periodic("tests.tick", 1)], lease, slots, poll_seconds=0.2)

    running = [Running(make()), Running(make())]
    yield running
    for item in running:
        item.close()


def _leaders(running: list[Running]) -> list[int]:
    return [i for i, item in enumerate(running) if item.scheduler.leading]


def test_two_schedulers_one_leads_and_each_slot_is_enqueued_once(
    two: list[Running], redis_jobs: Jobs
) -> None:
    assert wait_for(lambda: len(_leaders(two)) == 1)
    started = time.time()
    # A loaded machine may take a while to run the leader's first tick: wait for it, then
    # let a few more slots pass.
    assert wait_for(lambda: redis_jobs.queue().count >= 1, seconds=20)
    time.sleep(2.0)
    assert len(_leaders(two)) == 1
    slots = int(time.time()) - int(started) + 2  # slots seen, counting both ends
    assert 1 <= redis_jobs.queue().count <= slots


def test_when_the_leader_dies_the_other_takes_over_after_the_lease(two: list[Running]) -> None:
    assert wait_for(lambda: len(_leaders(two)) == 1)
    leader = _leaders(two)[0]
    died = time.monotonic()
    two[leader].die()
    other = 1 - leader
    assert wait_for(lambda: two[other].scheduler.leading, 5.0)
    waited = time.monotonic() - died
    assert 0.5 < waited < 3.0  # the lease ran out (1 s TTL), then the next poll took it


def test_a_leader_that_stops_cleanly_hands_over_at_once(two: list[Running]) -> None:
    assert wait_for(lambda: len(_leaders(two)) == 1)
    leader = _leaders(two)[0]
    stopped = time.monotonic()
    two[leader].close()
    assert wait_for(lambda: two[1 - leader].scheduler.leading, 5.0)
    assert time.monotonic() - stopped < 1.0


def test_a_failing_tick_is_logged_and_the_next_poll_tries_again(
    inline_jobs: Jobs, caplog: pytest.LogCaptureFixture
) -> None:
    periodic = [Periodic("tests.no_such_job", 60), Periodic("tests.tick", 60)]
    scheduler = Scheduler(inline_jobs, periodic, LocalLease(), MemorySlots())
    assert scheduler.step() == []
    assert "scheduler: tick failed" in caplog.text
    scheduler.periodic = periodic[1:]
    assert [e.state for e in scheduler.step()] == ["ran"]
