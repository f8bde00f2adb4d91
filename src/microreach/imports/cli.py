"""``microreach import creators|posts|metrics FILE``: file imports from the command line.

Exit codes: 0 when every row was imported, 1 when rows were rejected (the good ones are still
imported; the rejects file says why), 2 for a file that cannot be imported at all (missing
required columns, unknown format, bad option) or a configuration error.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from microreach.config import get_settings
from microreach.creators.enums import Platform
from microreach.db.session import Database, open_database
from microreach.imports import mapping, service
from microreach.imports.formats import FileFormat
from microreach.imports.schemas import ImportKind, ImportReport
from microreach.imports.validate import FieldError, parse_time
from microreach.kit.errors import InvalidError

SHOWN_ERRORS = 20
import_app = typer.Typer(
    help="Import creators, posts or metrics from CSV, JSON Lines or XLSX files.",
    no_args_is_help=True,
)
console = Console(stderr=True)

FileArg = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV, JSONL or XLSX.")
]
PlatformOpt = Annotated[
    Platform | None, typer.Option(help="Platform of rows without a platform column or value.")
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="COLUMN=FIELD (repeatable); COLUMN= ignores a column."),
]
RejectsOpt = Annotated[
    Path | None, typer.Option(help="Where to write rejected rows (default: FILE.rejects.csv).")
]
CapturedOpt = Annotated[
    str | None,
    typer.Option(help="Capture time of rows without one (ISO 8601; default: now)."),
]
FormatOpt = Annotated[
    FileFormat | None, typer.Option("--format", help="File format (default: from the suffix).")
]


@import_app.command("creators")
def import_creators(
    file: FileArg,
    platform: PlatformOpt = None,
    map_: MapOpt = None,
    rejects: RejectsOpt = None,
    captured_at: CapturedOpt = None,
    file_format: FormatOpt = None,
) -> None:
    """Creators and their accounts (upsert by platform and handle)."""
    _run(ImportKind.CREATORS, file, platform, map_, rejects, captured_at, file_format)


@import_app.command("posts")
def import_posts(
    file: FileArg,
    platform: PlatformOpt = None,
    map_: MapOpt = None,
    rejects: RejectsOpt = None,
    captured_at: CapturedOpt = None,
    file_format: FormatOpt = None,
) -> None:
    """Posts of known accounts, with their counts (upsert by account and post id)."""
    _run(ImportKind.POSTS, file, platform, map_, rejects, captured_at, file_format)


@import_app.command("metrics")
def import_metrics(
    file: FileArg,
    platform: PlatformOpt = None,
    map_: MapOpt = None,
    rejects: RejectsOpt = None,
    captured_at: CapturedOpt = None,
    file_format: FormatOpt = None,
) -> None:
    """Account figures (rows without post_id) and post counts over time (snapshots)."""
    _run(ImportKind.METRICS, file, platform, map_, rejects, captured_at, file_format)


def _run(
    kind: ImportKind,
    file: Path,
    platform: Platform | None,
    map_options: list[str] | None,
    rejects: Path | None,
    captured_at: str | None,
    file_format: FileFormat | None,
) -> None:
    try:
        report = _import(kind, file, platform, map_options, rejects, captured_at, file_format)
    except InvalidError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    _print(report)
    if report.rejected:
        raise typer.Exit(1)


def _import(
    kind: ImportKind,
    file: Path,
    platform: Platform | None,
    map_options: list[str] | None,
    rejects: Path | None,
    captured_at: str | None,
    file_format: FileFormat | None,
) -> ImportReport:
    options = service.ImportOptions(
        kind=kind,
        platform=platform,
        column_map=mapping.parse_map_options(map_options or []),
        captured_at=_captured_at(captured_at),
        file_format=file_format,
    )
    database = _database()
    columns = (
        TextColumn(f"[bold]importing {kind}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with (
        Progress(*columns, console=console, transient=True) as progress,
        database.engine.connect() as connection,
    ):
        task = progress.add_task("file", total=file.stat().st_size, rows=0)
        return service.import_path(
            connection,
            file,
            options,
            rejects_path=rejects,
            progress=lambda rows, done: progress.update(task, completed=done, rows=rows),
        )


def _database() -> Database:
    return open_database(get_settings())


def _captured_at(value: str | None) -> datetime | None:
    try:
        return parse_time(value)
    except FieldError as exc:
        raise InvalidError(str(exc), field="--captured-at") from None


def _print(report: ImportReport) -> None:
    for error in report.errors[:SHOWN_ERRORS]:
        typer.echo(f"rejected: {error}", err=True)
    if report.rejected > SHOWN_ERRORS:
        typer.echo(f"... and {report.rejected - SHOWN_ERRORS:,} more rejected rows", err=True)
    if report.ignored_columns:
        typer.echo(f"ignored columns: {', '.join(report.ignored_columns)}", err=True)
    typer.echo(
        f"{report.file_name} ({report.encoding}): {report.rows:,} rows, "
        f"{report.imported:,} imported ({report.created:,} new, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged, {report.snapshots:,} snapshots), "
        f"{report.rejected:,} rejected in {report.seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows/s)",
        err=True,
    )
    if report.rejects_path is not None:
        typer.echo(f"rejected rows written to {report.rejects_path}", err=True)
    if report.created or report.updated or report.snapshots:
        every = get_settings().schedule_score_seconds
        later = (
            f" (the scoring job of a running scheduler does it within {-(-every // 60)} min)"
            if every
            else ""
        )
        typer.echo(f"score the new and changed accounts with `microreach score`{later}", err=True)
