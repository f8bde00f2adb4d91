"""The report as a PDF (ReportLab, no browser): the headline figures with their ranges, the
verdicts, every chart drawn from the same series, and every table."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
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


PADDING = 14.0  # Table's default cell padding (6 points each side) and a little air
TEXT_MAX = 150.0  # text columns wrap beyond this width


def column_width(head: str, cells: list[str], wraps: bool) -> float:
    """Wide enough for every value on one line (text wraps past TEXT_MAX) and for the longest
    word of the header (headers wrap between words)."""
    size = CELL.fontSize
    words = max((stringWidth(w, "Helvetica-Bold", size) for w in head.split()), default=0.0)
    values = max((stringWidth(c, "Helvetica", size) for c in cells), default=0.0)
    if wraps:
        values = min(values, TEXT_MAX)
    return max(words, values) + PADDING


def column_groups(widths: list[float], room: float) -> list[list[int]]:
    """Columns packed into groups that fit ``room``, each led by the first column (the row's
    name), so a wide table continues below instead of squeezing its numbers together."""
    groups: list[list[int]] = []
    current: list[int] = [0]
    used = widths[0] if widths else 0.0
    for index in range(1, len(widths)):
        if used + widths[index] > room and len(current) > 1:
            groups.append(current)
            current, used = [0], widths[0]
        current.append(index)
        used += widths[index]
    groups.append(current)
    return groups


def _table(document: ReportDocument, table: ReportTable) -> list[Flowable]:
    items: list[Flowable] = [Paragraph(escape(table.title), HEADING)]
    if table.note:
        items.append(_p(table.note, SMALL))
    if not table.rows:
        items.append(_p(table.empty_message))
        return items
    heads = [header(c, document.currency) for c in table.columns]
    texts = [
        [display(row.get(c.key), c.unit, document.currency) for c in table.columns]
        for row in table.rows
    ]
    wraps = [c.unit == "text" for c in table.columns]
    widths = [column_width(heads[i], [r[i] for r in texts], wraps[i]) for i in range(len(heads))]
    groups = column_groups(widths, PAGE[0] - 2 * MARGIN)
    for number, group in enumerate(groups, start=1):
        if len(groups) > 1:
            items.append(_p(f"{table.title}, part {number} of {len(groups)}", SMALL))
        rows: list[list[str | Paragraph]] = [[_p(heads[i], CELL) for i in group]]
        for line in texts:
            rows.append([_p(line[i], CELL) if wraps[i] else line[i] for i in group])
        grid = Table(rows, colWidths=[widths[i] for i in group], repeatRows=1, hAlign="LEFT")
        style = TableStyle(GRID.getCommands())
        for position, index in enumerate(group):
            if table.columns[index].unit not in ("text", "date", "datetime"):
                style.add("ALIGN", (position, 1), (position, -1), "RIGHT")
        grid.setStyle(style)
        items.append(grid)
        items.append(Spacer(1, 3 * mm))
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
