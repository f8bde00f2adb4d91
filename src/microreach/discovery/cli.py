"""`microreach discovery index`: rebuild the search index, registered by microreach.cli."""

from __future__ import annotations

import time

import typer

from microreach.config import get_settings
from microreach.db.session import open_database
from microreach.discovery import service

discovery_app = typer.Typer(help="Discovery: the search index.", no_args_is_help=True)


@discovery_app.command("index")
def index() -> None:
    """Rebuild the discovery index from the stored scores (run after `microreach score`)."""
    settings = get_settings()
    database = open_database(settings)
    started = time.perf_counter()
    result = service.rebuild_index(database.engine, settings)
    typer.echo(
        f"{result.profiles:,} accounts indexed ({result.niches:,} niche entries, "
        f"{result.audience_shares:,} audience shares) in {time.perf_counter() - started:.1f} s",
        err=True,
    )
