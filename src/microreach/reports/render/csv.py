"""CSV of a report's tables: one table per file, or every table in one zip.

Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with an apostrophe, as OWASP advises; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile

from microreach.reports.document import ReportDocument, Table
from microreach.reports.render.values import header, plain

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """``text`` that no spreadsheet evaluates: '=HYPERLINK(...) stays text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def table_csv(document: ReportDocument, table: Table) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (so spreadsheets read the accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(header(c, document.currency)) for c in table.columns])
    for row in table.rows:
        cells = []
        for column in table.columns:
            value = row.get(column.key)
            text = plain(value, column.unit, document.currency)
            cells.append(safe_text(text) if isinstance(value, str) else text)
        writer.writerow(cells)
    return ("\ufeff" + out.getvalue()).encode()


def tables_zip(document: ReportDocument, stem: str) -> bytes:
    """Every table as ``<stem>-<table key>.csv`` in one zip archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in document.tables:
            archive.writestr(f"{stem}-{table.key}.csv", table_csv(document, table))
    return out.getvalue()
