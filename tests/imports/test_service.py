"""Import runs on the real database: default and mapped columns, each format, upserts,
snapshots and idempotent re-imports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy import Connection

from microreach.creators.enums import DataSource, Platform, PostType
from microreach.creators.models import AccountSnapshot, Creator, PlatformAccount, Post, PostSnapshot
from microreach.imports.schemas import ImportKind
from microreach.kit.errors import InvalidError
from tests.imports.support import account, counts, run, write

CAPTURED = datetime(2026, 1, 10, tzinfo=UTC)
CREATORS = (
    "platform,handle,name,followers,following,posts,country,verified,email\n"
    "instagram,@Ada.Lovelace,Ada,12.3K,450,320,gb,yes,ada@example.com\n"
    'tiktok,bob_bakes,Bob,"1,234",10,55,US,no,\n'
    "ig,cyd,,1.2M,,,,,\n"
)


def test_creators_with_default_columns(connection: Connection, tmp_path: Path) -> None:
    report = run(connection, write(tmp_path / "c.csv", CREATORS), captured_at=CAPTURED)
    assert (report.rows, report.imported, report.created, report.rejected) == (3, 3, 3, 0)
    assert report.rejects_path is None
    ada = account(connection, "ada.lovelace")
    assert ada.platform is Platform.INSTAGRAM and ada.display_name == "Ada"
    assert (ada.followers, ada.following, ada.media_count) == (12300, 450, 320)
    assert ada.country == "GB" and ada.verified and ada.source is DataSource.IMPORT
    assert ada.last_captured_at == CAPTURED
    creator = connection.execute(sa.select(Creator).where(Creator.id == ada.creator_id)).one()
    assert creator.name == "Ada" and creator.contact_email == "ada@example.com"
    assert account(connection, "cyd").followers == 1_200_000
    snapshot = connection.execute(
        sa.select(AccountSnapshot).where(AccountSnapshot.account_id == ada.id)
    ).one()
    assert (snapshot.captured_at, snapshot.followers, snapshot.media_count) == (
        CAPTURED,
        12300,
        320,
    )


def test_reimporting_the_same_file_changes_nothing(connection: Connection, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", CREATORS)
    run(connection, path)
    before = counts(connection)
    stamps = connection.execute(sa.select(PlatformAccount.updated_at)).scalars().all()
    again = run(connection, path)
    assert (again.created, again.updated, again.unchanged, again.snapshots) == (0, 0, 3, 0)
    assert counts(connection) == before
    assert connection.execute(sa.select(PlatformAccount.updated_at)).scalars().all() == stamps


def test_changed_rows_update_and_add_one_snapshot(connection: Connection, tmp_path: Path) -> None:
    run(connection, write(tmp_path / "c.csv", CREATORS), captured_at=CAPTURED)
    later = datetime(2026, 2, 1, tzinfo=UTC)
    changed = CREATORS.replace("12.3K", '"13,000"').replace("Bob,", "Bobby,")
    report = run(connection, write(tmp_path / "c2.csv", changed), captured_at=later)
    assert (report.updated, report.unchanged, report.snapshots) == (2, 1, 1)
    ada = account(connection, "ada.lovelace")
    assert ada.followers == 13000 and ada.last_captured_at == later
    assert account(connection, "bob_bakes").display_name == "Bobby"
    series = connection.execute(
        sa.select(AccountSnapshot.followers)
        .where(AccountSnapshot.account_id == ada.id)
        .order_by(AccountSnapshot.captured_at)
    ).scalars()
    assert list(series) == [12300, 13000]


def test_an_older_capture_adds_history_without_rolling_back(
    connection: Connection, tmp_path: Path
) -> None:
    run(connection, write(tmp_path / "c.csv", CREATORS), captured_at=CAPTURED)
    older = "platform,handle,followers,captured_at\ninstagram,ada.lovelace,11000,2025-12-01\n"
    run(connection, write(tmp_path / "old.csv", older))
    ada = account(connection, "ada.lovelace")
    assert ada.followers == 12300 and ada.last_captured_at == CAPTURED
    assert counts(connection)["account_snapshots"] == 4


def test_mapped_columns_and_platform_option(connection: Connection, tmp_path: Path) -> None:
    text = "Insta,Reach,Notes\n@ada,12k,likes cats\n"
    report = run(
        connection,
        write(tmp_path / "m.csv", text),
        platform=Platform.INSTAGRAM,
        column_map={"Insta": "handle", "Reach": "followers", "Notes": ""},
    )
    assert report.imported == 1 and report.ignored_columns == ("Notes",)
    assert account(connection, "ada").followers == 12000


def test_missing_required_columns_fail_before_importing(
    connection: Connection, tmp_path: Path
) -> None:
    with pytest.raises(InvalidError, match="handle"):
        run(connection, write(tmp_path / "x.csv", "platform,followers\ninstagram,12\n"))
    assert counts(connection)["accounts"] == 0


def test_json_lines_and_xlsx(connection: Connection, tmp_path: Path) -> None:
    lines = (
        '{"platform": "youtube", "channel": "cooks", "subscribers": 52000, "verified": true}\n'
        '{"platform": "youtube", "channel": "bakes", "subscribers": "1.1M"}\n'
    )
    assert run(connection, write(tmp_path / "c.jsonl", lines)).imported == 2
    assert account(connection, "bakes").followers == 1_100_000
    assert account(connection, "cooks").verified
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Platform", "Username", "Followers", "Captured At"])
    sheet.append(["TikTok", "dancer", 1500, datetime(2026, 1, 2, 3, 4)])
    sheet.append(["TikTok", "singer", "2.5k", None])
    book.save(tmp_path / "c.xlsx")
    report = run(connection, tmp_path / "c.xlsx")
    assert (report.imported, report.rejected) == (2, 0)
    dancer = account(connection, "dancer")
    assert dancer.last_captured_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


POSTS = (
    "platform,handle,post_id,posted_at,post_type,caption,likes,comments,views,paid_partnership\n"
    "instagram,ada.lovelace,p1,2026-01-05T10:00:00Z,reel,New recipe #ad with @brand,120,8,"
    "3400,yes\n"
    "instagram,ada.lovelace,p2,2026-01-06,photo,Sunday,95,,,no\n"
    "instagram,nobody_here,p3,2026-01-06,photo,Hi,1,1,,no\n"
)


def test_posts_and_their_counts(connection: Connection, tmp_path: Path) -> None:
    run(connection, write(tmp_path / "c.csv", CREATORS))
    report = run(connection, write(tmp_path / "p.csv", POSTS), ImportKind.POSTS)
    assert (report.imported, report.created, report.snapshots, report.rejected) == (2, 2, 2, 1)
    assert report.errors[0].line == 4 and "import creators first" in report.errors[0].reason
    post = connection.execute(sa.select(Post).where(Post.platform_post_id == "p1")).one()
    assert post.post_type is PostType.REEL and post.is_paid_partnership and post.has_disclosure
    assert post.hashtags == ["ad"] and post.mentions == ["brand"]
    snapshot = connection.execute(
        sa.select(PostSnapshot).where(PostSnapshot.post_id == post.id)
    ).one()
    assert (snapshot.likes, snapshot.comments, snapshot.views, snapshot.shares) == (
        120, 8, 3400, None,
    )  # fmt: skip
    before = counts(connection)
    again = run(connection, write(tmp_path / "p.csv", POSTS), ImportKind.POSTS)
    assert (again.created, again.updated, again.snapshots) == (0, 0, 0)
    assert counts(connection) == before
    more = POSTS.replace(",120,8,", ",150,9,")
    later = run(connection, write(tmp_path / "p2.csv", more), ImportKind.POSTS)
    assert (later.updated, later.snapshots) == (0, 1)


def test_metrics_series_keyed_by_capture_time(connection: Connection, tmp_path: Path) -> None:
    run(connection, write(tmp_path / "c.csv", CREATORS), captured_at=CAPTURED)
    run(connection, write(tmp_path / "p.csv", POSTS), ImportKind.POSTS, captured_at=CAPTURED)
    metrics = (
        "platform,handle,post_id,captured_at,followers,likes,comments\n"
        "instagram,ada.lovelace,,2026-01-11,12400,,\n"
        "instagram,ada.lovelace,,2026-01-12,12500,,\n"
        "instagram,ada.lovelace,p1,2026-01-11,,130,8\n"
        "instagram,ada.lovelace,p9,2026-01-11,,1,1\n"
        "instagram,ada.lovelace,,2026-01-12,99,,\n"
    )
    path = write(tmp_path / "metrics.csv", metrics)
    report = run(connection, path, ImportKind.METRICS)
    assert (report.imported, report.snapshots, report.rejected) == (3, 3, 2)
    assert {e.line: e.reason for e in report.errors} == {
        5: "no post p9 of @ada.lovelace: import posts first",
        6: "duplicate of line 3 (the first row wins)",
    }
    assert account(connection, "ada.lovelace").followers == 12500
    before = counts(connection)
    again = run(connection, path, ImportKind.METRICS)
    assert (again.snapshots, again.unchanged) == (0, 3)
    assert counts(connection) == before


def test_external_id_of_another_account_is_rejected(connection: Connection, tmp_path: Path) -> None:
    text = "platform,handle,user_id\ninstagram,ada,17\ninstagram,bob,17\n"
    report = run(connection, write(tmp_path / "e.csv", text))
    assert report.imported == 1 and report.errors[0].line == 3
    assert "already belongs to @ada" in report.errors[0].reason
