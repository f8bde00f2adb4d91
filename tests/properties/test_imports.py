"""Properties of the importers: any value either parses or is refused with a reason (never an
unexpected exception), counts round-trip through their human forms, and a CSV file of arbitrary
text cells is read back row for row with the right line numbers."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from microreach.imports import validate
from microreach.imports.formats import open_source
from microreach.imports.validate import FieldError

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
PARSERS = [
    validate.parse_count,
    validate.parse_bool,
    validate.parse_time,
    validate.parse_platform,
    validate.parse_handle,
    validate.parse_post_type,
    validate.parse_kind,
    validate.parse_country,
    validate.parse_email,
]


@given(value=VALUES, parser=st.sampled_from(PARSERS))
def test_every_parser_accepts_or_refuses_with_a_reason(value: object, parser: object) -> None:
    try:
        parser(value)  # type: ignore[operator]
    except FieldError as exc:
        assert str(exc), f"{parser!r} refused {value!r} without a reason"


@given(number=st.integers(min_value=0, max_value=10**9))
def test_counts_round_trip_through_their_written_forms(number: int) -> None:
    assert validate.parse_count(number) == number
    assert validate.parse_count(str(number)) == number
    assert validate.parse_count(f"{number:,}") == number
    assert validate.parse_count(f" {number} ") == number


@given(number=st.integers(min_value=1, max_value=10**9))
def test_negative_counts_are_refused(number: int) -> None:
    try:
        validate.parse_count(-number)
    except FieldError as exc:
        assert "negative" in str(exc)
    else:
        raise AssertionError(f"-{number} was accepted as a count")


CELL = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"))
    | st.sampled_from(",;\"'\n"),
    min_size=1,
    max_size=30,
).filter(lambda cell: cell.strip() != "")


@given(rows=st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=20))
def test_a_csv_of_arbitrary_cells_reads_back_row_for_row(rows: list[tuple[str, str, str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["handle", "platform", "followers"])
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    source = open_source(io.BytesIO(data), "creators.csv")
    assert source.columns == ["handle", "platform", "followers"]
    records = list(source.records)
    assert all(record.values is not None for record in records), records
    got = [
        tuple(str((r.values or {}).get(c) or "").strip() for c in source.columns) for r in records
    ]
    assert got == [tuple(cell.strip() for cell in row) for row in rows]
    lines = [r.line for r in records]
    assert lines[0] == 2 and lines == sorted(set(lines))
