"""`microreach export`, `import-bundle` and `forget`: an organisation's data out and back in,
and a creator's personal data erased."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from microreach.campaigns.uploads import uploads_dir
from microreach.config import get_settings
from microreach.db.session import open_database
from microreach.kit.errors import InvalidError
from microreach.privacy import bundle
from microreach.privacy.forget import forget_creator


def export_command(
    org: Annotated[str, typer.Option("--org", help="Organisation slug or id.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory to write (new or empty); default ./<slug>-bundle."),
    ] = None,
) -> None:
    """Write everything an organisation owns as a bundle (JSON Lines + CSV; docs/privacy.md)."""
    database = open_database(get_settings())
    with database.transaction() as session:
        directory = out or Path(f"{org}-bundle")
        summary = bundle.write(session, org, directory)
    total = sum(summary.tables.values())
    typer.echo(
        f"exported {summary.organisation}: {total:,} rows in {len(summary.tables)} tables "
        f"to {summary.directory}",
        err=True,
    )


def import_bundle_command(
    directory: Annotated[Path, typer.Argument(help="A bundle written by `microreach export`.")],
) -> None:
    """Restore a bundle into this instance (the organisation must not exist here yet)."""
    database = open_database(get_settings())
    with database.transaction() as session:
        summary = bundle.restore(session, directory)
    total = sum(summary.tables.values())
    kept = sum(summary.skipped.values())
    typer.echo(
        f"imported {summary.organisation}: {total:,} rows in {len(summary.tables)} tables"
        + (f"; {kept:,} shared rows were already here and kept" if kept else "")
        + ". Members sign in after a password reset (passwords are not exported); "
        "create new API keys.",
        err=True,
    )


def forget_command(
    creator: Annotated[str, typer.Option("--creator", help="The creator's id.")],
    actor: Annotated[
        str, typer.Option(help="Who asked (recorded in the privacy log).")
    ] = "operator",
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a creator's personal data, keeping anonymous aggregates (see docs/privacy.md)."""
    try:
        creator_id = uuid.UUID(creator)
    except ValueError as exc:
        raise InvalidError(f"--creator: {creator!r} is not a creator id (a UUID)") from exc
    settings = get_settings()
    database = open_database(settings)
    if not yes:
        typer.confirm(f"Erase the personal data of creator {creator_id}?", abort=True)
    with database.transaction() as session:
        report = forget_creator(
            session, creator_id, actor=actor, uploads_root=uploads_dir(settings)
        )
    typer.echo(
        f"forgot creator {creator_id}: {report.accounts} accounts, {report.posts} posts, "
        f"{report.comments_deleted} comments deleted, {report.invitations} invitations, "
        f"{report.drafts} drafts ({report.files_deleted} files deleted)"
        + (" (it was already forgotten)" if report.already_forgotten else ""),
        err=True,
    )
