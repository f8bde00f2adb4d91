"""Streaming readers for CSV, JSON Lines and XLSX files: one record at a time, with its line.

Text files are read as bytes and decoded line by line, so one undecodable line is one rejected
record and never stops the file. The encoding is chosen from the first bytes: a UTF-8 or UTF-16
byte-order mark, UTF-16 without a mark (NUL bytes in every other position), UTF-8 when the
sample decodes, else Windows-1252. A line longer than ``MAX_LINE_BYTES`` is rejected without
being held in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import orjson

from microreach.kit.errors import InvalidError

MAX_LINE_BYTES = 1024 * 1024
SAMPLE_BYTES = 256 * 1024
# Fields up to the line limit reach validation, which applies each field's own limit.
csv.field_size_limit(MAX_LINE_BYTES)

Value = str | int | float | bool | None


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"


SUFFIXES = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".json": FileFormat.JSONL,
    ".xlsx": FileFormat.XLSX,
    ".xlsm": FileFormat.XLSX,
}


@dataclass(slots=True)
class Record:
    """One row of a file: its first line, its values by source column, or why it is unreadable.

    ``column`` names the column an unreadable row failed on, when known."""

    line: int
    values: dict[str, Value] | None
    problem: str | None = None
    column: str | None = None


class Source:
    """An open file's columns (the header; for JSON Lines the first object's keys) and records."""

    def __init__(self, columns: list[str], records: Iterator[Record], encoding: str) -> None:
        self.columns = columns
        self.records = records
        self.encoding = encoding


def format_of(name: str, explicit: FileFormat | None = None) -> FileFormat:
    if explicit is not None:
        return explicit
    found = SUFFIXES.get(Path(name).suffix.lower())
    if found is None:
        known = ", ".join(sorted(SUFFIXES))
        raise InvalidError(f"unknown file type {name!r}; expected one of {known}", field="file")
    return found


def open_source(stream: IO[bytes], name: str, file_format: FileFormat | None = None) -> Source:
    """Records of ``stream`` (opened in binary mode), read lazily in the file's format."""
    chosen = format_of(name, file_format)
    if chosen is FileFormat.XLSX:
        return _xlsx_source(stream)
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    encoding = detect_encoding(sample)
    lines = _DecodedLines(stream, encoding)
    if chosen is FileFormat.JSONL:
        return _jsonl_source(lines, encoding)
    return _csv_source(lines, encoding, _delimiter(name, sample, encoding))


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    even, odd = sample[0:2000:2], sample[1:2000:2]
    if len(odd) > 8 and odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if len(even) > 8 and even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    # UTF-8 when any line has a valid multi-byte character (a Windows-1252 file almost never
    # does) or no line fails; the lines that fail are then rejected one by one.
    lines = sample.split(b"\n")
    if len(sample) == SAMPLE_BYTES and len(lines) > 1:
        lines.pop()  # the sample may end inside a character
    failed = False
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            failed = True
            continue
        if not text.isascii():
            return "utf-8"
    return "cp1252" if failed else "utf-8"


