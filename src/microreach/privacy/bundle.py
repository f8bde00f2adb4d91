"""Export everything an organisation owns as a bundle, and restore a bundle into an instance.

A bundle is a directory (documented in docs/export-bundle.md):

- `manifest.json`: format and version, the schema revision it was written at, the organisation,
  and per table its role, row count and the SHA-256 of its JSON Lines file;
- `<table>.jsonl`: one JSON object per row, every column, rows in primary-key order; the source
  of truth for `import-bundle`;
- `<table>.csv`: the same rows for a spreadsheet (JSON columns as JSON text, nulls empty).

What goes in is decided from the schema, so a table added later is exported without a change
here: **owned** tables are those with an `organisation_id` (rows of the organisation and of the
brands an agency runs); **child** tables hang off an owned table by a foreign key and have no
organisation of their own (clicks and click rollups of the organisation's links); **reference**
rows are the rows outside the organisation that exported rows point at (the people who are
members, the creators, accounts and posts of its campaigns), so the bundle restores into an
empty instance; **context** rows are the metric series of those accounts and posts.
Secrets of the instance never leave it: sessions, API keys, password resets and daily visitor
hashes are not exported, and users come without their password hash (a restored member signs in
after a password reset).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach import __version__
from microreach.db import models as _models  # noqa: F401  (every table in the metadata)
from microreach.db.base import Base, StrEnumType, UTCDateTime
from microreach.db.migrate import head_revision
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError

FORMAT = "microreach-bundle"
FORMAT_VERSION = 1
PASSWORD_PLACEHOLDER = "!restored-from-bundle: reset the password to sign in"
"""Stored instead of a password hash: no password verifies against it (argon2 refuses it)."""

EXCLUDED: dict[str, str] = {
    "user_sessions": "sign-in sessions are secrets of the instance that issued them",
    "api_keys": "keys are secrets of the instance (hashed with its key); create new ones",
    "password_resets": "single-use secrets of the instance",
    "link_visitors": "daily visitor hashes exist only to decide uniques on the day",
    "click_marks": "the rollup jobs' to-do list, read within minutes and then deleted",
    "login_attempts": "rate-limit counters of the instance",
}
CONTEXT_TABLES: dict[str, tuple[str, str]] = {
    "post_snapshots": ("post_id", "posts"),
    "account_snapshots": ("account_id", "platform_accounts"),
}
"""Series exported for the posts and accounts the bundle references: table -> (column, parent)."""

Role = Literal["owned", "child", "reference", "context"]
_CHUNK = 500


@dataclass
class TableExport:
    name: str
    role: Role
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class BundleSummary:
    organisation: str
    directory: Path
    tables: dict[str, int]
    """Rows written (export) or inserted (import) per table."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Import only: reference rows already present in the target, per table."""


def _tables() -> dict[str, sa.Table]:
    return {table.name: table for table in Base.metadata.sorted_tables}


def _owned(table: sa.Table) -> bool:
    return "organisation_id" in table.c and table.name not in EXCLUDED


def _pk(table: sa.Table) -> list[sa.Column[Any]]:
    return list(table.primary_key.columns)


def _select_in(
    session: Session, table: sa.Table, column: sa.Column[Any], values: Iterable[Any]
) -> Iterator[dict[str, Any]]:
    ordered = sorted(set(values), key=str)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        result = session.execute(sa.select(table).where(column.in_(chunk)))
        for row in result.mappings():
            yield dict(row)


def _organisation_ids(session: Session, org: str) -> tuple[dict[str, Any], list[uuid.UUID]]:
    organisations = _tables()["organisations"]
    condition = organisations.c.slug == org
    with contextlib.suppress(ValueError):
        condition = sa.or_(condition, organisations.c.id == uuid.UUID(org))
    row = session.execute(sa.select(organisations).where(condition)).mappings().first()
    if row is None:
        raise NotFoundError(f"--org: no organisation with slug or id {org!r}")
    ids = [row["id"]]
    children = session.execute(
        sa.select(organisations.c.id).where(organisations.c.parent_id == row["id"])
    ).scalars()
    ids.extend(children)
    return dict(row), ids


