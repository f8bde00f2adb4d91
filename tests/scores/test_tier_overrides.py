"""Per-platform tier overrides (MICROREACH_TIER_OVERRIDES): checked at startup, used by the
scoring job in this process and in its workers, and part of the tiers version."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.config import load_settings
from microreach.creators.models import PlatformAccount
from microreach.db import migrate
from microreach.db.engine import make_engine
from microreach.kit.errors import ConfigError
from microreach.science import tiers
from microreach.scores import service
from microreach.scores.models import AccountScore
from microreach.synthetic import service as synthetic

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 2, tzinfo=UTC)
YOUTUBE_LADDER = '{"youtube": {"starter": 0, "rising": 2000, "established": 50000}}'


@pytest.fixture(autouse=True)
def no_overrides_after() -> Iterator[None]:
    yield
    tiers.configure_overrides({})


def _tiers_by_platform(connection: Connection) -> dict[str, set[str]]:
    a, s = PlatformAccount.__table__, AccountScore.__table__
    stmt = sa.select(a.c.platform, s.c.tier, a.c.followers, s.c.version).join(
        s, s.c.account_id == a.c.id
    )
    out: dict[str, set[str]] = {}
    for platform, tier, followers, version in connection.execute(stmt):
        assert tier == tiers.tier_for(followers, str(platform), "brief").name
        assert version == service.score_version("brief")
        out.setdefault(str(platform), set()).add(tier)
    return out


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('{"youtub": "brief"}', "unknown platform 'youtub'"),
        ('{"tiktok": {"nano": 0, "micro": -1}}', "tiktok: tier 'micro' needs a whole number"),
        ("{not json", "is not valid JSON"),
    ],
)
def test_bad_overrides_stop_startup_with_one_line_naming_the_setting(
    tmp_path: Path, value: str, shown: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(
            environ={"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_TIER_OVERRIDES": value}
        )
    assert info.value.setting == "MICROREACH_TIER_OVERRIDES"
    assert shown in str(info.value) and value in str(info.value)
    assert "\n" not in str(info.value)


def test_loading_the_settings_puts_the_overrides_in_force(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_TIER_OVERRIDES": YOUTUBE_LADDER}
    settings = load_settings(environ=env)
    assert [t.name for t in settings.tier_ladders["youtube"]] == [
        "starter",
        "rising",
        "established",
    ]
    assert tiers.tier_for(3_000, "youtube").name == "rising"
    assert tiers.tier_for(3_000, "instagram").name == "micro"
    load_settings(environ={"MICROREACH_DATA_DIR": str(tmp_path)})
    assert tiers.tier_for(3_000, "youtube").name == "micro"


def test_the_scoring_job_uses_the_overrides_and_rescores_when_they_change(
    connection: Connection,
) -> None:
    synthetic.generate(connection, creators=80, seed=33, secret_key="k", as_of=AS_OF)
    plain = service.score_all(connection, tier_scheme="brief", now=NOW)
    assert "youtube" in _tiers_by_platform(connection)
    tiers.configure_overrides(tiers.parse_overrides(YOUTUBE_LADDER, ["youtube"]))
    assert service.score_version("brief") != plain.version
    overridden = service.score_all(connection, tier_scheme="brief", now=NOW)
    assert overridden.scored == plain.scored and overridden.up_to_date == 0
    found = _tiers_by_platform(connection)
    assert found["youtube"] <= {"starter", "rising", "established"}
    assert found["instagram"] <= {"nano", "micro", "mid", "macro", "mega"}
    assert service.score_all(connection, tier_scheme="brief", now=NOW).scored == 0
    tiers.configure_overrides({})
    assert service.score_version("brief") == plain.version
    assert service.score_all(connection, tier_scheme="brief", now=NOW).scored == plain.scored


def test_worker_processes_use_the_parent_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Spans of 25 accounts, so the job has several and hands them to worker processes.
    monkeypatch.setattr(service, "plan_jobs", partial(service.plan_jobs, batch=25))
    spans: list[int] = []
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    tiers.configure_overrides(tiers.parse_overrides(YOUTUBE_LADDER, ["youtube"]))
    rows: dict[str, Any]
    with engine.connect() as connection:
        synthetic.generate(connection, creators=60, seed=34, secret_key="k", as_of=AS_OF)
        connection.commit()
        service.score_all(
            connection,
            tier_scheme="brief",
            now=NOW,
            workers=2,
            database_url=url,
            commit_each=True,
            progress=spans.append,
        )
        rows = _tiers_by_platform(connection)
    engine.dispose()
    assert len(spans) > 2
    assert rows["youtube"] <= {"starter", "rising", "established"}
