"""`microreach worker` and `microreach scheduler`: the scale profile's job processes."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated, Any

import typer

from microreach.config import Settings, get_settings
from microreach.db.session import open_database
from microreach.jobs import registry
from microreach.jobs import scheduler as scheduling
from microreach.jobs.environment import DEFAULT_QUEUE, configure
from microreach.jobs.worker import run_worker
from microreach.kit.errors import ConfigError, InvalidError

jobs_app = typer.Typer(help="Background jobs: list them, run one now.", no_args_is_help=True)


def _require_redis(settings: Settings, command: str) -> None:
    if not settings.redis_url:
        raise ConfigError(
            "MICROREACH_REDIS_URL",
            f"is not set; `microreach {command}` needs Redis (without it jobs run inline and "
            "`microreach serve` runs the periodic jobs itself)",
        )


def worker_command(
    burst: Annotated[bool, typer.Option("--burst", help="Stop when the queue is empty.")] = False,
    queue: Annotated[str, typer.Option(help="Queue to work.")] = DEFAULT_QUEUE,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this process's Prometheus metrics on this port.", min=1),
    ] = None,
) -> None:
    """Run queued jobs from Redis (scale profile); several workers may run side by side."""
    settings = get_settings()
    _require_redis(settings, "worker")
    jobs = configure(settings, open_database(settings), queue_name=queue)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=settings.host)
    run_worker(jobs, burst=burst)


def scheduler_command(
    queue: Annotated[str, typer.Option(help="Queue to send periodic jobs to.")] = DEFAULT_QUEUE,
) -> None:
    """Enqueue the periodic jobs when due; start it twice and one leads (a Redis lease)."""
    settings = get_settings()
    _require_redis(settings, "scheduler")
    jobs = configure(settings, open_database(settings), queue_name=queue)
    scheduler = scheduling.for_jobs(jobs)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    names = ", ".join(f"{p.job} every {p.every_seconds}s" for p in scheduler.periodic)
    typer.echo(
        f"scheduler {getattr(scheduler.lease, 'holder', '')}: {names or 'no jobs'}", err=True
    )
    scheduler.run(stop)


@jobs_app.command("list")
def list_command() -> None:
    """Every registered job, with its interval when it is periodic."""
    every = {p.job: p.every_seconds for p in scheduling.periodic_jobs(get_settings())}
    for name in registry.names():
        when = f"every {every[name]} s" if name in every else "on demand"
        typer.echo(f"{name}\t{when}")


@jobs_app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="The job's name (see `microreach jobs list`).")],
    arg: Annotated[
        list[str] | None, typer.Option(help="An argument as key=value (repeatable).")
    ] = None,
    queue: Annotated[str, typer.Option(help="Queue, with Redis.")] = DEFAULT_QUEUE,
) -> None:
    """Run a job now: here without Redis, else on a worker (cron can call this)."""
    settings = get_settings()
    kwargs: dict[str, Any] = dict(_pair(item) for item in arg or ())
    jobs = configure(settings, open_database(settings), queue_name=queue)
    result = jobs.enqueue(name, **kwargs)
    typer.echo(f"{result.name}: {result.state}" + (f" ({result.job_id})" if result.job_id else ""))
    if result.state == "failed":
        raise typer.Exit(1)


def _pair(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise InvalidError(f"write the argument as key=value, not {item!r}", field="--arg")
    return key.strip(), value
