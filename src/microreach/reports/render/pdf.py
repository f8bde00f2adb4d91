"""The report as a PDF (ReportLab, no browser): the headline figures with their ranges, the
verdicts, every chart drawn from the same series, and every table."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from microreach.reports.document import ReportDocument
from microreach.reports.document import Table as ReportTable
from microreach.reports.render.pdf_charts import chart_drawing
from microreach.reports.render.values import MISSING, display, figure_range, header

PAGE = landscape(A4)
MARGIN = 14 * mm
_STYLES = getSampleStyleSheet()
TITLE = ParagraphStyle("title", parent=_STYLES["Title"])
HEADING = ParagraphStyle("heading", parent=_STYLES["Heading2"])
BODY = ParagraphStyle("body", parent=_STYLES["BodyText"])
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7.5, leading=9)
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#c8ccd2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _headline(document: ReportDocument) -> list[Flowable]:
    if not document.headline:
        return []
    rows: list[list[str | Paragraph]] = [["Figure", "Value", "Range", "Definition"]]
    for figure in document.headline:
        value = display(figure.value, figure.unit, document.currency)
        if figure.estimated:
            value += " (estimated)"
        definition = " ".join(p for p in (figure.help, figure.note) if p)
        rows.append(
            [
                _p(figure.label, CELL),
                value,
                figure_range(figure, document.currency),
                _p(definition, CELL),
            ]
        )
    widths = [55 * mm, 40 * mm, 55 * mm, None]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(GRID)
    return [Paragraph("Headline", HEADING), table]


def _verdicts(document: ReportDocument) -> list[Flowable]:
    if not document.verdicts:
        return []
    items: list[Flowable] = [Paragraph("Verdicts", HEADING)]
    for verdict in document.verdicts:
        mark = "" if verdict.conclusive else " (inconclusive: the data is too thin)"
        items.append(_p(f"{verdict.metric}: {verdict.text}{mark}"))
    return items


def _table(document: ReportDocument, table: ReportTable) -> list[Flowable]:
    items: list[Flowable] = [Paragraph(escape(table.title), HEADING)]
    if table.note:
        items.append(_p(table.note, SMALL))
    if not table.rows:
        items.append(_p(table.empty_message))
        return items
    rows: list[list[str | Paragraph]] = [
        [_p(header(c, document.currency), CELL) for c in table.columns]
    ]
    for row in table.rows:
        cells: list[str | Paragraph] = []
        for column in table.columns:
            text = display(row.get(column.key), column.unit, document.currency)
            cells.append(_p(text, CELL) if column.unit == "text" else text)
        rows.append(cells)
    grid = Table(rows, repeatRows=1, hAlign="LEFT")
    style = TableStyle(GRID.getCommands())
    for index, column in enumerate(table.columns):
        if column.unit not in ("text", "date", "datetime"):
            style.add("ALIGN", (index, 1), (index, -1), "RIGHT")
    grid.setStyle(style)
    items.append(grid)
    return items


def _charts(document: ReportDocument) -> list[Flowable]:
    items: list[Flowable] = []
    width = PAGE[0] - 2 * MARGIN
    for chart in document.charts:
        block: list[Flowable] = [Paragraph(escape(chart.title), HEADING)]
        block.append(chart_drawing(chart, document.currency, width=width, height=190))
        if chart.note:
            block.append(_p(chart.note, SMALL))
        items.append(KeepTogether(block))
    return items


def report_pdf(document: ReportDocument) -> bytes:
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document.title,
        subject=document.subtitle,
        creator="microreach",
    )
    as_of = display(document.data_as_of, "datetime", document.currency)
    generated = display(document.generated_at, "datetime", document.currency)
    story: list[Flowable] = [
        Paragraph(escape(document.title), TITLE),
        _p(document.subtitle),
        _p(
            f"Data as of {as_of if document.data_as_of else MISSING}; generated {generated}. "
            f"Money in {document.currency}.",
            SMALL,
        ),
        Spacer(1, 4 * mm),
        *_headline(document),
        *_verdicts(document),
        *_charts(document),
    ]
    for table in document.tables:
        story.extend(_table(document, table))
    if document.notes:
        story.append(Paragraph("Notes", HEADING))
        story.extend(_p(note, SMALL) for note in document.notes)
    pdf.build(story)
    return out.getvalue()
