"""How a value of each unit is shown (page, PDF), written (CSV) and typed (XLSX, charts).

One module decides the precision of every unit, so a number on the page, in the PDF and in
the CSV is the same number: the CSV keeps more digits, and rounds to what the page shows.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from microreach.campaigns.money import CURRENCIES
from microreach.kit.clock import as_utc
from microreach.reports.document import Cell, Column, Figure, Unit

MISSING = "n/a"
"""Shown for None: a ratio whose denominator is zero, or a figure with no data yet."""
CSV_DIGITS = 6


def exponent(currency: str) -> int:
    """The minor-unit exponent of an ISO 4217 currency (2 when unknown)."""
    return CURRENCIES.get(currency, 2)


def factor(currency: str) -> int:
    """Minor units per major unit: 100 for EUR, 1 for JPY, 1000 for KWD."""
    return int(10 ** exponent(currency))


def money_decimals(major_value: float, currency: str) -> int:
    """The currency's decimals; two more below one unit, so a cost per click of 0.0042 EUR
    does not show as 0.00."""
    places = exponent(currency)
    return places + 2 if 0 < abs(major_value) < 1 else places


def percent_decimals(fraction: float) -> int:
    return 2 if abs(fraction) < 0.01 else 1


def major(value: Cell, unit: Unit, currency: str) -> Cell:
    """The value as a spreadsheet or a chart holds it: money in major units, the rest as is."""
    if unit == "money" and isinstance(value, int | float) and not isinstance(value, bool):
        return value / factor(currency)
    return value


def _finite(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def display(value: Cell, unit: Unit, currency: str) -> str:
    """The value as the page and the PDF show it: 1,234.56 EUR, 3.4%, 2.50, 12,345."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) or not _finite(value):
        return str(value)
    number = float(value)
    if unit == "money":
        amount = number / factor(currency)
        return f"{amount:,.{money_decimals(amount, currency)}f} {currency}"
    if unit == "percent":
        return f"{number * 100:,.{percent_decimals(number)}f}%"
    if unit == "ratio":
        return f"{number:,.2f}"
    if unit == "count":
        return f"{round(number):,}"
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def plain(value: Cell, unit: Unit, currency: str) -> str:
    """The value as the CSV writes it: no grouping and no unit (the header names it), money in
    major units, percent in points, up to six decimals (the page rounds the same number)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    number = float(value)
    if unit == "money":
        number /= factor(currency)
    elif unit == "percent":
        number *= 100
    elif isinstance(value, int):
        return str(value)
    text = f"{number:.{CSV_DIGITS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def suffix(unit: Unit, currency: str) -> str:
    """What a bare number of ``unit`` is in, for headers and axes: EUR, %, or nothing."""
    if unit == "money":
        return currency
    if unit == "percent":
        return "%"
    return ""


def header(column: Column, currency: str) -> str:
    """A column's label with its unit: "Cost (EUR)", "Engagement rate (%)"."""
    unit = suffix(column.unit, currency)
    return f"{column.label} ({unit})" if unit else column.label


def chart_value(value: float | None, unit: Unit, currency: str) -> float | None:
    """A value as the charts plot it: money in major units, percent in points."""
    if value is None or not math.isfinite(value):
        return None
    if unit == "money":
        return value / factor(currency)
    if unit == "percent":
        return value * 100
    return value


def figure_range(figure: Figure, currency: str) -> str:
    """ "low to high" when the figure has a range, else empty."""
    if figure.low is None or figure.high is None:
        return ""
    low = display(figure.low, figure.unit, currency)
    return f"{low} to {display(figure.high, figure.unit, currency)}"