def collect(session: Session, org: str) -> tuple[dict[str, Any], dict[str, TableExport]]:
    """Read every row the bundle of `org` (slug or id) holds, without writing anything."""
    tables = _tables()
    organisation, org_ids = _organisation_ids(session, org)
    exports: dict[str, TableExport] = {}
    keys: dict[str, set[Any]] = {}

    def add(name: str, role: Role, rows: Iterable[dict[str, Any]]) -> None:
        export = exports.setdefault(name, TableExport(name, role))
        table = tables[name]
        pk = _pk(table)
        seen = keys.setdefault(name, set())
        for row in rows:
            key = tuple(row[column.name] for column in pk)
            if key in seen:
                continue
            seen.add(key)
            export.rows.append(row)

    add(
        "organisations",
        "owned",
        _select_in(session, tables["organisations"], tables["organisations"].c.id, org_ids),
    )
    for table in tables.values():
        if table.name != "organisations" and _owned(table):
            add(table.name, "owned", _select_in(session, table, table.c.organisation_id, org_ids))
    # Children: rows without an organisation that hang off an owned row (clicks of its links).
    for table in tables.values():
        if table.name in exports or table.name in EXCLUDED or "organisation_id" in table.c:
            continue
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            if parent == "organisations" or parent not in exports:
                continue
            if exports[parent].role != "owned":
                continue
            parent_ids = [row[fk.column.name] for row in exports[parent].rows]
            add(table.name, "child", _select_in(session, table, fk.parent, parent_ids))
    # References: follow foreign keys out of the bundle until every target is inside it.
    pending = True
    while pending:
        pending = False
        for table in reversed(list(tables.values())):
            if table.name not in exports:
                continue
            for fk in table.foreign_keys:
                target = fk.column.table
                if target.name in EXCLUDED:
                    continue
                wanted = {
                    row[fk.parent.name]
                    for row in exports[table.name].rows
                    if row.get(fk.parent.name) is not None
                }
                present = {
                    row[fk.column.name]
                    for row in exports.get(target.name, TableExport(target.name, "reference")).rows
                }
                missing = wanted - present
                if not missing:
                    continue
                if target.name in exports and exports[target.name].role in ("owned", "child"):
                    raise ConflictError(
                        f"{table.name}.{fk.parent.name} points at {target.name} rows of another "
                        "organisation; the bundle would not be self-contained"
                    )
                add(target.name, "reference", _select_in(session, target, fk.column, missing))
                pending = True
    for name, (column, parent) in CONTEXT_TABLES.items():
        if parent in exports and name not in exports:
            table = tables[name]
            ids = [row["id"] for row in exports[parent].rows]
            add(name, "context", _select_in(session, table, table.c[column], ids))
    if "users" in exports:
        for row in exports["users"].rows:
            row["password_hash"] = PASSWORD_PLACEHOLDER
    for export in exports.values():
        pk = [column.name for column in _pk(tables[export.name])]
        export.rows.sort(key=lambda row: tuple(str(row[name]) for name in pk))
    return organisation, exports


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    raise TypeError(f"cannot export a value of type {type(value).__name__}")


def _csv_cell(value: Any) -> str:
    encoded = _encode(value)
    if encoded is None:
        return ""
    if isinstance(encoded, dict | list):
        return json.dumps(encoded, ensure_ascii=False, sort_keys=True)
    return str(encoded)


def write(session: Session, org: str, directory: Path) -> BundleSummary:
    """`microreach export --org ORG`: write the organisation's bundle into `directory`."""
    if directory.exists() and any(directory.iterdir()):
        raise InvalidError(f"--out: {directory} exists and is not empty")
    organisation, exports = collect(session, org)
    directory.mkdir(parents=True, exist_ok=True)
    tables = _tables()
    manifest_tables: dict[str, Any] = {}
    for name in [table.name for table in tables.values() if table.name in exports]:
        export = exports[name]
        columns = [column.name for column in tables[name].c]
        digest = hashlib.sha256()
        with (directory / f"{name}.jsonl").open("wb") as jsonl:
            for row in export.rows:
                line = (
                    json.dumps(
                        {column: _encode(row[column]) for column in columns},
                        ensure_ascii=False,
                        sort_keys=True,
                    ).encode("utf-8")
                    + b"\n"
                )
                digest.update(line)
                jsonl.write(line)
        with (directory / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in export.rows:
                writer.writerow([_csv_cell(row[column]) for column in columns])
        manifest_tables[name] = {
            "role": export.role,
            "rows": len(export.rows),
            "sha256": digest.hexdigest(),
            "columns": columns,
        }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "microreach_version": __version__,
        "schema_revision": head_revision(session.get_bind().engine),
        "exported_at": utcnow().isoformat(),
        "organisation": {
            "id": str(organisation["id"]),
            "slug": organisation["slug"],
            "name": organisation["name"],
        },
        "tables": manifest_tables,
        "not_exported": EXCLUDED,
    }
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return BundleSummary(
        organisation["slug"], directory, {name: len(e.rows) for name, e in exports.items()}
    )


def _decoder(column: sa.Column[Any]) -> Any:
    kind = column.type
    if isinstance(kind, UTCDateTime | sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Uuid):
        return uuid.UUID
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal
    if isinstance(kind, StrEnumType):
        return str
    return None


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    if not path.is_file():
        raise InvalidError(f"{directory}: not a bundle (no manifest.json)")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise InvalidError(
            f"{path}: format {manifest.get('format')!r} version "
            f"{manifest.get('format_version')!r} is not {FORMAT!r} version {FORMAT_VERSION}"
        )
    return manifest


