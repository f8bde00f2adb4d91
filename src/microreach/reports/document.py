"""The presentation model of a report: what every renderer (page, CSV, XLSX, PDF) reads.

The report runners (`reports.service`) turn their results into one `ReportDocument`; the
renderers (`reports.render`) never compute a figure, they only format what is here, so the page
and every export carry the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Unit = Literal["count", "money", "percent", "ratio", "text", "date", "datetime", "number"]
"""How a value is formatted. `money` values are integer minor units of the document's currency;
`percent` values are fractions (0.034 is 3.4%); `ratio` values are plain multiples (ROAS 2.5)."""

Cell = str | int | float | bool | datetime | None


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    unit: Unit = "number"
    help: str | None = None
    """The definition in one line (shown as a tooltip and in the exports' notes)."""


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    """Stable identifier, also the CSV file name and the XLSX sheet name (max 31 chars)."""
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Cell], ...]
    note: str | None = None
    empty_message: str = "No data yet."


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    points: tuple[tuple[str, float | None], ...]
    """(x label, value) in display order; None is a gap (no data), never zero."""
    low: tuple[float | None, ...] | None = None
    high: tuple[float | None, ...] | None = None
    """Optional interval per point (same length as points)."""


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    kind: Literal["line", "bar"]
    x_label: str
    y_label: str
    unit: Unit
    series: tuple[Series, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline number with its definition, range and provenance."""

    key: str
    label: str
    value: float | None
    unit: Unit
    low: float | None = None
    high: float | None = None
    estimated: bool = False
    """True when the value is an estimate (for example reach without platform insights)."""
    help: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """A plain-language conclusion, with whether the data is enough to draw it."""

    metric: str
    text: str
    conclusive: bool


@dataclass(frozen=True, slots=True)
class ReportDocument:
    title: str
    subtitle: str
    currency: str
    generated_at: datetime
    data_as_of: datetime | None
    """The newest capture or click the figures include (freshness)."""
    headline: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)
