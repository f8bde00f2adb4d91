"""The acceptance file: malformed numbers, missing values, duplicate handles, unknown
platforms, a bad encoding and oversized fields. Every good row is imported and every bad one
is reported with its line, column and reason, in the report and in the rejects file."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.creators.models import PlatformAccount
from microreach.imports.formats import MAX_LINE_BYTES
from microreach.imports.schemas import ImportKind
from tests.imports.support import run, write

GOOD = {  # line -> handle, followers
    2: ("zoë_cooks", 12000),
    3: ("grouped", 1234),
    4: ("millions", 1_200_000),
    5: ("plain", 800),
    10: ("after_bad_bytes", 45),
    13: ("last_one", 7),
    15: ("short_row", 0),  # trailing columns missing: no count given, so no snapshot
}
BAD = {  # line -> column, words of the reason
    6: ("followers", "not a count"),
    7: ("handle", "handle is required"),
    8: ("handle", "duplicate of line 5"),
    9: ("platform", "unknown platform"),
    11: (None, "not valid utf-8"),
    12: ("bio", "longer than 5,000 characters"),
    14: (None, "longer than"),
    16: (None, "5 values for 4 columns"),
    17: ("followers", "is negative"),
    18: ("followers", "not a count"),
}


def adversarial_file(path: Path) -> Path:
    rows = [
        "platform,handle,followers,bio\n",
        "instagram,zoë_cooks,12k,Cooking 🍳\n",  # 2
        'instagram,grouped,"1,234",\n',  # 3
        "instagram,millions,1.2M,\n",  # 4
        "tiktok,plain,800,\n",  # 5
        "tiktok,garbage,12abc,\n",  # 6
        "tiktok,,100,no handle\n",  # 7
        "tiktok,PLAIN,900,duplicate of line 5 (handles ignore case)\n",  # 8
        "myspace,tom,100,\n",  # 9
        "instagram,after_bad_bytes,45,\n",  # 10
    ]
    data = "".join(rows).encode()
    data += b"instagram,latin1,50,caf\xe9 \xff\n"  # 11: not UTF-8
    data += f"instagram,too_long,10,{'x' * 5001}\n".encode()  # 12
    data += b"youtube,last_one,7,\n"  # 13
    data += b"youtube,huge," + b"9" * (MAX_LINE_BYTES + 1) + b"\n"  # 14
    data += b"instagram,short_row\n"  # 15: missing trailing columns
    data += b"instagram,extra,1,bio,surplus\n"  # 16: a value too many
    data += b"instagram,negative,-5,\n"  # 17
    data += b"instagram,european,1.234,\n"  # 18: thousands or decimals? refused, not guessed
    return write(path, data)


def test_every_good_row_imported_every_bad_row_reported(
    connection: Connection, tmp_path: Path
) -> None:
    path = adversarial_file(tmp_path / "creators.csv")
    report = run(connection, path, ImportKind.CREATORS)
    stored = dict(
        connection.execute(sa.select(PlatformAccount.handle, PlatformAccount.followers)).all()
    )
    assert stored == dict(GOOD.values())
    assert (report.rows, report.imported, report.rejected) == (17, len(GOOD), len(BAD))
    assert report.encoding == "utf-8"
    by_line = {error.line: error for error in report.errors}
    assert set(by_line) == set(BAD)
    for line, (column, reason) in BAD.items():
        assert by_line[line].column == column, line
        assert reason in by_line[line].reason, (line, by_line[line])
    assert by_line[6].value == "12abc"

    assert report.rejects_path == tmp_path / "creators.rejects.csv"
    with report.rejects_path.open(encoding="utf-8", newline="") as f:
        rejects = list(csv.DictReader(f))
    assert sorted(int(r["line"]) for r in rejects) == sorted(BAD)
    assert {r["line"]: r["handle"] for r in rejects}["9"] == "tom"
    assert list(rejects[0])[:3] == ["line", "column", "reason"]


def test_the_adversarial_file_again_changes_nothing(connection: Connection, tmp_path: Path) -> None:
    path = adversarial_file(tmp_path / "creators.csv")
    run(connection, path, ImportKind.CREATORS)
    again = run(connection, path, ImportKind.CREATORS)
    assert (again.created, again.updated, again.unchanged, again.snapshots) == (0, 0, len(GOOD), 0)
    assert again.rejected == len(BAD)