def _verify(directory: Path, name: str, expected: Mapping[str, Any]) -> Path:
    """Check a table's file against the manifest (digest and row count) before any insert."""
    path = directory / f"{name}.jsonl"
    if not path.is_file():
        raise InvalidError(f"{path}: missing (the manifest lists table {name})")
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as handle:
        for line in handle:
            digest.update(line)
            lines += 1
    if digest.hexdigest() != expected["sha256"]:
        raise InvalidError(f"{path}: SHA-256 does not match the manifest (file changed or cut)")
    if lines != expected["rows"]:
        raise InvalidError(f"{path}: {lines} rows, the manifest says {expected['rows']}")
    return path


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidError(f"{path}, line {number}: not valid JSON ({exc.msg})") from exc


def restore(session: Session, directory: Path) -> BundleSummary:
    """`microreach import-bundle DIR`: insert a bundle's rows; the caller commits.

    Owned and child rows must be new to this instance (the organisation must not exist here);
    reference and context rows already present (same primary key) are kept as they are.
    """
    manifest = read_manifest(directory)
    current = head_revision(session.get_bind().engine)
    if manifest.get("schema_revision") != current:
        raise InvalidError(
            f"bundle schema revision {manifest.get('schema_revision')!r} differs from this "
            f"instance's {current!r}: import it into an instance of the same version"
        )
    tables = _tables()
    listed: Mapping[str, Any] = manifest["tables"]
    unknown = sorted(set(listed) - set(tables))
    if unknown:
        raise InvalidError(f"bundle lists unknown tables: {', '.join(unknown)}")
    files = {name: _verify(directory, name, info) for name, info in listed.items()}
    for name, info in listed.items():
        extra = sorted(set(info["columns"]) - {column.name for column in tables[name].c})
        if extra:
            raise InvalidError(f"{name}: columns not in this schema: {', '.join(extra)}")
    organisations = tables["organisations"]
    org = manifest["organisation"]
    clash = session.execute(
        sa.select(organisations.c.slug).where(
            sa.or_(organisations.c.id == uuid.UUID(org["id"]), organisations.c.slug == org["slug"])
        )
    ).first()
    if clash is not None:
        raise ConflictError(f"organisation {org['slug']!r} already exists in this instance")
    inserted: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for table in tables.values():
        if table.name in listed:
            role = listed[table.name]["role"]
            done, kept = _insert(
                session, table, files[table.name], keep_existing=role in ("reference", "context")
            )
            inserted[table.name] = done
            if kept:
                skipped[table.name] = kept
    return BundleSummary(org["slug"], directory, inserted, skipped)


def _existing_keys(
    session: Session, table: sa.Table, pk: list[sa.Column[Any]], rows: list[dict[str, Any]]
) -> set[tuple[Any, ...]]:
    found: set[tuple[Any, ...]] = set()
    if len(pk) == 1:
        for row in _select_in(session, table, pk[0], [r[pk[0].name] for r in rows]):
            found.add((row[pk[0].name],))
        return found
    first = pk[0]
    for row in _select_in(session, table, first, [r[first.name] for r in rows]):
        found.add(tuple(row[c.name] for c in pk))
    return found


def _insert(
    session: Session, table: sa.Table, path: Path, *, keep_existing: bool
) -> tuple[int, int]:
    """Insert a table's rows in chunks; with `keep_existing`, rows whose key is already here
    are left as they are (shared reference rows). Returns (inserted, kept)."""
    decoders = {column.name: _decoder(column) for column in table.c}
    pk = _pk(table)
    inserted = kept = 0
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal inserted, kept
        rows = chunk
        if keep_existing and rows:
            existing = _existing_keys(session, table, pk, rows)
            fresh = [r for r in rows if tuple(r[c.name] for c in pk) not in existing]
            kept += len(rows) - len(fresh)
            rows = fresh
        if rows:
            try:
                with session.begin_nested():
                    session.execute(sa.insert(table), rows)
            except sa.exc.IntegrityError as exc:
                raise ConflictError(
                    f"{table.name}: rows conflict with data already in this instance "
                    f"({str(exc.orig).splitlines()[0]})"
                ) from exc
        inserted += len(rows)
        chunk.clear()

    for number, raw in _rows(path):
        row: dict[str, Any] = {}
        for name, value in raw.items():
            decode = decoders[name]
            try:
                row[name] = value if value is None or decode is None else decode(value)
            except (ValueError, TypeError) as exc:
                raise InvalidError(
                    f"{path.name}, line {number}, column {name}: bad value {value!r}"
                ) from exc
        chunk.append(row)
        if len(chunk) >= _CHUNK:
            flush()
    flush()
    return inserted, kept
