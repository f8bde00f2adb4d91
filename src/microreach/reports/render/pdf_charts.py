"""Charts of a report drawn with ReportLab's graphics (no browser): the same series, styles,
intervals and legend as the page's charts, from the same document."""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors

from microreach.reports.document import Chart
from microreach.reports.render.charts import SeriesStyle, axis_label, labels_of, style
from microreach.reports.render.values import chart_value

LEFT, RIGHT, TOP, BOTTOM = 58.0, 12.0, 20.0, 34.0
LEGEND_ROW = 14.0
FONT = "Helvetica"
GRID = colors.HexColor("#d0d4da")
INK = colors.HexColor("#222222")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high or len(ticks) < 2:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _tick_text(value: float, ticks: Sequence[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:,.{decimals}f}"


class _Frame:
    """Maps data to drawing coordinates."""

    def __init__(self, width: float, plot_height: float, base: float, ticks: list[float]) -> None:
        self.x0, self.x1 = LEFT, width - RIGHT
        self.y0, self.y1 = base + BOTTOM, base + BOTTOM + plot_height
        self.low, self.high = ticks[0], ticks[-1]

    def y(self, value: float) -> float:
        return self.y0 + (value - self.low) / (self.high - self.low) * (self.y1 - self.y0)


def _scaled(
    chart: Chart, values: Sequence[float | None] | None, currency: str
) -> list[float | None]:
    if values is None:
        return []
    return [chart_value(v, chart.unit, currency) for v in values]


def _range(chart: Chart, currency: str) -> tuple[float, float]:
    seen: list[float] = [0.0]
    for series in chart.series:
        for values in ([v for _, v in series.points], series.low, series.high):
            seen.extend(v for v in _scaled(chart, values, currency) if v is not None)
    return min(seen), max(seen)


def _rect(x: float, y: float, w: float, h: float, color: colors.Color, opacity: float) -> Rect:
    rect = Rect(x, y, w, h)
    rect.fillColor, rect.strokeColor, rect.fillOpacity = color, color, opacity
    return rect


def _dashed(shape: Line | PolyLine, look: SeriesStyle) -> Line | PolyLine:
    if look.dash:
        shape.strokeDashArray = list(look.dash)
    return shape


def marker(shape: str, x: float, y: float, look: SeriesStyle, size: float = 3.0) -> Group:
    """The point shape a series uses (circle, triangle, square, diamond, cross, star)."""
    fill = colors.HexColor(look.color)
    group = Group()
    if shape == "circle":
        group.add(Circle(x, y, size, fillColor=fill, strokeColor=fill))
    elif shape == "rect":
        group.add(_rect(x - size, y - size, 2 * size, 2 * size, fill, 1.0))
    elif shape == "crossRot":
        for dx in (-size, size):
            group.add(Line(x - dx, y - size, x + dx, y + size, strokeColor=fill, strokeWidth=1.5))
    else:
        points = _polygon(shape, x, y, size)
        group.add(Polygon(points, fillColor=fill, strokeColor=fill))
    return group


def _polygon(shape: str, x: float, y: float, s: float) -> list[float]:
    if shape == "triangle":
        return [x - s, y - s, x + s, y - s, x, y + s * 1.2]
    if shape == "rectRot":
        return [x, y - s * 1.3, x + s * 1.3, y, x, y + s * 1.3, x - s * 1.3, y]
    points: list[float] = []  # star
    for i in range(10):
        radius = s * 1.4 if i % 2 == 0 else s * 0.6
        angle = math.pi / 2 + i * math.pi / 5
        points += [x + radius * math.cos(angle), y + radius * math.sin(angle)]
    return points


def _axes(group: Group, frame: _Frame, ticks: list[float], chart: Chart, currency: str) -> None:
    for tick in ticks:
        y = frame.y(tick)
        group.add(Line(frame.x0, y, frame.x1, y, strokeColor=GRID, strokeWidth=0.5))
        text = _tick_text(tick, ticks)
        group.add(String(frame.x0 - 4, y - 3, text, fontName=FONT, fontSize=7, textAnchor="end"))
    group.add(Line(frame.x0, frame.y0, frame.x1, frame.y0, strokeColor=INK, strokeWidth=0.8))
    label = axis_label(chart, currency)
    group.add(String(2, frame.y1 + 9, label, fontName=FONT, fontSize=7, fillColor=INK))


def _x_labels(group: Group, frame: _Frame, labels: list[str], xs: list[float]) -> None:
    every = max(1, math.ceil(len(labels) / 10))
    for i, (text, x) in enumerate(zip(labels, xs, strict=True)):
        if i % every == 0:
            shown = text if len(text) <= 14 else text[:13] + "."
            group.add(
                String(x, frame.y0 - 11, shown, fontName=FONT, fontSize=7, textAnchor="middle")
            )


def _runs(xs: list[float], values: list[float | None]) -> list[list[tuple[float, float]]]:
    """Contiguous stretches without gaps: None is no data, never drawn as zero."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, v in zip(xs, values, strict=False):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((x, v))
    return [r for r in runs if r]


def _band(
    group: Group,
    frame: _Frame,
    xs: list[float],
    lows: list[float | None],
    highs: list[float | None],
    color: colors.Color,
) -> None:
    """The interval as a shaded band, broken where either bound is missing."""
    runs: list[list[tuple[float, float, float]]] = [[]]
    for x, low, high in zip(xs, lows, highs, strict=False):
        if low is None or high is None:
            runs.append([])
        else:
            runs[-1].append((x, frame.y(low), frame.y(high)))
    for run in runs:
        if len(run) < 2:
            continue
        outline = [(x, top) for x, _, top in run] + [(x, bottom) for x, bottom, _ in reversed(run)]
        flat = [c for point in outline for c in point]
        group.add(Polygon(flat, fillColor=color, fillOpacity=0.15, strokeColor=None))


def _lines(
    group: Group, frame: _Frame, chart: Chart, position: dict[str, float], currency: str
) -> None:
    for index, series in enumerate(chart.series):
        look = style(index)
        xs = [position[x] for x, _ in series.points]
        color = colors.HexColor(look.color)
        values = _scaled(chart, [v for _, v in series.points], currency)
        lows, highs = _scaled(chart, series.low, currency), _scaled(chart, series.high, currency)
        if lows and highs:
            _band(group, frame, xs, lows, highs, color)
        for run in _runs(xs, values):
            flat = [c for x, v in run for c in (x, frame.y(v))]
            if len(run) > 1:
                group.add(_dashed(PolyLine(flat, strokeColor=color, strokeWidth=1.5), look))
            for x, v in run:
                group.add(marker(look.point, x, frame.y(v), look))


def _hatch(group: Group, x: float, y: float, w: float, h: float, look: SeriesStyle) -> None:
    color = colors.HexColor(look.color)
    group.add(_rect(x, y, w, h, color, 0.35 if look.hatch != "solid" else 0.9))
    step = 4.0
    if look.hatch in ("horizontal", "cross"):
        for yy in _steps(y, y + h, step):
            group.add(Line(x, yy, x + w, yy, strokeColor=color, strokeWidth=0.7))
    if look.hatch in ("vertical", "cross"):
        for xx in _steps(x, x + w, step):
            group.add(Line(xx, y, xx, y + h, strokeColor=color, strokeWidth=0.7))
    if look.hatch == "diagonal":
        for offset in _steps(-h, w, step * 1.5):
            x_start, y_start = max(x, x + offset), y + max(0.0, -offset)
            length = min(x + w - x_start, y + h - y_start)
            if length > 0:
                group.add(
                    Line(
                        x_start,
                        y_start,
                        x_start + length,
                        y_start + length,
                        strokeColor=color,
                        strokeWidth=0.7,
                    )
                )
    if look.hatch == "dots":
        for yy in _steps(y + 2, y + h - 1, step):
            for xx in _steps(x + 2, x + w - 1, step):
                group.add(Circle(xx, yy, 0.8, fillColor=color, strokeColor=None))


def _steps(start: float, stop: float, step: float) -> list[float]:
    count = max(0, math.ceil((stop - start) / step))
    return [start + i * step for i in range(count)]


def _bars(
    group: Group,
    frame: _Frame,
    chart: Chart,
    position: dict[str, float],
    slot: float,
    currency: str,
) -> None:
    count = max(1, len(chart.series))
    width = slot * 0.8 / count
    for index, series in enumerate(chart.series):
        look = style(index)
        centres = [position[x] for x, _ in series.points]
        values = _scaled(chart, [v for _, v in series.points], currency)
        lows, highs = _scaled(chart, series.low, currency), _scaled(chart, series.high, currency)
        for i, (centre, value) in enumerate(zip(centres, values, strict=False)):
            if value is None:
                continue
            left = centre - slot * 0.4 + index * width
            zero, top = frame.y(0.0), frame.y(value)
            _hatch(group, left, min(zero, top), width, abs(top - zero), look)
            if lows and highs and lows[i] is not None and highs[i] is not None:
                mid, y_low, y_high = (
                    left + width / 2,
                    frame.y(lows[i] or 0.0),
                    frame.y(highs[i] or 0.0),
                )
                group.add(Line(mid, y_low, mid, y_high, strokeColor=INK, strokeWidth=0.9))
                for y in (y_low, y_high):
                    group.add(Line(mid - 3, y, mid + 3, y, strokeColor=INK, strokeWidth=0.9))


def _legend(group: Group, chart: Chart, width: float) -> float:
    x, y, rows = LEFT, 4.0, 1
    for index, series in enumerate(chart.series):
        look = style(index)
        span = 34 + len(series.label) * 4.2
        if x + span > width and x > LEFT:
            x, y, rows = LEFT, y + LEGEND_ROW, rows + 1
        color = colors.HexColor(look.color)
        if chart.kind == "line":
            line = Line(x, y + 3, x + 22, y + 3, strokeColor=color, strokeWidth=1.5)
            group.add(_dashed(line, look))
            group.add(marker(look.point, x + 11, y + 3, look))
        else:
            _hatch(group, x + 4, y - 1, 14, 9, look)
        group.add(String(x + 26, y, series.label, fontName=FONT, fontSize=7.5, fillColor=INK))
        x += span
    return rows * LEGEND_ROW


def chart_drawing(
    chart: Chart, currency: str, width: float = 480.0, height: float = 200.0
) -> Drawing:
    """A drawing of ``chart``: axes, series (dash, point shape or hatching per series), the
    interval as a band (lines) or error bars (bars), and a legend."""
    legend = Group()
    legend_height = _legend(legend, chart, width)
    drawing = Drawing(width, height + legend_height)
    drawing.add(legend)
    base = legend_height
    low, high = _range(chart, currency)
    ticks = nice_ticks(low, high)
    frame = _Frame(width, height - TOP - BOTTOM, base, ticks)
    body = Group()
    _axes(body, frame, ticks, chart, currency)
    labels = labels_of(chart)
    count = max(1, len(labels))
    if chart.kind == "line":
        span = frame.x1 - frame.x0
        xs = [frame.x0 + span * (i / (count - 1) if count > 1 else 0.5) for i in range(len(labels))]
        _lines(body, frame, chart, dict(zip(labels, xs, strict=True)), currency)
    else:
        slot = (frame.x1 - frame.x0) / count
        xs = [frame.x0 + slot * (i + 0.5) for i in range(len(labels))]
        _bars(body, frame, chart, dict(zip(labels, xs, strict=True)), slot, currency)
    _x_labels(body, frame, labels, xs)
    body.add(
        String(
            frame.x1,
            frame.y0 - 22,
            chart.x_label,
            fontName=FONT,
            fontSize=7,
            textAnchor="end",
            fillColor=INK,
        )
    )
    drawing.add(body)
    return drawing
