"""Import runs: stream a file, validate each row, write good rows in batches, report the rest.

Like the synthetic load, an import is a bulk load that commits as it goes: each batch of
``BATCH_ROWS`` rows is one transaction (a savepoint inside a caller's transaction, as in tests
and in a web request), so memory stays flat and an interrupted import keeps what it wrote;
running it again completes it, because every write is an idempotent upsert.

Duplicate keys within one file: the first row wins and later ones are rejected, naming the
line of the first. Keys seen so far live in a temporary SQLite file, not in memory, so a file
of any length is checked in bounded memory.
"""

from __future__ import annotations

import contextlib
import csv
import sqlite3
import tempfile
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection

from microreach.creators.enums import Platform
from microreach.imports import formats, mapping
from microreach.imports.formats import FileFormat, Record
from microreach.imports.schemas import ImportKind, ImportReport, RowError
from microreach.imports.validate import RowValidator
from microreach.imports.writer import BatchWriter, Item, row_key
from microreach.kit.clock import as_utc, utcnow

BATCH_ROWS = 5_000
MAX_REPORTED_ERRORS = 1_000
SQLITE_CACHE_KIB = 131_072
SQLITE_CHECKPOINT_PAGES = 20_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """What to import and how: ``platform`` for rows without one, ``column_map`` from --map,
    ``captured_at`` for rows without a capture time (default: when the import starts)."""

    kind: ImportKind
    platform: Platform | None = None
    column_map: Mapping[str, str] = field(default_factory=dict)
    captured_at: datetime | None = None
    file_format: FileFormat | None = None
    batch_rows: int = BATCH_ROWS


def default_rejects_path(path: Path) -> Path:
    """``creators.csv`` -> ``creators.rejects.csv`` beside it."""
    return path.with_name(f"{path.stem}.rejects.csv")


