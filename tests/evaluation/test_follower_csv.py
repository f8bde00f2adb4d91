"""Account CSVs: column aliases, value checks, and scoring with bad rows reported by line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from microreach.evaluation.follower_csv import (
    COLUMN_ALIASES,
    RESULT_COLUMNS,
    column_map,
    normalise,
    parse_account,
    parse_count,
    parse_flag,
    read_accounts,
    score_csv,
)
from microreach.kit.errors import InvalidError, NotFoundError
from microreach.science.followers import Profile

GOOD_FAKE = "bot83920174,20,7000,0,,false,false,"
GOOD_REAL = "anna.meier,850,400,220,Coffee and mountains,true,false,https://anna.example"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_output(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_aliases_never_collide() -> None:
    seen: dict[str, str] = {}
    for field, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            assert seen.setdefault(normalise(alias), field) == field, alias


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Profile.URL", "rating", "Username", "Number.of.posts", "Number.of.people.they.follow",
          "Number.of.followers", "has_profile_picture", "Private.account"],
         {"username": "Username", "posts": "Number.of.posts",
          "following": "Number.of.people.they.follow", "followers": "Number.of.followers",
          "has_profile_picture": "has_profile_picture", "is_private": "Private.account"}),
        (["profile pic", "nums/length username", "fullname words", "nums/length fullname",
          "name==username", "description length", "external URL", "private", "#posts",
          "#followers", "#follows", "fake"],
         {"has_profile_picture": "profile pic", "username_digit_share": "nums/length username",
          "full_name_words": "fullname words", "bio_length": "description length",
          "external_url": "external URL", "is_private": "private", "posts": "#posts",
          "followers": "#followers", "following": "#follows"}),
        (["userFollowerCount", "userFollowingCount", "userBiographyLength", "userMediaCount",
          "userHasProfilPic", "userIsPrivate", "usernameDigitCount", "usernameLength", "isFake"],
         {"followers": "userFollowerCount", "following": "userFollowingCount",
          "bio_length": "userBiographyLength", "posts": "userMediaCount",
          "has_profile_picture": "userHasProfilPic", "is_private": "userIsPrivate",
          "username_digits": "usernameDigitCount", "username_length": "usernameLength"}),
    ],
    ids=["srf", "kaggle", "instafake"],
)  # fmt: skip
def test_dataset_headers_map_onto_fields(header: list[str], expected: dict[str, str]) -> None:
    assert column_map(header) == expected


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(InvalidError, match=r"following: following, follows") as error:
        column_map(["username", "followers", "media_count"])
    assert "posts" not in str(error.value).split("(")[1].split(":")[0]


def test_doubled_and_label_columns() -> None:
    with pytest.raises(InvalidError, match="both give followers"):
        column_map(["followers", "follower_count", "following", "posts"])
    with pytest.raises(InvalidError, match="no label column 'fake'"):
        column_map(["followers", "following", "posts"], label_column="fake")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1234", 1234), ("1,234", 1234), ("1,234,567", 1234567), ("12.0", 12), ("1e3", 1000),
     ("1.2k", 1200), ("3M", 3_000_000), ("0", 0), (" 7 ", 7)],
)  # fmt: skip
def test_parse_count_accepts(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("12x", "not a number"), ("1,5", "not a number"), ("-3", "0 or more"),
     ("1.5", "whole number"), ("nan", "finite"), ("k", "not a number")],
)  # fmt: skip
def test_parse_count_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_count(text)


def test_parse_flag() -> None:
    assert [parse_flag(word) for word in ("TRUE", "1", "yes", "False", "0", "n")] == [
        True, True, True, False, False, False,
    ]  # fmt: skip
    with pytest.raises(ValueError, match="yes/no"):
        parse_flag("maybe")


def test_parse_account_builds_profile_from_text_fields() -> None:
    columns = column_map(["handle", "followers", "following", "posts", "bio", "name", "website"])
    record = {"handle": "@anna99", "followers": "1.5k", "following": "300", "posts": "40",
              "bio": "hello there", "name": "Anna Meier", "website": ""}  # fmt: skip
    profile, label, errors = parse_account(record, columns, line=2)
    assert errors == () and label is None
    assert profile == Profile(
        followers=1500, following=300, posts=40, username="anna99", bio_length=11,
        has_external_url=False, full_name_words=2,
    )  # fmt: skip


def test_score_csv_scores_good_rows_and_reports_bad_ones(tmp_path: Path) -> None:
    source = write(
        tmp_path / "accounts.csv",
        "username,followers,following,posts,bio,has_profile_picture,is_private,external_url\n"
        f"{GOOD_FAKE}\n"
        "broken1,12x,300,4,,true,false,\n"
        f"{GOOD_REAL}\n"
        "\n"
        "broken2,-5,300,4,,maybe,false,\n"
        "broken3,100,,4,,true,false,\n"
        "broken4,100,200\n"
        "plain,300,280,35,,,,\n",
    )
    report = score_csv(source, tmp_path / "scored.csv")
    assert (report.rows_scored, report.rows_rejected) == (3, 4)
    problems = {(error.line, error.column) for error in report.errors}
    assert problems == {(3, "followers"), (6, "followers"), (6, "has_profile_picture"),
                        (7, "following"), (8, None)}  # fmt: skip
    assert {str(error) for error in report.errors if error.line == 8} == {
        "line 8: expected 8 cells, found 3"
    }
    rows = read_output(report.output_path)
    assert [row["username"] for row in rows] == [
        "bot83920174", "broken1", "anna.meier", "broken2", "broken3", "broken4", "plain",
    ]  # fmt: skip
    by_name = {row["username"]: row for row in rows}
    assert by_name["bot83920174"]["label"] == "fake" and by_name["anna.meier"]["label"] == "real"
    assert float(by_name["bot83920174"]["fake_probability"]) > float(
        by_name["anna.meier"]["fake_probability"]
    )
    assert by_name["bot83920174"]["top_features"].count(";") == 2
    assert by_name["broken1"]["error"] == "followers: not a number: '12x'"
    assert "has_profile_picture: not a yes/no value" in by_name["broken2"]["error"]
    assert by_name["broken3"]["error"] == "following: missing value"
    for name in ("broken1", "broken2", "broken3", "broken4"):
        assert by_name[name]["fake_probability"] == "" and by_name[name]["label"] == ""
    assert by_name["plain"]["error"] == "" and by_name["plain"]["label"] in {"fake", "real"}


def test_score_csv_refuses_a_file_without_required_columns(tmp_path: Path) -> None:
    source = write(tmp_path / "accounts.csv", "username,followers,posts\nanna,10,3\n")
    with pytest.raises(InvalidError, match="missing required column"):
        score_csv(source, tmp_path / "scored.csv")


def test_score_csv_reads_semicolons_and_byte_order_marks(tmp_path: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes("\ufeffUsername;Followers;Following;Posts\nanna;850;400;220\n".encode())
    report = score_csv(source, tmp_path / "scored.csv")
    assert report.rows_scored == 1
    assert read_output(report.output_path)[0]["Username"] == "anna"


def test_rescoring_an_output_replaces_its_result_columns(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", "username,followers,following,posts\nanna,850,400,220\n")
    first = score_csv(source, tmp_path / "b.csv")
    second = score_csv(first.output_path, tmp_path / "c.csv")
    with second.output_path.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["username", "followers", "following", "posts", *RESULT_COLUMNS]


def test_score_csv_refuses_missing_input_and_overwriting(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        score_csv(tmp_path / "absent.csv", tmp_path / "out.csv")
    source = write(tmp_path / "a.csv", "followers,following,posts\n1,2,3\n")
    with pytest.raises(InvalidError, match="overwrite"):
        score_csv(source, source)
    with pytest.raises(InvalidError, match="empty"):
        score_csv(write(tmp_path / "empty.csv", ""), tmp_path / "out.csv")


def test_read_accounts_parses_labels(tmp_path: Path) -> None:
    source = write(
        tmp_path / "labelled.csv",
        "followers,following,posts,truth\n1,2,3,fake\n1,2,3,REAL\n1,2,3,1\n1,2,3,0\n1,2,3,maybe\n",
    )
    _, rows = read_accounts(source, label_column="truth")
    assert [row.label for row in rows] == [True, False, True, False, None]
    assert [str(error) for error in rows[-1].errors] == [
        "line 6, column truth: label 'maybe' is not one of ['0', '1', 'fake', 'false', 'real', "
        "'true']"
    ]
