"""The report as an XLSX workbook: a Summary sheet (headline figures and verdicts), one sheet
per table with typed cells (numbers as numbers, money formatted in the currency, percentages as
percentages, times as times) and a Notes sheet with every definition."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from microreach.kit.clock import as_utc
from microreach.reports.document import Cell, ReportDocument, Table, Unit
from microreach.reports.render.values import MISSING, display, exponent, header, major

BOLD = Font(bold=True)
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
RESERVED_SHEETS = ("Summary", "Notes")


def number_format(unit: Unit, currency: str) -> str:
    if unit == "money":
        places = exponent(currency)
        decimals = "." + "0" * places if places else ""
        return f'#,##0{decimals} "{currency}"'
    if unit == "percent":
        return "0.0%"
    if unit == "ratio":
        return "0.00"
    if unit == "count":
        return "#,##0"
    if unit in ("date", "datetime"):
        return 'yyyy-mm-dd hh:mm "UTC"' if unit == "datetime" else "yyyy-mm-dd"
    return "General"


def sheet_title(key: str, taken: set[str]) -> str:
    """The table key as a valid, unique sheet name (31 characters, no []:*?/\\)."""
    base = _SHEET_FORBIDDEN.sub("_", key)[:31] or "table"
    title, n = base, 2
    while title.lower() in taken:
        title = f"{base[: 31 - len(str(n)) - 1]}-{n}"
        n += 1
    taken.add(title.lower())
    return title


def _cell(sheet: Worksheet, row: int, column: int) -> XlCell:
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, XlCell)  # nothing here is merged
    return cell


def _as_time(text: str, unit: Unit) -> Cell | date:
    """An ISO date or time given as text, as a real date or time (so it sorts and filters)."""
    try:
        if unit == "date":
            return date.fromisoformat(text)
        if unit == "datetime":
            return datetime.fromisoformat(text)
    except ValueError:
        pass
    return text


def _put(sheet: Worksheet, row: int, column: int, value: Cell, unit: Unit, currency: str) -> None:
    cell = _cell(sheet, row, column)
    typed = _as_time(value, unit) if isinstance(value, str) else major(value, unit, currency)
    if isinstance(typed, datetime):
        typed = as_utc(typed).replace(tzinfo=None)  # Excel has no time zones; the format says UTC
    cell.value = typed
    if isinstance(typed, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif typed is not None:
        cell.number_format = number_format(unit, currency)


def _text(sheet: Worksheet, row: int, column: int, text: str, *, bold: bool = False) -> None:
    cell = _cell(sheet, row, column)
    cell.value = text
    cell.data_type = "s"
    if bold:
        cell.font = BOLD


def _summary(sheet: Worksheet, document: ReportDocument) -> None:
    currency = document.currency
    _text(sheet, 1, 1, document.title, bold=True)
    _text(sheet, 2, 1, document.subtitle)
    as_of = display(document.data_as_of, "datetime", currency) if document.data_as_of else MISSING
    _text(
        sheet,
        3,
        1,
        f"Data as of {as_of}; generated {display(document.generated_at, 'datetime', currency)}",
    )
    for column, title in enumerate(("Figure", "Value", "Low", "High", "Estimated"), start=1):
        _text(sheet, 5, column, title, bold=True)
    row = 6
    for figure in document.headline:
        _text(sheet, row, 1, figure.label)
        _put(sheet, row, 2, figure.value, figure.unit, currency)
        _put(sheet, row, 3, figure.low, figure.unit, currency)
        _put(sheet, row, 4, figure.high, figure.unit, currency)
        _text(sheet, row, 5, "estimated" if figure.estimated else "")
        row += 1
    if document.verdicts:
        row += 1
        for column, title in enumerate(("Verdict on", "Conclusion", "Conclusive"), start=1):
            _text(sheet, row, column, title, bold=True)
        for verdict in document.verdicts:
            row += 1
            _text(sheet, row, 1, verdict.metric)
            _text(sheet, row, 2, verdict.text)
            _text(sheet, row, 3, "yes" if verdict.conclusive else "no: the data is too thin")
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 18


def _table(sheet: Worksheet, document: ReportDocument, table: Table) -> None:
    for column, spec in enumerate(table.columns, start=1):
        _text(sheet, 1, column, header(spec, document.currency), bold=True)
        sheet.column_dimensions[_cell(sheet, 1, column).column_letter].width = max(
            12, min(40, len(spec.label) + 6)
        )
    for row_number, row in enumerate(table.rows, start=2):
        for column, spec in enumerate(table.columns, start=1):
            _put(sheet, row_number, column, row.get(spec.key), spec.unit, document.currency)
    sheet.freeze_panes = "A2"


def _notes(sheet: Worksheet, document: ReportDocument) -> None:
    for column, title in enumerate(("Where", "Name", "Definition"), start=1):
        _text(sheet, 1, column, title, bold=True)
    row = 2
    for figure in document.headline:
        definition = " ".join(p for p in (figure.help, figure.note) if p)
        if figure.estimated:
            definition = f"{definition} (estimated)".strip()
        for column, text in enumerate(("Headline", figure.label, definition), start=1):
            _text(sheet, row, column, text)
        row += 1
    for table in document.tables:
        for spec in table.columns:
            if spec.help:
                for column, text in enumerate((table.title, spec.label, spec.help), start=1):
                    _text(sheet, row, column, text)
                row += 1
        if table.note:
            for column, text in enumerate((table.title, "Note", table.note), start=1):
                _text(sheet, row, column, text)
            row += 1
    for note in document.notes:
        _text(sheet, row, 1, "Report")
        _text(sheet, row, 3, note)
        row += 1
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 100


def workbook(document: ReportDocument) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    _summary(summary, document)
    taken = {name.lower() for name in RESERVED_SHEETS}
    for table in document.tables:
        _table(book.create_sheet(sheet_title(table.key, taken)), document, table)
    _notes(book.create_sheet("Notes"), document)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