def import_path(
    connection: Connection,
    path: Path,
    options: ImportOptions,
    *,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the file at ``path``; rejects go to ``rejects_path`` (default: beside it)."""
    with path.open("rb") as stream:
        return import_stream(
            connection,
            stream,
            path.name,
            options,
            rejects_path=rejects_path or default_rejects_path(path),
            progress=progress,
        )


def import_stream(
    connection: Connection,
    stream: IO[bytes],
    name: str,
    options: ImportOptions,
    *,
    rejects_path: Path,
    progress: Progress | None = None,
) -> ImportReport:
    """Import an open binary ``stream`` named ``name`` (its suffix picks the format)."""
    started = time.perf_counter()
    source = formats.open_source(stream, name, options.file_format)
    columns = mapping.resolve(
        options.kind,
        source.columns,
        options.column_map,
        platform_given=options.platform is not None,
    )
    now = as_utc(options.captured_at) if options.captured_at else utcnow()
    report = ImportReport(
        kind=options.kind, file_name=name, encoding=source.encoding, columns=columns.fields,
        ignored_columns=columns.ignored, captured_at=now,
    )  # fmt: skip
    _tune_bulk_load(connection)
    run = _Run(connection, options, report, columns.fields, rejects_path, source.columns)
    with run.rejects, _seen_keys() as seen:
        run.seen = seen
        batch: list[tuple[Record, dict[str, Any]]] = []
        for record in source.records:
            report.rows += 1
            parsed = run.check(record)
            if parsed is not None:
                batch.append((record, parsed))
            if len(batch) >= options.batch_rows:
                run.flush(batch)
                batch = []
                if progress is not None:
                    progress(report.rows, _position(stream))
        run.flush(batch)
        if progress is not None:
            progress(report.rows, _position(stream))
    report.errors.sort(key=lambda error: error.line)
    report.rejects_path = run.rejects.path if run.rejects.count else None
    report.seconds = time.perf_counter() - started
    return report


def _tune_bulk_load(connection: Connection) -> None:
    """On SQLite outside a caller's transaction: a 128 MiB page cache keeps the indexes in
    memory, and rarer WAL checkpoints keep fsyncs off the hot path."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        return
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    connection.commit()


def _position(stream: IO[bytes]) -> int:
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0


class _Run:
    def __init__(
        self,
        connection: Connection,
        options: ImportOptions,
        report: ImportReport,
        fields: dict[str, str],
        rejects_path: Path,
        columns: list[str],
    ) -> None:
        self.connection = connection
        self.options = options
        self.report = report
        self.fields = fields
        self.rejects = _Rejects(rejects_path, columns)
        self.writer = BatchWriter(options.kind, connection, report.captured_at)
        self.seen: _SeenKeys | None = None
        self.validate = RowValidator(options.kind, fields, options.platform)

    def check(self, record: Record) -> dict[str, Any] | None:
        if record.values is None:
            problem = record.problem or "unreadable"
            self.reject(record, [RowError(record.line, record.column, problem)])
            return None
        parsed, errors = self.validate(record.line, record.values)
        if errors:
            self.reject(record, errors)
            return None
        return parsed

    def flush(self, batch: list[tuple[Record, dict[str, Any]]]) -> None:
        if not batch:
            return
        assert self.seen is not None
        kind = self.options.kind
        keys = [(record.line, row_key(kind, p)) for record, p in batch]
        first_lines = self.seen.check(keys)
        if first_lines:
            items: list[Item] = []
            for record, parsed in batch:
                first = first_lines.get(record.line)
                if first is not None:
                    reason = f"duplicate of line {first} (the first row wins)"
                    column = self.fields.get("post_id" if "post_id" in parsed else "handle")
                    self.reject(record, [RowError(record.line, column, reason)])
                else:
                    items.append((record.line, parsed))
        else:
            items = [(record.line, parsed) for record, parsed in batch]
        with _unit(self.connection):
            result = self.writer.write(items)
        failed = {error.line for error in result.errors}
        if failed:
            records = {record.line: record for record, _ in batch}
            for error in result.errors:
                self.reject(records[error.line], [error])
        self.report.imported += len(items) - len(failed)
        self.report.created += result.created
        self.report.updated += result.updated
        self.report.unchanged += result.unchanged
        self.report.snapshots += result.snapshots

    def reject(self, record: Record, errors: Sequence[RowError]) -> None:
        self.report.rejected += 1
        room = MAX_REPORTED_ERRORS - len(self.report.errors)
        if room > 0:
            self.report.errors.extend(errors[:room])
        self.rejects.write(record, errors)


@contextmanager
def _unit(connection: Connection) -> Iterator[None]:
    """Commit on success; a savepoint when the caller already holds a transaction."""
    scope = connection.begin_nested() if connection.in_transaction() else connection.begin()
    with scope:
        yield


class _Rejects:
    """The rejects CSV: line, column, reason, then the row's original values. Created on the
    first reject, so a clean import leaves no file."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.count = 0
        self._file: IO[str] | None = None
        self._writer: Any = None

    def __enter__(self) -> _Rejects:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def write(self, record: Record, errors: Sequence[RowError]) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(["line", "column", "reason", *self.columns])
        self.count += 1
        values = record.values or {}
        original = ["" if values.get(c) is None else str(values.get(c)) for c in self.columns]
        column = (
            " | ".join(e.column or "" for e in errors)
            if len(errors) > 1
            else (errors[0].column or "")
        )
        reason = " | ".join(e.reason for e in errors)
        self._writer.writerow([record.line, column, reason, *original])


class _SeenKeys:
    """First line of every key seen in this file, kept in a temporary SQLite file."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE seen (key INTEGER PRIMARY KEY, line INTEGER NOT NULL)")

    def check(self, keys: Sequence[tuple[int, Hashable]]) -> dict[int, int]:
        """Line -> first line, for every line whose key came earlier; records the new keys."""
        fresh: dict[int, int] = {}
        duplicates: dict[int, int] = {}
        for line, key in keys:
            hashed = hash(key)
            first = fresh.get(hashed)
            if first is None:
                fresh[hashed] = line
            else:
                duplicates[line] = first
        earlier = self._lookup(list(fresh))
        for hashed, first in earlier.items():
            duplicates[fresh.pop(hashed)] = first
        self.db.executemany("INSERT INTO seen VALUES (?, ?)", fresh.items())
        return duplicates

    def _lookup(self, hashes: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in range(0, len(hashes), 30_000):
            part = hashes[start : start + 30_000]
            marks = ",".join("?" * len(part))
            sql = f"SELECT key, line FROM seen WHERE key IN ({marks})"
            found.update(self.db.execute(sql, part).fetchall())
        return found

    def close(self) -> None:
        self.db.close()


@contextmanager
def _seen_keys() -> Iterator[_SeenKeys]:
    with tempfile.TemporaryDirectory(prefix="microreach-import-") as directory:
        seen = _SeenKeys(Path(directory) / "seen.db")
        try:
            yield seen
        finally:
            with contextlib.suppress(sqlite3.Error):
                seen.close()
