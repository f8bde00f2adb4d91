"""What an import reads and reports: the kinds of file, row errors and the run's summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path


class ImportKind(StrEnum):
    CREATORS = "creators"
    POSTS = "posts"
    METRICS = "metrics"


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was not imported: its first line, the column (when one is to blame)."""

    line: int
    column: str | None
    reason: str
    value: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.reason}{shown}"


@dataclass
class ImportReport:
    """The outcome of one import: counts, the first errors, and where all rejects were written.

    ``created`` and ``updated`` count the main rows (accounts or posts); ``unchanged`` rows
    matched stored ones exactly; ``snapshots`` counts snapshot rows written."""

    kind: ImportKind
    file_name: str
    encoding: str
    columns: dict[str, str]
    ignored_columns: tuple[str, ...]
    captured_at: datetime
    rows: int = 0
    imported: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    snapshots: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejects_path: Path | None = None
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0
