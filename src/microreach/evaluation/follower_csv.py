"""Account tables for the follower model: column aliases, row checks and scoring a CSV."""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from microreach.kit.errors import InvalidError, NotFoundError
from microreach.science.followers import Assessment, Forest, Profile, assess, load_model

REQUIRED = ("followers", "following", "posts")
# Accepted column names per field, matched ignoring case, spaces and punctuation.
COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    "username": ("username", "handle", "user", "account"),
    "followers": ("followers", "follower_count", "followers_count", "userFollowerCount",
                  "Number.of.followers", "#followers"),
    "following": ("following", "follows", "following_count", "follows_count", "followees",
                  "userFollowingCount", "Number.of.people.they.follow", "#follows"),
    "posts": ("posts", "post_count", "posts_count", "media_count", "media", "userMediaCount",
              "Number.of.posts", "#posts"),
    "bio_length": ("bio_length", "biography_length", "userBiographyLength",
                   "description length"),
    "bio": ("bio", "biography", "description"),
    "has_profile_picture": ("has_profile_picture", "has_profile_pic", "profile_pic",
                            "profile_picture", "userHasProfilPic", "profile pic"),
    "is_private": ("is_private", "private", "private_account", "userIsPrivate",
                   "Private.account"),
    "external_url": ("external_url", "url", "website", "external_link", "external URL"),
    "has_external_url": ("has_external_url", "has_external_link"),
    "full_name": ("full_name", "fullname", "name"),
    "full_name_words": ("full_name_words", "fullname words"),
    "username_length": ("username_length", "usernameLength"),
    "username_digits": ("username_digits", "username_digit_count", "usernameDigitCount"),
    "username_digit_share": ("username_digit_share", "nums/length username"),
}  # fmt: skip
COUNTS = frozenset(
    {"followers", "following", "posts", "bio_length", "full_name_words", "username_length",
     "username_digits"}
)  # fmt: skip
FLAGS = frozenset({"has_profile_picture", "is_private", "has_external_url"})
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n"})
LABEL_WORDS: Mapping[str, bool] = {"1": True, "true": True, "fake": True,
                                   "0": False, "false": False, "real": False}  # fmt: skip
RESULT_COLUMNS = ("fake_probability", "label", "top_features", "error")
# An empty text cell is an empty value (no bio, no link); an empty number or flag is unknown.
_EMPTY: Mapping[str, str | bool] = {"bio": "", "full_name": "", "external_url": False}
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+")
_SCALES = {"k": 1e3, "m": 1e6, "b": 1e9}
_BATCH = 512


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row: its line in the file, the column (if one) and why."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class AccountRow:
    """A row as read: its cells, and either a profile (and label) or the problems found."""

    line: int
    cells: tuple[str, ...]
    profile: Profile | None
    label: bool | None
    errors: tuple[RowError, ...]


@dataclass(frozen=True, slots=True)
class ScoreReport:
    rows_scored: int
    rows_rejected: int
    output_path: Path
    errors: tuple[RowError, ...]


def normalise(column: str) -> str:
    return re.sub(r"[^a-z0-9]", "", column.lower())


_FIELD_OF = {
    normalise(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases
}


def column_map(header: Sequence[str], label_column: str | None = None) -> dict[str, str]:
    """Field name -> the header column that gives it; refuses missing or doubled fields."""
    columns: dict[str, str] = {}
    for column in header:
        name = _FIELD_OF.get(normalise(column))
        if name is None or column == label_column:
            continue
        if name in columns:
            raise InvalidError(f"columns {columns[name]!r} and {column!r} both give {name}")
        columns[name] = column
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        accepted = "; ".join(f"{name}: {', '.join(COLUMN_ALIASES[name])}" for name in missing)
        raise InvalidError(f"missing required column(s) ({accepted})")
    if label_column is not None and label_column not in header:
        raise InvalidError(f"no label column {label_column!r} in {list(header)}")
    return columns


def parse_account(
    record: Mapping[str, str],
    columns: Mapping[str, str],
    line: int,
    label_column: str | None = None,
) -> tuple[Profile | None, bool | None, tuple[RowError, ...]]:
    """Check one record and build its profile (and label); problems instead when it is bad."""
    values: dict[str, int | float | bool | str] = {}
    errors: list[RowError] = []
    for name, column in columns.items():
        text = record.get(column, "").strip()
        try:
            value = _parse_value(name, text)
        except ValueError as exc:
            errors.append(RowError(line, column, str(exc)))
            continue
        if value is not None:
            values[name] = value
    label = None
    if label_column is not None:
        label = LABEL_WORDS.get(record.get(label_column, "").strip().lower())
        if label is None:
            reason = f"label {record.get(label_column, '')!r} is not one of {sorted(LABEL_WORDS)}"
            errors.append(RowError(line, label_column, reason))
    if errors:
        return None, None, tuple(errors)
    return _profile(values), label, ()


def _parse_value(name: str, text: str) -> int | float | bool | str | None:
    if not text:
        if name in REQUIRED:
            raise ValueError("missing value")
        return _EMPTY.get(name)
    if name in COUNTS:
        return parse_count(text)
    if name in FLAGS:
        return parse_flag(text)
    if name == "username_digit_share":
        return parse_share(text)
    if name == "external_url":
        return parse_flag(text) if text.lower() in TRUE_WORDS | FALSE_WORDS else True
    return text


def parse_count(text: str) -> int:
    """A whole number >= 0: 1234, 1,234, 1234.0, 1e3, or 1.2k / 3.4M / 1B (rounded)."""
    cleaned = text.replace(" ", "").replace("_", "")
    if _GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    scale = _SCALES.get(cleaned[-1:].lower(), 1.0)
    try:
        number = float(cleaned[:-1] if scale != 1.0 else cleaned) * scale
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {text!r}")
    if number < 0:
        raise ValueError(f"must be 0 or more: {text!r}")
    if scale == 1.0 and not number.is_integer():
        raise ValueError(f"not a whole number: {text!r}")
    return round(number)


def parse_flag(text: str) -> bool:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"not a yes/no value: {text!r} (use true/false, 1/0 or yes/no)")


