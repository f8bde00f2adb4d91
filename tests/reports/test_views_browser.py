"""The report's charts in the system Chromium (skipped when it is not installed): every chart
of the document is drawn by the vendored Chart.js under the app's real CSP headers, with no
console error (a CSP refusal would be one), each series told apart by more than colour, and
the intervals present. The browser talks to the app through the test client (no server)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.reports import sharing
from microreach.reports.render.charts import chart_data
from tests.reports.report_support import Browser, owner_browser

ORIGIN = "http://report.test"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


@pytest.fixture
def owner(session: Session, settings: Settings, database: Database) -> Iterator[Browser]:
    with owner_browser(session, settings, database) as browser:
        yield browser


@pytest.fixture
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def _serve(owner: Browser) -> Any:
    def handle(route: Any) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        response = owner.client.get(path, follow_redirects=False)
        headers = {k: v for k, v in response.headers.items() if k != "content-encoding"}
        route.fulfill(status=response.status_code, headers=headers, body=response.content)

    return handle


DRAWN = """() => Array.from(document.querySelectorAll("canvas")).map((canvas) => {
  const chart = Chart.getChart(canvas);
  if (!chart) return null;
  return {
    id: canvas.id,
    type: chart.config.type,
    sets: chart.data.datasets.map((d) => ({
      label: d.label,
      band: Boolean(d.band),
      y: d.data.map((p) => p.y),
      dash: JSON.stringify(d.borderDash || []),
      point: String(d.pointStyle || ""),
      pattern: d.backgroundColor instanceof CanvasPattern,
      errorLow: d.errorLow || null,
    })),
  };
})"""


def test_every_chart_is_drawn_under_the_csp_without_errors(
    owner: Browser, chromium: Any, session: Session, settings: Settings
) -> None:
    made = sharing.create_share(
        session, settings, owner.world.ctx, owner.world.campaign.id, 1, utcnow()
    )
    doc = owner.document(session)
    page = chromium.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route(f"{ORIGIN}/**", _serve(owner))
    page.goto(f"{ORIGIN}{sharing.SHARED_PATH}/{made.token}")
    page.wait_for_function(
        "() => typeof Chart !== 'undefined' && "
        "Array.from(document.querySelectorAll('canvas')).every((c) => Chart.getChart(c))"
    )
    drawn = {chart["id"]: chart for chart in page.evaluate(DRAWN)}
    assert not problems, problems
    assert set(drawn) == {f"chart-{c.key}" for c in doc.charts}
    for chart in doc.charts:
        shown = drawn[f"chart-{chart.key}"]
        assert shown["type"] == chart.kind
        series = [s for s in shown["sets"] if not s["band"]]
        expected = chart_data(chart, doc.currency)["series"]
        assert [s["label"] for s in series] == [s["label"] for s in expected]
        for drawn_series, data in zip(series, expected, strict=True):
            assert drawn_series["y"] == [v for _, v in data["points"]]
        if chart.kind == "line":
            looks = {(s["dash"], s["point"]) for s in series}
            assert len(looks) == len(series)  # dash and shape, not colour alone
            with_interval = [s for s in chart.series if s.low is not None]
            assert len(shown["sets"]) == len(series) + 2 * len(with_interval)  # bands
        else:
            assert all(s["pattern"] for s in series)
            for drawn_series, source in zip(series, chart.series, strict=True):
                assert (drawn_series["errorLow"] is not None) == (source.low is not None)
    page.close()
