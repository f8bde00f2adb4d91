"""The report page and its downloads on the hand-checked campaign: the page shows the
document's figures, and the CSV, XLSX and PDF carry the same numbers as the page."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database
from microreach.reports.render import values
from tests.campaigns.support import brand, create_campaign
from tests.reports.report_support import (
    NUMERIC,
    Browser,
    assert_same_number,
    csv_rows,
    owner_browser,
)
from tests.web.support import running_client


@pytest.fixture
def browser(session: Session, settings: Settings, database: Database) -> Iterator[Browser]:
    with owner_browser(session, settings, database) as browser:
        yield browser


def _shown_cells(browser: Browser, session: Session) -> list[tuple[str, str, str, str]]:
    """(table, column, unit, displayed value) of every numeric cell of the document."""
    doc = browser.document(session)
    cells = []
    for table in doc.tables:
        for row in table.rows:
            for column in table.columns:
                if column.unit in NUMERIC:
                    shown = values.display(row.get(column.key), column.unit, doc.currency)
                    cells.append((table.key, column.key, column.unit, shown))
    assert cells, "the hand-checked campaign has numbers"
    return cells


def test_the_page_shows_the_documents_figures(browser: Browser, session: Session) -> None:
    response = browser.client.get(f"{browser.base}/report")
    assert response.status_code == 200, response.text
    page = html.unescape(response.text)
    doc = browser.document(session)
    assert doc.title in page
    for figure in doc.headline:
        assert values.display(figure.value, figure.unit, doc.currency) in page, figure.key
        if figure.estimated:
            assert re.search(rf'id="figure-{figure.key}".*?estimated', page, re.S)
    for _, _, _, shown in _shown_cells(browser, session):
        assert shown in page
    for chart in doc.charts:
        assert f'data-chart="chart-{chart.key}"' in page
        assert f"Data table: {chart.title}" in page
    for table in doc.tables:
        assert f"/report.csv?table={table.key}" in page
    assert "Data as of" in page


def test_the_page_runs_no_inline_script_and_loads_the_vendored_chart_library(
    browser: Browser,
) -> None:
    page = browser.client.get(f"{browser.base}/report").text
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
        assert 'type="application/json"' in attributes or (
            not body.strip() and "src=" in attributes
        )
    library = browser.client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert library.status_code == 200 and b"Chart.js v4" in library.content
    assert browser.client.get("/static/report-charts.js").status_code == 200


def test_the_campaign_page_links_the_report(browser: Browser) -> None:
    page = browser.client.get(browser.base).text
    assert f'href="{browser.base}/report"' in page


def test_each_csv_has_the_numbers_the_page_shows(browser: Browser, session: Session) -> None:
    doc = browser.document(session)
    page = html.unescape(browser.client.get(f"{browser.base}/report").text)
    for table in doc.tables:
        response = browser.client.get(f"{browser.base}/report.csv", params={"table": table.key})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert f"-{table.key}.csv" in response.headers["content-disposition"]
        rows = csv_rows(response.content)
        assert len(rows) == len(table.rows) + 1
        for written_row, row in zip(rows[1:], table.rows, strict=True):
            for column, written in zip(table.columns, written_row, strict=True):
                if column.unit in NUMERIC:
                    shown = values.display(row.get(column.key), column.unit, doc.currency)
                    assert shown in page
                    assert_same_number(shown, written)


def test_the_zip_has_every_table(browser: Browser, session: Session) -> None:
    doc = browser.document(session)
    response = browser.client.get(f"{browser.base}/report.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(n.rsplit("-", 1)[-1] for n in names) == sorted(
        f"{t.key.rsplit('-', 1)[-1]}.csv" for t in doc.tables
    )


def test_the_workbook_has_the_numbers_the_page_shows(browser: Browser, session: Session) -> None:
    doc = browser.document(session)
    response = browser.client.get(f"{browser.base}/report.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Summary" and book.sheetnames[-1] == "Notes"
    for index, table in enumerate(doc.tables, start=1):
        sheet = book.worksheets[index]
        for row_number, row in enumerate(table.rows, start=2):
            for col_number, column in enumerate(table.columns, start=1):
                if column.unit not in NUMERIC:
                    continue
                cell = sheet.cell(row=row_number, column=col_number)
                value = row.get(column.key)
                shown = values.display(value, column.unit, doc.currency)
                assert_same_number(shown, cell.value, 100.0 if column.unit == "percent" else 1.0)
                if value is not None and column.unit == "percent":
                    assert cell.number_format.endswith("%")
                if value is not None and column.unit == "money":
                    assert doc.currency in cell.number_format


def test_the_pdf_has_the_numbers_the_page_shows(browser: Browser, session: Session) -> None:
    doc = browser.document(session)
    response = browser.client.get(f"{browser.base}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    for figure in doc.headline:
        assert values.display(figure.value, figure.unit, doc.currency) in flat, figure.key
    for _, _, _, shown in _shown_cells(browser, session):
        assert shown in flat
    for chart in doc.charts:
        assert chart.title in flat


@pytest.mark.parametrize(
    ("query", "named"),
    [("", "name a table"), ("?table=nope", "nope is not a table of this report")],
)
def test_a_csv_needs_a_real_table(browser: Browser, query: str, named: str) -> None:
    response = browser.client.get(f"{browser.base}/report.csv{query}")
    assert response.status_code == 422
    assert named in html.unescape(response.text) and "table" in response.text


def test_an_unknown_campaign_is_not_found(browser: Browser) -> None:
    other = "00000000-0000-0000-0000-000000000000"
    assert browser.client.get(f"/campaigns/{other}/report").status_code == 404
    assert browser.client.get(f"/campaigns/{other}/report.pdf").status_code == 404


def test_the_tier_comparison_page_and_its_downloads(browser: Browser, session: Session) -> None:
    from microreach.reports import service

    doc = service.tier_comparison_document(session, browser.world.ctx, "EUR")
    response = browser.client.get("/reports/tiers")
    assert response.status_code == 200, response.text
    page = html.unescape(response.text)
    assert doc.title in page and 'href="/reports/tiers/EUR/report.pdf"' in page
    for verdict in doc.verdicts:
        assert verdict.text in page
    table = doc.tables[0]
    written = csv_rows(
        browser.client.get("/reports/tiers/EUR/report.csv", params={"table": table.key}).content
    )
    for written_row, row in zip(written[1:], table.rows, strict=True):
        for column, text in zip(table.columns, written_row, strict=True):
            if column.unit in NUMERIC:
                shown = values.display(row.get(column.key), column.unit, doc.currency)
                assert shown in page
                assert_same_number(shown, text)
    for suffix in ("report.xlsx", "report.pdf", "report.zip"):
        assert browser.client.get(f"/reports/tiers/EUR/{suffix}").status_code == 200
    assert "/reports/tiers/EUR" in browser.client.get(f"{browser.base}/report").text


def test_the_tier_comparison_names_a_bad_currency(browser: Browser) -> None:
    unknown = browser.client.get("/reports/tiers/XXX")
    assert unknown.status_code == 422
    assert "XXX is not an ISO 4217 currency code" in html.unescape(unknown.text)
    # A malformed address names no page (the app's rule for every page).
    assert browser.client.get("/reports/tiers/EU1").status_code == 404


def test_a_campaign_with_nothing_live_yet_renders_and_downloads(
    settings: Settings, database: Database
) -> None:
    with running_client(settings, database) as client:
        brand(client, "new.brand@example.com", "New Brand")
        campaign = create_campaign(client)
        base = f"/campaigns/{campaign['id']}"
        page = client.get(f"{base}/report")
        assert page.status_code == 200, page.text
        assert campaign["name"] in html.unescape(page.text)
        for suffix in ("report.xlsx", "report.pdf", "report.zip"):
            assert client.get(f"{base}/{suffix}").status_code == 200, suffix
        first = re.search(r"/report\.csv\?table=([\w-]+)", page.text)
        assert first
        rows = csv_rows(client.get(f"{base}/report.csv?table={first.group(1)}").content)
        assert len(rows) >= 1