def parse_share(text: str) -> float:
    try:
        share = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"must be between 0 and 1: {text!r}")
    return share


def _profile(values: Mapping[str, int | float | bool | str]) -> Profile:
    def count(name: str) -> int | None:
        value = values.get(name)
        return int(value) if value is not None else None

    def flag(name: str) -> bool | None:
        value = values.get(name)
        return bool(value) if value is not None else None

    bio, full_name = values.get("bio"), values.get("full_name")
    username = str(values.get("username", "")).lstrip("@") or None
    link = flag("has_external_url")
    share = values.get("username_digit_share")
    return Profile(
        followers=int(values["followers"]),
        following=int(values["following"]),
        posts=int(values["posts"]),
        has_profile_picture=flag("has_profile_picture"),
        is_private=flag("is_private"),
        username=username,
        username_length=count("username_length"),
        username_digits=count("username_digits"),
        username_digit_share=float(share) if share is not None else None,
        bio_length=count("bio_length") if "bio_length" in values or bio is None else len(str(bio)),
        has_external_url=link if link is not None else flag("external_url"),
        full_name_words=count("full_name_words")
        if "full_name_words" in values or full_name is None
        else len(str(full_name).split()),
    )


def read_accounts(
    path: Path, label_column: str | None = None
) -> tuple[list[str], list[AccountRow]]:
    """The header and every row of an account CSV, each checked (see read_rows)."""
    with _open(path) as handle:
        header, rows = read_rows(handle, label_column)
        return header, list(rows)


def read_rows(
    handle: TextIO, label_column: str | None = None
) -> tuple[list[str], Iterator[AccountRow]]:
    """Read a CSV header and lazily check its rows; blank lines are skipped.

    The delimiter is a comma, or a semicolon or tab when the header has no comma.
    """
    first = handle.readline()
    if not first.strip():
        raise InvalidError("the file is empty: expected a header row")
    delimiter = "," if "," in first else ";" if ";" in first else "\t" if "\t" in first else ","
    reader = csv.reader(itertools.chain([first], handle), delimiter=delimiter)
    header = [column.strip() for column in next(reader)]
    columns = column_map(header, label_column)

    def rows() -> Iterator[AccountRow]:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield _account_row(header, cells, columns, reader.line_num, label_column)

    return header, rows()


def _account_row(
    header: Sequence[str],
    cells: Sequence[str],
    columns: Mapping[str, str],
    line: int,
    label_column: str | None,
) -> AccountRow:
    if len(cells) != len(header):
        reason = f"expected {len(header)} cells, found {len(cells)}"
        return AccountRow(line, tuple(cells), None, None, (RowError(line, None, reason),))
    record = dict(zip(header, cells, strict=True))
    profile, label, errors = parse_account(record, columns, line, label_column)
    return AccountRow(line, tuple(cells), profile, label, errors)


def _open(path: Path) -> TextIO:
    if not path.is_file():
        raise NotFoundError("no such file", field=str(path))
    # utf-8-sig drops the byte-order mark spreadsheet programs put in front of the header.
    return path.open(newline="", encoding="utf-8-sig")


def score_csv(
    input_path: Path, output_path: Path, model: Forest | None = None, top: int = 3
) -> ScoreReport:
    """Score every good row of an account CSV; bad rows are written with their error, not dropped.

    The output keeps the input columns and adds fake_probability, label (fake/real at the
    model's threshold), top_features (feature and signed contribution) and error.
    """
    if output_path.resolve() == input_path.resolve():
        raise InvalidError("the output must not overwrite the input", field=str(output_path))
    forest = model if model is not None else load_model()
    scored, errors = 0, list[RowError]()
    with _open(input_path) as source, output_path.open("w", newline="", encoding="utf-8") as sink:
        header, rows = read_rows(source)
        keep = [index for index, column in enumerate(header) if column not in RESULT_COLUMNS]
        writer = csv.writer(sink)
        writer.writerow([header[index] for index in keep] + list(RESULT_COLUMNS))
        for batch in _batches(rows):
            for row, result in zip(batch, _assess_batch(batch, forest, top), strict=True):
                cells = [row.cells[index] if index < len(row.cells) else "" for index in keep]
                writer.writerow(cells + _result_cells(row, result))
                scored += result is not None
                errors.extend(row.errors)
    rejected = len({error.line for error in errors})
    return ScoreReport(scored, rejected, output_path, tuple(errors))


def _batches(rows: Iterable[AccountRow]) -> Iterator[list[AccountRow]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, _BATCH)):
        yield batch


def _assess_batch(batch: Sequence[AccountRow], forest: Forest, top: int) -> list[Assessment | None]:
    profiles = [row.profile for row in batch if row.profile is not None]
    results = iter(assess(profiles, forest, top)) if profiles else iter(())
    return [next(results) if row.profile is not None else None for row in batch]


def _result_cells(row: AccountRow, result: Assessment | None) -> list[str]:
    if result is None:
        problems = "; ".join(
            f"{error.column}: {error.reason}" if error.column else error.reason
            for error in row.errors
        )
        return ["", "", "", problems]
    reasons = "; ".join(f"{name} {value:+.3f}" for name, value in result.reasons)
    return [f"{result.probability:.4f}", "fake" if result.is_fake else "real", reasons, ""]
