"""The ``microreach`` command line: database, synthetic data, web server and the demo."""

from __future__ import annotations

import importlib
import os
import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup
from typer.main import get_command

from microreach.config import Settings, get_settings
from microreach.db.session import Database, open_database
from microreach.kit.errors import ConfigError, MicroreachError
from microreach.observability.logs import setup_logging
from microreach.science.tiers import get_scheme
from microreach.scores import service as scores

if TYPE_CHECKING:
    from fastapi import FastAPI
    from typer._click import Command, Context

    from microreach.synthetic.service import GenerateResult

DEMO_SEED = 2026
DEMO_CREATORS = 5000

# The other domains' commands and sub-applications, by name: their modules are imported when
# one of them runs (or the help lists them), so `microreach score` starts without importing
# every domain.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "refresh": ("microreach.connectors.cli", "refresh_command"),
    "worker": ("microreach.jobs.cli", "worker_command"),
    "scheduler": ("microreach.jobs.cli", "scheduler_command"),
    "export": ("microreach.privacy.cli", "export_command"),
    "import-bundle": ("microreach.privacy.cli", "import_bundle_command"),
    "forget": ("microreach.privacy.cli", "forget_command"),
    "click-worker": ("microreach.links.cli", "click_worker_command"),
}
LAZY_APPS: dict[str, tuple[str, str]] = {
    "users": ("microreach.accounts.cli", "users_app"),
    "eval": ("microreach.evaluation.cli", "eval_app"),
    "followers": ("microreach.evaluation.cli", "followers_app"),
    "import": ("microreach.imports.cli", "import_app"),
    "discovery": ("microreach.discovery.cli", "discovery_app"),
    "jobs": ("microreach.jobs.cli", "jobs_app"),
}


