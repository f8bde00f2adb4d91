"""The command line as a user runs it: real processes, real databases, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_DATABASE_URL


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
    return subprocess.run(
        [sys.executable, "-m", "microreach", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], setting: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {setting}:")
    assert "Traceback" not in result.stderr


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run(["--help"], {"MICROREACH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0
    for command in ("db", "generate", "serve", "demo"):
        assert command in result.stdout


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {
        "MICROREACH_DATA_DIR": str(tmp_path),
        "MICROREACH_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    }
    result = run(["db", "upgrade"], env)
    assert_one_line_error(result, "MICROREACH_DATABASE_URL")
    assert "cannot connect" in result.stderr


def test_unwritable_data_directory_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run(["db", "upgrade"], {"MICROREACH_DATA_DIR": str(blocker / "sub")})
    assert_one_line_error(result, "MICROREACH_DATA_DIR")


def test_unknown_setting_value_is_one_line(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], {"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_ENV": "x"})
    assert_one_line_error(result, "MICROREACH_ENV")


def test_generate_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = run(["generate", "--creators", "10"], {"MICROREACH_DATA_DIR": str(tmp_path)})
    assert_one_line_error(result, "MICROREACH_DATABASE_URL")
    assert "microreach db upgrade" in result.stderr


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="uses its own SQLite file")
def test_upgrade_then_generate_twice_adds_no_duplicates(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path)}
    assert run(["db", "upgrade"], env).returncode == 0
    first = run(["generate", "--creators", "1500", "--seed", "3", "--workers", "1"], env)
    assert first.returncode == 0, first.stderr
    assert "1,500 creators added" in first.stderr
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'microreach.db'}")
    with engine.connect() as connection:
        before = connection.exec_driver_sql("SELECT count(*) FROM posts").scalar_one()
    second = run(["generate", "--creators", "1500", "--seed", "3"], env)
    assert second.returncode == 0, second.stderr
    assert "0 creators added, 1,500 already present" in second.stderr
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM posts").scalar_one() == before
        assert connection.exec_driver_sql("SELECT count(*) FROM creators").scalar_one() == 1500
    engine.dispose()


def test_demo_migrates_generates_scores_and_prints_the_login(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    result = run(["demo", "--creators", "80", "--no-serve"], env)
    assert result.returncode == 0, result.stderr
    assert "80 creators added" in result.stderr
    assert "demo@microreach.local" in result.stdout + result.stderr
    assert "microreach-demo" in result.stdout + result.stderr
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'microreach.db'}")
    with engine.connect() as connection:
        accounts = connection.exec_driver_sql("SELECT count(*) FROM platform_accounts").scalar()
        scored = connection.exec_driver_sql("SELECT count(*) FROM account_scores").scalar()
        indexed = connection.exec_driver_sql("SELECT count(*) FROM discovery_profiles").scalar()
        users = connection.exec_driver_sql(
            "SELECT count(*) FROM users WHERE email = 'demo@microreach.local'"
        ).scalar()
    engine.dispose()
    assert accounts and scored == accounts and indexed == accounts
    assert users == 1
    again = run(["demo", "--creators", "80", "--no-serve"], env)
    assert again.returncode == 0, again.stderr
    assert "0 accounts scored" in again.stderr
