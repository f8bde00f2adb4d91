"""What a chart looks like, decided once for the page (Chart.js) and the PDF (ReportLab).

Charts must read without colour: each series has its own dash pattern and point shape (lines)
or hatching (bars) besides its colour, the legend shows them, and every chart comes with its
data as a table. Colours are the Okabe-Ito palette, distinguishable with common colour-vision
deficiencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from microreach.reports.document import Chart, ReportDocument, Series, Unit
from microreach.reports.render.values import chart_value, display, suffix


@dataclass(frozen=True, slots=True)
class SeriesStyle:
    color: str
    dash: tuple[int, ...]
    """Line dash pattern in pixels (on, off, ...); empty is solid."""
    point: str
    """A Chart.js point style; the PDF draws the same shape."""
    hatch: str
    """Bar fill pattern: solid, diagonal, dots, cross, horizontal, vertical."""


STYLES = (
    SeriesStyle("#0072B2", (), "circle", "solid"),
    SeriesStyle("#D55E00", (8, 4), "triangle", "diagonal"),
    SeriesStyle("#009E73", (2, 3), "rect", "dots"),
    SeriesStyle("#CC79A7", (10, 3, 2, 3), "rectRot", "cross"),
    SeriesStyle("#E69F00", (4, 4), "crossRot", "horizontal"),
    SeriesStyle("#56B4E9", (12, 6), "star", "vertical"),
)


def style(index: int) -> SeriesStyle:
    return STYLES[index % len(STYLES)]


_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}")


def labels_of(chart: Chart) -> list[str]:
    """Every x label of the chart in order of first appearance: series may have points at
    different x (growth curves captured at different times)."""
    seen: dict[str, None] = {}
    for item in chart.series:
        for x, _ in item.points:
            seen.setdefault(x)
    labels = list(seen)
    # Times (ISO 8601 sorts as text) are put in time order; categories keep the document's.
    return sorted(labels) if all(_ISO_TIME.match(x) for x in labels) else labels


def chart_data(chart: Chart, currency: str) -> dict[str, Any]:
    """The chart as the page's script draws it (JSON-ready): the x labels, each series' own
    (x, value) points in display units (money in major units, percent in points; None is a
    gap), its interval per point, and its style."""
    series = []
    for index, item in enumerate(chart.series):
        look = style(index)
        series.append(
            {
                "label": item.label,
                "points": [[x, chart_value(v, chart.unit, currency)] for x, v in item.points],
                "low": _scaled(item.low, chart, currency),
                "high": _scaled(item.high, chart, currency),
                "color": look.color,
                "dash": list(look.dash),
                "point": look.point,
                "hatch": look.hatch,
            }
        )
    return {
        "key": chart.key,
        "title": chart.title,
        "kind": chart.kind,
        "x_label": chart.x_label,
        "y_label": axis_label(chart, currency),
        "unit": suffix(chart.unit, currency),
        "labels": labels_of(chart),
        "series": series,
    }


def _scaled(
    values: tuple[float | None, ...] | None, chart: Chart, currency: str
) -> list[float | None] | None:
    if values is None:
        return None
    return [chart_value(v, chart.unit, currency) for v in values]


def axis_label(chart: Chart, currency: str) -> str:
    unit = suffix(chart.unit, currency)
    return f"{chart.y_label} ({unit})" if unit else chart.y_label


NOT_MEASURED = "—"
"""A series with no point at this x (another series has one)."""


def _cell(item: Series, i: int, unit: Unit, currency: str) -> str:
    value = item.points[i][1]
    text = display(value, unit, currency)
    low = item.low[i] if item.low is not None and i < len(item.low) else None
    high = item.high[i] if item.high is not None and i < len(item.high) else None
    if value is not None and low is not None and high is not None:
        text += f" ({display(low, unit, currency)} to {display(high, unit, currency)})"
    return text


def data_table(chart: Chart, currency: str) -> tuple[list[str], list[list[str]]]:
    """The chart's numbers as a table (the text alternative of the drawing): one row per x,
    one column per series, "value (low to high)" when the series has an interval."""
    headers = [chart.x_label, *(s.label for s in chart.series)]
    where = [{x: i for i, (x, _) in enumerate(item.points)} for item in chart.series]
    rows = []
    for x in labels_of(chart):
        row = [x]
        for item, index in zip(chart.series, where, strict=True):
            i = index.get(x)
            row.append(NOT_MEASURED if i is None else _cell(item, i, chart.unit, currency))
        rows.append(row)
    return headers, rows


def page_charts(document: ReportDocument) -> list[dict[str, Any]]:
    """Every chart of the document with its data table, as the report template reads them."""
    result = []
    for chart in document.charts:
        headers, rows = data_table(chart, document.currency)
        result.append(
            {
                "chart": chart,
                "data": chart_data(chart, document.currency),
                "headers": headers,
                "rows": rows,
                "styles": [style(i) for i in range(len(chart.series))],
            }
        )
    return result
