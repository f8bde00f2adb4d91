"""`microreach import`: exit codes and messages (0 all imported, 1 rows rejected, 2 unusable
file), the rejects file, and the summary line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from microreach.cli import app as cli_app
from microreach.config import get_settings
from microreach.db import migrate
from microreach.db.engine import make_engine
from tests.imports.support import write
from tests.imports.test_adversarial import BAD, GOOD, adversarial_file

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated SQLite file of its own: the command commits, so it must not share the
    test database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'microreach.db'}")
    migrate.upgrade(engine)
    engine.dispose()
    get_settings.cache_clear()
    yield {"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_ENV": "test"}
    get_settings.cache_clear()


def accounts(tmp_path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'microreach.db'}")
    with engine.connect() as connection:
        found = connection.exec_driver_sql("SELECT count(*) FROM platform_accounts").scalar()
    engine.dispose()
    return int(found or 0)


def test_a_clean_file_exits_0_and_reimports_as_unchanged(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = write(tmp_path / "c.csv", "handle,followers,category\nada,12k,food\nbob,1.2M,\n")
    args = ["import", "creators", str(path), "--platform", "instagram"]
    first = runner.invoke(cli_app, args, env=cli_env)
    assert first.exit_code == 0, first.output
    assert "2 rows, 2 imported (2 new" in first.output
    assert "ignored columns: category" in first.output
    assert "rows/s" in first.output
    assert "score the new and changed accounts with `microreach score` (the scoring job" in (
        first.output
    )
    again = runner.invoke(cli_app, args, env=cli_env)
    assert again.exit_code == 0
    assert "0 new, 0 updated, 2 unchanged, 0 snapshots" in again.output
    assert "microreach score" not in again.output
    assert accounts(tmp_path) == 2
    assert not (tmp_path / "c.rejects.csv").exists()


def test_rejected_rows_exit_1_with_lines_and_a_rejects_file(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = adversarial_file(tmp_path / "creators.csv")
    rejects = tmp_path / "out" / "bad.csv"
    result = runner.invoke(
        cli_app, ["import", "creators", str(path), "--rejects", str(rejects)], env=cli_env
    )
    assert result.exit_code == 1, result.output
    assert "rejected: line 6, column 'followers': not a count" in result.output
    assert "rejected: line 8, column 'handle': duplicate of line 5" in result.output
    assert f"{len(BAD)} rejected" in result.output
    assert f"rejected rows written to {rejects}" in result.output
    assert rejects.is_file()
    assert accounts(tmp_path) == len(GOOD)


def test_an_unusable_file_exits_2_before_importing(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", "name,followers\nAda,12\n")
    result = runner.invoke(cli_app, ["import", "creators", str(path)], env=cli_env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: file: missing required columns: platform")
    assert "username" in result.output and "--platform" in result.output
    bad_map = runner.invoke(
        cli_app,
        ["import", "posts", str(path), "--platform", "tiktok", "--map", "name"],
        env=cli_env,
    )
    assert bad_map.exit_code == 2
    assert "error: --map: expected COLUMN=FIELD" in bad_map.output
    assert accounts(tmp_path) == 0
