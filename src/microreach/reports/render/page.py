"""The report's tables as the page shows them: every cell formatted once in Python (the
template only writes them out, which keeps a 2,000-post report page fast)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from microreach.reports.document import ReportDocument, Table
from microreach.reports.render.values import display

LEFT_UNITS = ("text", "date", "datetime")


@dataclass(frozen=True, slots=True)
class PageTable:
    table: Table
    numeric: tuple[bool, ...]
    """Per column: right-aligned figures (tabular numbers)."""
    body: Markup
    """The rows as escaped HTML."""


def page_table(document: ReportDocument, table: Table) -> PageTable:
    numeric = tuple(c.unit not in LEFT_UNITS for c in table.columns)
    opened = ['<td class="num">' if n else "<td>" for n in numeric]
    lines = []
    for row in table.rows:
        cells = "</td>".join(
            opening + escape(display(row.get(column.key), column.unit, document.currency))
            for opening, column in zip(opened, table.columns, strict=True)
        )
        lines.append(f"<tr>{cells}</td></tr>")
    # Every value went through html.escape above; the tags are ours.
    return PageTable(table, numeric, Markup("\n".join(lines)))


def page_tables(document: ReportDocument) -> list[PageTable]:
    return [page_table(document, table) for table in document.tables]
