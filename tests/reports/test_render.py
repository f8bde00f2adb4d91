"""The renderers on a hand-built document: every unit formatted as checked by hand, and the CSV,
XLSX and PDF carrying the numbers the page shows (the page formats with the same `display`)."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from microreach.reports.document import Chart, Column, ReportDocument, Series, Table
from microreach.reports.render import charts, page, pdf, pdf_charts, values, xlsx
from microreach.reports.render import csv as report_csv
from tests.reports.document_fixture import CLICKS, CPE_BY_TIER, CREATORS, document


@pytest.mark.parametrize(
    ("value", "unit", "currency", "shown", "written"),
    [
        (123456, "money", "EUR", "1,234.56 EUR", "1234.56"),
        (123456, "money", "JPY", "123,456 JPY", "123456"),
        (123456, "money", "KWD", "123.456 KWD", "123.456"),
        (42.5, "money", "EUR", "0.4250 EUR", "0.425"),
        (0, "money", "EUR", "0.00 EUR", "0"),
        (0.0342, "percent", "EUR", "3.4%", "3.42"),
        (0.0051, "percent", "EUR", "0.51%", "0.51"),
        (2.5, "ratio", "EUR", "2.50", "2.5"),
        (12345, "count", "EUR", "12,345", "12345"),
        (None, "ratio", "EUR", "n/a", ""),
        (float("nan"), "percent", "EUR", "n/a", ""),
        ("micro", "text", "EUR", "micro", "micro"),
        (
            datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
            "datetime",
            "EUR",
            "2026-03-14 09:30 UTC",
            "2026-03-14T09:30:00+00:00",
        ),
    ],
)
def test_each_unit_is_shown_and_written_as_checked_by_hand(
    value: object, unit: values.Unit, currency: str, shown: str, written: str
) -> None:
    assert values.display(value, unit, currency) == shown  # type: ignore[arg-type]
    assert values.plain(value, unit, currency) == written  # type: ignore[arg-type]


def _number(shown: str) -> tuple[float, int]:
    """The number in a displayed value and how many decimals it shows."""
    match = re.search(r"-?[\d,]+(?:\.(\d+))?", shown)
    assert match, shown
    return float(match.group(0).replace(",", "")), len(match.group(1) or "")


def assert_same_number(shown: str, written: str) -> None:
    """The CSV value, rounded as the page rounds it, is the number the page shows."""
    if shown == values.MISSING:
        assert written == ""
        return
    number, decimals = _number(shown)
    assert round(float(written), decimals) == pytest.approx(number), (shown, written)


def _csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_has_the_numbers_the_page_shows() -> None:
    doc = document()
    rows = _csv_rows(report_csv.table_csv(doc, CREATORS))
    assert rows[0] == [
        "Creator",
        "Tier",
        "Engagements",
        "Cost (EUR)",
        "CPE (EUR)",
        "Engagement rate (%)",
        "ROAS",
        "Last capture",
    ]
    for written_row, row in zip(rows[1:], CREATORS.rows, strict=True):
        for column, written in zip(CREATORS.columns, written_row, strict=True):
            shown = values.display(row.get(column.key), column.unit, doc.currency)
            if column.unit in ("count", "money", "percent", "ratio"):
                assert_same_number(shown, written)
    assert rows[1][3] == "1234.56" and rows[1][6] == "2.5"


def test_csv_text_cannot_run_as_a_formula() -> None:
    rows = _csv_rows(report_csv.table_csv(document(), CREATORS))
    assert rows[2][0] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][0] == "'@sunny.runs"
    # Numbers are never prefixed, negative ones included.
    negative = Table(
        "t", "T", (Column("v", "V", "money"), Column("s", "S", "text")), ({"v": -250, "s": "+1"},)
    )
    assert _csv_rows(report_csv.table_csv(document(), negative))[1] == ["-2.5", "'+1"]


def test_the_zip_holds_one_csv_per_table() -> None:
    doc = document()
    archive = zipfile.ZipFile(io.BytesIO(report_csv.tables_zip(doc, "report-x")))
    assert archive.namelist() == ["report-x-creators.csv", "report-x-posts.csv"]
    assert _csv_rows(archive.read("report-x-posts.csv")) == [["Post", "Views"]]


def test_the_workbook_has_typed_cells_and_the_definitions() -> None:
    doc = document()
    book = load_workbook(io.BytesIO(xlsx.workbook(doc)))
    assert book.sheetnames == ["Summary", "creators", "posts", "Notes"]
    sheet = book["creators"]
    assert [c.value for c in sheet[1]][:4] == ["Creator", "Tier", "Engagements", "Cost (EUR)"]
    sunny = {c.column_letter: c for c in sheet[2]}
    assert sunny["C"].value == 12345 and sunny["C"].number_format == "#,##0"
    assert sunny["D"].value == pytest.approx(1234.56)
    assert sunny["D"].number_format == '#,##0.00 "EUR"'
    assert sunny["F"].value == pytest.approx(0.0342) and sunny["F"].number_format == "0.0%"
    assert sunny["G"].value == 2.5
    assert sunny["H"].value == datetime(2026, 3, 14, 9, 30)
    other = {c.column_letter: c for c in sheet[3]}
    assert other["A"].value == '=HYPERLINK("http://evil.example")' and other["A"].data_type == "s"
    assert other["E"].value is None and other["G"].value is None
    summary = book["Summary"]
    emv = next(r for r in summary.iter_rows() if r[0].value == "Earned media value")
    assert [c.value for c in emv[1:4]] == [2500.0, 1800.0, 3200.0]
    reach = next(r for r in summary.iter_rows() if r[0].value == "Reach")
    assert reach[4].value == "estimated"
    notes = [tuple(c.value for c in r) for r in book["Notes"].iter_rows(min_row=2)]
    assert ("Per creator", "CPE", "Cost divided by engagements.") in notes
    assert ("Headline", "Earned media value", "Actions times value per action.") in notes


def test_money_cells_use_the_currency_decimals() -> None:
    book = load_workbook(io.BytesIO(xlsx.workbook(document("JPY"))))
    cost = book["creators"]["D2"]
    assert cost.value == 123456 and cost.number_format == '#,##0 "JPY"'


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = {"summary", "notes"}
    assert xlsx.sheet_title("per/creator:a", taken) == "per_creator_a"
    assert xlsx.sheet_title("Summary", taken) == "Summary-2"
    assert len(xlsx.sheet_title("x" * 40, taken)) == 31


def _pdf_text(doc: ReportDocument) -> str:
    reader = PdfReader(io.BytesIO(pdf.report_pdf(doc)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_has_the_headline_verdicts_tables_and_charts() -> None:
    doc = document()
    text = _pdf_text(doc)
    for figure in doc.headline:
        assert values.display(figure.value, figure.unit, doc.currency) in text
    assert "2,500.00 EUR" in text and "1,800.00 EUR to 3,200.00 EUR" in text
    assert "45,678 (estimated)" in text
    for row in CREATORS.rows:
        for column in CREATORS.columns:
            if column.unit != "text":
                assert values.display(row.get(column.key), column.unit, doc.currency) in text
    for verdict in doc.verdicts:
        assert verdict.text in text
    assert "inconclusive" in text
    assert "Clicks over time" in text and "Cost per engagement by tier" in text
    assert "No live posts yet." in text


def test_the_chart_data_is_the_documents_series_in_display_units() -> None:
    data = charts.chart_data(CPE_BY_TIER, "EUR")
    assert data["labels"] == ["micro", "macro"]
    assert data["y_label"] == "Cost per engagement (EUR)"
    series = data["series"][0]
    assert series["points"] == [["micro", 0.12], ["macro", 0.475]]
    assert series["low"] == [0.09, 0.3] and series["high"] == [0.155, 0.6625]
    lines = charts.chart_data(CLICKS, "EUR")
    assert [v for _, v in lines["series"][0]["points"]] == [120.0, None, 95.0]  # a gap stays
    styles = [(s["dash"], s["point"], s["hatch"]) for s in lines["series"]]
    assert len(set(map(str, styles))) == len(styles)  # not told apart by colour alone


def test_every_chart_has_its_data_table() -> None:
    headers, rows = charts.data_table(CPE_BY_TIER, "EUR")
    assert headers == ["Tier", "CPE"]
    assert rows == [
        ["micro", "0.1200 EUR (0.0900 EUR to 0.1550 EUR)"],
        ["macro", "0.4750 EUR (0.3000 EUR to 0.6625 EUR)"],
    ]
    assert charts.data_table(CLICKS, "EUR")[1][1] == ["2026-03-02", "n/a", "3"]


@pytest.mark.parametrize(("low", "high"), [(0, 120), (0, 0.66), (-3, 7), (0, 0), (5, 5)])
def test_chart_ticks_cover_the_data(low: float, high: float) -> None:
    ticks = pdf_charts.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high and len(ticks) >= 2
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1


def test_series_with_their_own_x_share_one_axis() -> None:
    growth = Chart(
        "growth",
        "Growth",
        "line",
        "Captured",
        "Engagements",
        "count",
        (
            Series("@a", (("day 1", 10.0), ("day 3", 30.0))),
            Series("@b", (("day 2", 5.0), ("day 3", None))),
        ),
    )
    data = charts.chart_data(growth, "EUR")
    assert data["labels"] == ["day 1", "day 3", "day 2"]
    assert data["series"][1]["points"] == [["day 2", 5.0], ["day 3", None]]
    assert charts.data_table(growth, "EUR")[1] == [
        ["day 1", "10", charts.NOT_MEASURED],
        ["day 3", "30", "n/a"],
        ["day 2", charts.NOT_MEASURED, "5"],
    ]
    text = "\n".join(
        p.extract_text()
        for p in PdfReader(
            io.BytesIO(
                pdf.report_pdf(
                    ReportDocument(
                        "T", "S", "EUR", datetime(2026, 1, 1, tzinfo=UTC), None, charts=(growth,)
                    )
                )
            )
        ).pages
    )
    assert "Growth" in text and "n/a" in text  # no data yet: the freshness says so


def test_time_labels_are_put_in_time_order() -> None:
    chart = Chart(
        "c",
        "C",
        "line",
        "Day",
        "Clicks",
        "count",
        (
            Series("a", (("2026-03-02", 1.0), ("2026-03-04", 2.0))),
            Series("b", (("2026-03-01", 1.0), ("2026-03-03T10:00+00:00", 2.0))),
        ),
    )
    assert charts.labels_of(chart) == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03T10:00+00:00",
        "2026-03-04",
    ]


def test_an_empty_report_renders_everywhere() -> None:
    """A campaign with no posts and no clicks yet: no figures, empty tables, series-less charts."""
    empty = ReportDocument(
        "New campaign",
        "Nothing live yet",
        "EUR",
        datetime(2026, 1, 1, tzinfo=UTC),
        None,
        tables=(Table("creators", "Per creator", (Column("n", "Clicks", "count"),), ()),),
        charts=(Chart("c", "Clicks", "line", "Day", "Clicks", "count", ()),),
    )
    assert _csv_rows(report_csv.table_csv(empty, empty.tables[0])) == [["Clicks"]]
    assert load_workbook(io.BytesIO(xlsx.workbook(empty)))["creators"].max_row == 1
    text = _pdf_text(empty)
    assert "New campaign" in text and "No data yet." in text
    assert charts.chart_data(empty.charts[0], "EUR")["labels"] == []
    assert charts.data_table(empty.charts[0], "EUR") == (["Day"], [])


def test_a_wide_table_continues_below_instead_of_squeezing() -> None:
    widths = [60.0, 300.0, 300.0, 300.0, 50.0]
    assert pdf.column_groups(widths, 700.0) == [[0, 1, 2], [0, 3, 4]]
    assert pdf.column_groups([60.0, 900.0], 700.0) == [[0, 1]]  # one too-wide column stays
    wide = Table(
        "wide",
        "Wide",
        tuple(Column(f"c{i}", f"Column number {i}", "money") for i in range(30)),
        ({f"c{i}": 1_234_567 * i for i in range(30)},),
    )
    text = _pdf_text(
        ReportDocument("T", "S", "EUR", datetime(2026, 1, 1, tzinfo=UTC), None, tables=(wide,))
    )
    assert "Wide, part 1 of" in text
    for i in range(30):
        assert values.display(1_234_567 * i, "money", "EUR") in text


def test_dates_given_as_text_are_real_dates_in_the_workbook() -> None:
    days = Table(
        "by_day",
        "Per day",
        (Column("day", "Day", "date"), Column("at", "At", "datetime"), Column("n", "N", "count")),
        (
            {"day": "2026-03-02", "at": "2026-03-02T10:00:00+01:00", "n": 3},
            {"day": "not a day", "at": None, "n": 1},
        ),
    )
    doc = ReportDocument("T", "S", "EUR", datetime(2026, 1, 1, tzinfo=UTC), None, tables=(days,))
    sheet = load_workbook(io.BytesIO(xlsx.workbook(doc)))["by_day"]
    assert sheet["A2"].value == datetime(2026, 3, 2) and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].value == datetime(2026, 3, 2, 9, 0)  # in UTC, as the format says
    assert sheet["A3"].value == "not a day" and sheet["A3"].data_type == "s"


def test_page_table_cells_are_formatted_once_and_escaped() -> None:
    doc = document()
    hostile = Table(
        "t",
        "T",
        (Column("who", "Who", "text"), Column("cost", "Cost", "money")),
        ({"who": "<script>alert(1)</script>", "cost": 123456},),
    )
    rendered = page.page_table(doc, hostile)
    assert rendered.numeric == (False, True)
    assert str(rendered.body) == (
        '<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class="num">1,234.56 EUR</td></tr>'
    )
    rows = str(page.page_table(doc, CREATORS).body).count("<tr>")
    assert rows == len(CREATORS.rows)
