"""Helpers for the import tests: write a file, import it, count what is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.creators.models import AccountSnapshot, Creator, PlatformAccount, Post, PostSnapshot
from microreach.imports import service
from microreach.imports.schemas import ImportKind, ImportReport


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def run(
    connection: Connection,
    path: Path,
    kind: ImportKind = ImportKind.CREATORS,
    **options: Any,
) -> ImportReport:
    return service.import_path(connection, path, service.ImportOptions(kind=kind, **options))


def counts(connection: Connection) -> dict[str, int]:
    tables = {
        "creators": Creator,
        "accounts": PlatformAccount,
        "account_snapshots": AccountSnapshot,
        "posts": Post,
        "post_snapshots": PostSnapshot,
    }
    return {
        name: connection.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        for name, model in tables.items()
    }


def account(connection: Connection, handle: str) -> Any:
    return connection.execute(
        sa.select(PlatformAccount).where(PlatformAccount.handle == handle)
    ).one()
