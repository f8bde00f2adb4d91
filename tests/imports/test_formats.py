"""Streaming readers: CSV, JSON Lines and XLSX, encodings, line numbers and unreadable lines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from microreach.imports.formats import MAX_LINE_BYTES, Record, detect_encoding, open_source
from microreach.kit.errors import InvalidError


def read(data: bytes, name: str = "file.csv") -> tuple[list[str], list[Record], str]:
    source = open_source(io.BytesIO(data), name)
    return source.columns, list(source.records), source.encoding


def test_csv_records_carry_their_first_line() -> None:
    data = b'handle,bio\nada,"two\nlines"\n\nbob,plain\n'
    columns, records, _ = read(data)
    assert columns == ["handle", "bio"]
    assert [(r.line, r.values) for r in records] == [
        (2, {"handle": "ada", "bio": "two\nlines"}),
        (5, {"handle": "bob", "bio": "plain"}),
    ]


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        ("handle,name\nzoë,Zoë\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "handle,name\nzoë,Zoë\n".encode(), "utf-8-sig"),
        ("handle,name\nzoë,Zoë\n".encode("utf-16"), "utf-16"),
        ("handle,name\nzoë,Zoë\n".encode("utf-16-le"), "utf-16-le"),
        ("handle,name\nzoë,Zoë\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected(encoded: bytes, encoding: str) -> None:
    columns, records, found = read(encoded)
    assert found == encoding
    assert columns == ["handle", "name"]
    assert records[0].values == {"handle": "zoë", "name": "Zoë"}


def test_an_undecodable_line_is_one_rejected_record() -> None:
    data = "handle\nzoë\n".encode() + b"bad\xff\xfeline\n" + b"bob\n"
    _, records, encoding = read(data)
    assert encoding == "utf-8"
    assert [(r.line, r.values) for r in records if r.values] == [
        (2, {"handle": "zoë"}),
        (4, {"handle": "bob"}),
    ]
    bad = [r for r in records if r.values is None]
    assert len(bad) == 1 and bad[0].line == 3 and "not valid utf-8" in (bad[0].problem or "")


def test_a_line_over_the_limit_is_rejected_without_reading_it_whole() -> None:
    data = b"handle,bio\nada,x\nbob," + b"y" * (MAX_LINE_BYTES + 10) + b"\ncy,z\n"
    _, records, _ = read(data)
    assert [r.line for r in records if r.values] == [2, 4]
    assert [r.line for r in records if r.values is None] == [3]


def test_extra_values_are_rejected_and_tsv_semicolon_detected() -> None:
    _, records, _ = read(b"handle;followers\nada;12\nbob;3;extra\n")
    assert records[0].values == {"handle": "ada", "followers": "12"}
    assert records[1].values is None and "3 values for 2 columns" in (records[1].problem or "")
    columns, _, _ = read(b"handle\tfollowers\nada\t1\n", "file.tsv")
    assert columns == ["handle", "followers"]


def test_json_lines() -> None:
    data = b'{"handle": "ada", "followers": 12}\n\nnot json\n[1]\n{"handle": "bob", "tags": [1]}\n'
    columns, records, _ = read(data, "file.jsonl")
    assert columns == ["handle", "followers"]
    assert [(r.line, r.values is not None) for r in records] == [
        (1, True), (3, False), (4, False), (5, True),
    ]  # fmt: skip
    assert records[0].values == {"handle": "ada", "followers": 12}
    assert records[3].values == {"handle": "bob", "tags": "[1]"}


def test_xlsx_rows_keep_sheet_line_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Username", "Followers"])
    sheet.append(["ada", 1200])
    sheet.append([None, None])
    sheet.append(["bob", "12k"])
    path = tmp_path / "creators.xlsx"
    book.save(path)
    columns, records, _ = read(path.read_bytes(), "creators.xlsx")
    assert columns == ["Username", "Followers"]
    assert [(r.line, r.values) for r in records] == [
        (2, {"Username": "ada", "Followers": 1200}),
        (4, {"Username": "bob", "Followers": "12k"}),
    ]


def test_unknown_suffix_and_broken_workbook() -> None:
    with pytest.raises(InvalidError, match="unknown file type"):
        read(b"x", "file.pdf")
    with pytest.raises(InvalidError, match="XLSX"):
        read(b"not a zip", "file.xlsx")


def test_detection_prefers_utf8_when_a_line_proves_it() -> None:
    assert detect_encoding("zoë\n".encode() + b"caf\xe9\n") == "utf-8"
    assert detect_encoding(b"plain\ncaf\xe9\n") == "cp1252"
    assert detect_encoding(b"plain ascii\n") == "utf-8"