class _LazyGroup(TyperGroup):
    """The top-level group: the lazy commands are built the first time they are asked for,
    and listed where Typer lists commands and sub-applications (commands first)."""

    def list_commands(self, ctx: Context) -> list[str]:
        lazy = LAZY_COMMANDS.keys() | LAZY_APPS.keys()
        own = [name for name in super().list_commands(ctx) if name not in lazy]
        return [*LAZY_COMMANDS, *own, *LAZY_APPS]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if (cmd_name in LAZY_COMMANDS or cmd_name in LAZY_APPS) and cmd_name not in self.commands:
            self.add_command(_lazy_command(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)


def _lazy_command(name: str) -> Command:
    """The command as ``app.add_typer`` (a sub-application) or ``app.command`` (a function)
    would have built it."""
    holder = typer.Typer()
    holder.callback()(lambda: None)  # a group even when it holds a single command
    if name in LAZY_APPS:
        module, attribute = LAZY_APPS[name]
        holder.add_typer(getattr(importlib.import_module(module), attribute), name=name)
    else:
        module, attribute = LAZY_COMMANDS[name]
        holder.command(name)(getattr(importlib.import_module(module), attribute))
    group = get_command(holder)
    assert isinstance(group, TyperGroup)
    return group.commands[name]


app = typer.Typer(
    help="microreach: find the micro-influencers who move an audience, and measure them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_LazyGroup,
)
db_app = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console(stderr=True)


def _database(settings: Settings, *, require_current: bool = True) -> Database:
    return open_database(settings, require_current=require_current)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations (SQLite or PostgreSQL, whichever MICROREACH_DATABASE_URL names)."""
    from microreach.db import migrate

    database = _database(get_settings(), require_current=False)
    before = migrate.current_revision(database.engine)
    migrate.upgrade(database.engine, revision)
    after = migrate.current_revision(database.engine)
    typer.echo(f"database at revision {after} (was {before or 'empty'})", err=True)


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and whether it is the newest."""
    from microreach.db import migrate

    database = _database(get_settings(), require_current=False)
    current = migrate.current_revision(database.engine)
    head = migrate.head_revision(database.engine)
    state = "up to date" if current == head else f"behind (newest is {head})"
    typer.echo(f"{current or 'empty'}: {state}")


@app.command()
def generate(
    creators: Annotated[int, typer.Option(help="How many creators to generate.", min=1)] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 1,
    posts: Annotated[int, typer.Option(help="Posts per account.", min=1, max=200)] = 12,
    workers: Annotated[
        int, typer.Option(help="Generator processes beside the writer (default: CPUs - 1).")
    ] = -1,
) -> None:
    """Fill the database with realistic synthetic creators (idempotent for a seed)."""
    settings = get_settings()
    database = _database(settings)
    if workers < 0:
        workers = max(0, min(3, (os.cpu_count() or 1) - 1))
    result = _run_generate(database, settings, creators, seed, posts, workers)
    typer.echo(
        f"{result.created:,} creators added, {result.already_present:,} already present, "
        f"{result.skipped_conflicts:,} skipped for handle conflicts; "
        f"{result.rows_written:,} rows written (seed {seed}, as of {result.as_of:%Y-%m-%d})",
        err=True,
    )


@app.command()
def score(
    rescore: Annotated[
        bool, typer.Option("--all", help="Score every account again, current or not.")
    ] = False,
    tier_scheme: Annotated[
        str | None, typer.Option(help="Tier scheme (default: MICROREACH_TIER_SCHEME).")
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Scoring processes (default: CPUs; 0 scores in this process).")
    ] = -1,
) -> None:
    """Score every account whose score is missing, stale or of older formulas; rank peers."""
    settings = get_settings()
    database = _database(settings)
    if workers < 0:
        workers = os.cpu_count() or 1
    scheme = tier_scheme or settings.tier_scheme
    try:
        get_scheme(scheme)
    except ValueError as exc:
        raise ConfigError("--tier-scheme", str(exc)) from None
    started = time.perf_counter()
    columns = (TextColumn("[bold]scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with (
        Progress(*columns, console=console, transient=True) as progress,
        database.engine.connect() as connection,
    ):
        task = progress.add_task("accounts", total=None)
        result = scores.score_all(
            connection,
            tier_scheme=scheme,
            rescore=rescore,
            workers=workers,
            database_url=settings.resolved_database_url,
            progress=lambda n: progress.advance(task, n),
            commit_each=True,
        )
    seconds = time.perf_counter() - started
    rate = result.scored / seconds if seconds > 0 else 0.0
    typer.echo(
        f"{result.scored:,} accounts scored, {result.up_to_date:,} already up to date, "
        f"{result.reranked:,} re-ranked in {result.peer_groups:,} peer groups "
        f"in {seconds:.1f} s ({rate:,.0f} accounts/s); formulas {result.version}",
        err=True,
    )


def _run_generate(
    database: Database, settings: Settings, creators: int, seed: int, posts: int, workers: int
) -> GenerateResult:
    from microreach.synthetic import service as synthetic

    columns = (
        TextColumn("[bold]generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        Progress(*columns, console=console, transient=True) as progress,
        database.engine.connect() as connection,
    ):
        task = progress.add_task("creators", total=creators)
        return synthetic.generate(
            connection,
            creators=creators,
            seed=seed,
            secret_key=settings.secret_key or "",
            posts_per_account=posts,
            workers=workers,
            progress=lambda n: progress.advance(task, n),
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (MICROREACH_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (MICROREACH_PORT).")] = None,
    workers: Annotated[
        int, typer.Option(help="Web processes (uvicorn workers) sharing the port.", min=1)
    ] = 1,
) -> None:
    """Serve the web app and the API (and, without Redis, run the periodic jobs)."""
    settings = get_settings()
    _serve(settings, _database(settings), host or settings.host, port or settings.port, workers)


def _serve(settings: Settings, database: Database, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from microreach.jobs import configure
    from microreach.jobs.scheduler import start_for_serve
    from microreach.web.app import create_app

    # Without Redis the periodic jobs run in a thread of this process: with --workers N that
    # is the supervisor, which serves no requests, so they run once and not N times.
    background = start_for_serve(settings, configure(settings, database))
    # Our handler formats uvicorn's lines too (JSON in production); our middleware logs access.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level,
        "log_config": None,
        "access_log": False,
    }
    try:
        if workers == 1:
            uvicorn.run(create_app(settings, database, freeze_heap=True), **options)
        else:
            if settings.resolved_database_url.startswith("sqlite"):
                typer.echo(
                    f"note: {workers} web processes share one SQLite file; SQLite lets one of "
                    "them write at a time (the others wait up to 15 s), so writes do not "
                    "scale with processes: use PostgreSQL for that.",
                    err=True,
                )
            # A worker imports the whole app before it answers uvicorn's health pings; on a
            # busy machine that exceeds the 5 s default and uvicorn would restart it in a loop.
            options["timeout_worker_healthcheck"] = 60
            uvicorn.run("microreach.cli:web_app", factory=True, workers=workers, **options)
    finally:
        if background is not None:
            background.close()


def web_app() -> FastAPI:
    """The app factory each process of `serve --workers N` calls (its own pool and writer)."""
    from microreach.jobs import configure
    from microreach.web.app import create_app

    setup_logging()
    settings = get_settings()
    database = Database.from_settings(settings)
    configure(settings, database)
    return create_app(settings, database, freeze_heap=True)


@app.command()
def demo(
    creators: Annotated[
        int, typer.Option(help="Creators in the demo dataset.", min=1)
    ] = DEMO_CREATORS,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the server.")] = True,
) -> None:
    """Migrate, generate a realistic demo dataset and serve it on http://127.0.0.1:8000."""
    from microreach.accounts import service as accounts
    from microreach.db import migrate
    from microreach.discovery import service as discovery

    settings = get_settings()
    database = _database(settings, require_current=False)
    migrate.upgrade(database.engine)
    workers = max(0, min(3, (os.cpu_count() or 1) - 1))
    result = _run_generate(database, settings, creators, DEMO_SEED, 12, workers)
    with database.engine.connect() as connection:
        scored = scores.score_all(
            connection,
            tier_scheme=settings.tier_scheme,
            workers=workers,
            database_url=settings.resolved_database_url,
            commit_each=True,
        )
    typer.echo(f"scores: {scored.scored:,} accounts scored", err=True)
    if scored.scored or scored.reranked:
        indexed = discovery.rebuild_index(database.engine, settings)
        typer.echo(f"discovery: {indexed.profiles:,} accounts indexed", err=True)
    with database.sessions() as session:
        email, password = accounts.ensure_demo_login(session, settings)
        session.commit()
    typer.echo(
        f"demo data ready: {result.created:,} creators added, "
        f"{result.already_present:,} already there ({settings.resolved_database_url})",
        err=True,
    )
    url = f"http://{settings.host}:{settings.port}"
    console.print(
        f"\n[bold green]microreach is running at {url}[/]\n"
        f"  creators:     {url}/\n"
        f"  API and docs: {url}/api/docs\n"
        f"  health:       {url}/healthz\n"
        f"  sign in:      {url}/sign-in\n"
        f"                {email} / {password} (outside production only)\n"
        "Press Ctrl+C to stop.\n"
    )
    if serve_app:
        _serve(settings, database, settings.host, settings.port)


def main() -> None:
    """Console entry point: domain and configuration errors become one line and an exit code."""
    setup_logging()
    try:
        app()
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except MicroreachError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(1)
