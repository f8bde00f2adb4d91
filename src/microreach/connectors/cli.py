"""`microreach refresh`: capture due accounts through the configured platform APIs."""

from __future__ import annotations

import time
import uuid
from typing import Annotated

import typer

from microreach.config import get_settings
from microreach.connectors import tasks
from microreach.connectors.refresh import RefreshResult
from microreach.creators.enums import Platform
from microreach.db.session import open_database
from microreach.kit.errors import ConfigError, InvalidError


def refresh_command(
    platform: Annotated[
        list[str] | None, typer.Option(help="Only this platform (repeatable).")
    ] = None,
    account: Annotated[
        list[str] | None, typer.Option(help="Refresh this account id now, due or not.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most accounts in this run.", min=1)] = 1000,
    every: Annotated[
        float | None,
        typer.Option(help="Keep running: refresh again every N minutes (Ctrl+C stops).", min=1),
    ] = None,
) -> None:
    """Refresh accounts through the official APIs: priority first, then the stalest."""
    settings = get_settings()
    database = open_database(settings)
    platforms = [_platform(p) for p in platform] if platform else None
    connectors = tasks.connectors_for(database, settings, platforms)
    if not connectors:
        raise ConfigError(
            "MICROREACH_YOUTUBE_API_KEY",
            "no platform is configured (set the Instagram, YouTube or TikTok settings)",
        )
    force = frozenset(_uuid(a) for a in account or ())
    while True:
        result = tasks.refresh_due(
            database, settings, connectors=connectors, force=force, limit=limit
        )
        _report(result, sorted(p.value for p in connectors))
        if every is None:
            return
        force = frozenset()
        time.sleep(every * 60)


def _report(result: RefreshResult, platforms: list[str]) -> None:
    for name, reason in result.stopped.items():
        typer.echo(f"{name.value}: stopped for this run: {reason}", err=True)
    typer.echo(
        f"{result.refreshed:,} accounts refreshed ({result.snapshots:,} new snapshots), "
        f"{result.failed:,} failed, {result.skipped:,} left for the next run; "
        f"platforms: {', '.join(platforms)}",
        err=True,
    )


def _platform(value: str) -> str:
    try:
        return Platform(value.lower()).value
    except ValueError:
        raise InvalidError(f"unknown platform {value!r}", field="--platform") from None


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidError(f"not an account id: {value!r}", field="--account") from None
