"""`microreach click-worker`: the scale profile's click writer (Redis stream -> database)."""

from __future__ import annotations

import contextlib
import signal
import threading
from types import FrameType
from typing import Annotated

import redis
import typer

from microreach.config import get_settings
from microreach.db.session import open_database
from microreach.kit.errors import ConfigError
from microreach.links.stream import ClickConsumer


def click_worker_command(
    name: Annotated[
        str | None, typer.Option(help="Consumer name (default: host and process id).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Most clicks per transaction.", min=1)] = 1024,
    claim_idle: Annotated[
        float,
        typer.Option(
            help="Take over clicks another worker left unacknowledged this long (s).", min=1
        ),
    ] = 30.0,
    linger: Annotated[
        float,
        typer.Option(
            help="Once caught up with the stream, wait this long (ms) for more clicks before "
            "committing, so a busy stream is written in fewer, larger transactions.",
            min=0,
        ),
    ] = 20.0,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this process's Prometheus metrics on this port.", min=1),
    ] = None,
) -> None:
    """Write the clicks the redirect put on the Redis stream to the database, exactly once."""
    settings = get_settings()
    if not settings.redis_url:
        raise ConfigError("MICROREACH_REDIS_URL", "must be set: the click stream lives in Redis")
    database = open_database(settings)
    consumer = ClickConsumer(
        settings.redis_url,
        database,
        name=name,
        batch_size=batch_size,
        claim_idle_ms=int(claim_idle * 1000),
        linger_ms=int(linger),
    )
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=settings.host)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    typer.echo(f"click worker {consumer.name}: reading the click stream", err=True)
    with contextlib.suppress(redis.RedisError, OSError):  # run() waits for Redis itself
        warning = consumer.volatility()
        if warning:
            typer.echo(f"click worker {consumer.name}: warning: {warning}", err=True)
    try:
        consumer.run(stop)
    finally:
        consumer.close()
    typer.echo(
        f"click worker {consumer.name}: stopped after writing {consumer.stats.written:,} clicks "
        f"in {consumer.stats.batches:,} transactions",
        err=True,
    )