class _DecodedLines:
    """Decoded lines of a byte stream; ``bad`` holds the numbers of lines that failed."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self.stream = stream
        self.encoding = encoding
        self.number = 0
        self.bad: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        if self.encoding.startswith("utf-16"):
            yield from self._utf16()
            return
        decode = codecs.getdecoder("utf-8" if self.encoding == "utf-8-sig" else self.encoding)
        readline = self.stream.readline
        first = True
        while True:
            raw = readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.number += 1
            if first and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            first = False
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                self._skip_rest_of_line()
                self.bad[self.number] = f"line is longer than {MAX_LINE_BYTES:,} bytes"
                yield "\n"
                continue
            try:
                yield decode(raw)[0]
            except UnicodeDecodeError as exc:
                self.bad[self.number] = (
                    f"not valid {self.encoding} text (byte 0x{raw[exc.start]:02x} "
                    f"at byte {exc.start + 1} of the line)"
                )
                yield "\n"

    def _skip_rest_of_line(self) -> None:
        while True:
            chunk = self.stream.readline(MAX_LINE_BYTES)
            if not chunk or chunk.endswith(b"\n"):
                return

    def _utf16(self) -> Iterator[str]:
        text = io.TextIOWrapper(self.stream, encoding=self.encoding, errors="replace", newline="")
        for line in text:
            self.number += 1
            if len(line) > MAX_LINE_BYTES // 2:
                self.bad[self.number] = f"line is longer than {MAX_LINE_BYTES:,} bytes"
                yield "\n"
            elif "\ufffd" in line:
                self.bad[self.number] = f"not valid {self.encoding} text"
                yield "\n"
            else:
                yield line


def _delimiter(name: str, sample: bytes, encoding: str) -> str:
    if name.lower().endswith(".tsv"):
        return "\t"
    text = sample.decode(encoding, errors="replace")
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    candidates = {d: header.count(d) for d in (",", "\t", ";")}
    best = max(candidates, key=lambda d: candidates[d])
    return best if candidates[best] > 0 else ","


def _csv_source(lines: _DecodedLines, encoding: str, delimiter: str) -> Source:
    reader = csv.reader(iter(lines), delimiter=delimiter, strict=False)
    columns: list[str] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            columns = [cell.strip() for cell in row]
            break
    if lines.bad and not columns:
        raise InvalidError(f"line {min(lines.bad)}: {lines.bad[min(lines.bad)]}", field="file")
    return Source(columns, _csv_records(reader, lines, columns), encoding)


def _csv_records(reader: Any, lines: _DecodedLines, columns: list[str]) -> Iterator[Record]:
    width = len(columns)
    start = lines.number + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield Record(start, None, f"not readable as CSV: {exc}")
            start = lines.number + 1
            continue
        line, start = start, lines.number + 1
        if lines.bad:
            yield from _bad_lines(lines, before=start)
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            yield Record(line, None, f"{len(row)} values for {width} columns")
            continue
        yield Record(line, dict(zip(columns, row, strict=False)))
    yield from _bad_lines(lines, before=lines.number + 1)


def _bad_lines(lines: _DecodedLines, before: int) -> Iterator[Record]:
    for number in sorted(n for n in lines.bad if n < before):
        yield Record(number, None, lines.bad.pop(number))


def _jsonl_source(lines: _DecodedLines, encoding: str) -> Source:
    records = _jsonl_records(lines)
    first: list[Record] = []
    columns: list[str] = []
    for record in records:
        first.append(record)
        if record.values is not None:
            columns = list(record.values)
            break

    def chained() -> Iterator[Record]:
        yield from first
        yield from records

    return Source(columns, chained(), encoding)


def _jsonl_records(lines: _DecodedLines) -> Iterator[Record]:
    for text in lines:
        number = lines.number
        if number in lines.bad:
            yield Record(number, None, lines.bad.pop(number))
            continue
        if not text.strip():
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield Record(number, None, f"not valid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield Record(number, None, "not a JSON object")
            continue
        yield Record(number, {str(k): _json_value(v) for k, v in value.items()})


def _json_value(value: Any) -> Value:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    # Nested values are kept as their JSON text; validation rejects them for scalar fields.
    return orjson.dumps(value).decode()


def _xlsx_source(stream: IO[bytes]) -> Source:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and XML errors alike
        raise InvalidError(f"not a readable XLSX workbook: {exc}", field="file") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    columns: list[str] = []
    number = 0
    for row in rows:
        number += 1
        if any(cell is not None and str(cell).strip() for cell in row):
            columns = [str(cell).strip() if cell is not None else "" for cell in row]
            break
    return Source(columns, _xlsx_records(rows, columns, number, workbook), "xlsx")


def _xlsx_records(
    rows: Iterator[tuple[Any, ...]], columns: list[str], number: int, workbook: Any
) -> Iterator[Record]:
    try:
        for row in rows:
            number += 1
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row):
                continue
            values = {c: _cell(v) for c, v in zip(columns, row, strict=False) if c}
            yield Record(number, values)
    finally:
        workbook.close()


def _cell(value: Any) -> Value:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    return str(value)
