"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

from microreach.accounts.models import Organisation
from microreach.db import migrate
from microreach.db.engine import make_engine
from microreach.db.models import metadata
from microreach.discovery.models import include_name
from microreach.kit.clock import as_utc
from microreach.links.models import Click, ClickMark, Link, RollupState
from microreach.reports.models import ReportState


def test_models_and_migrations_do_not_drift(connection: Connection) -> None:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": include_name}
    )
    diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_database_is_at_head(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    assert migrate.is_current(engine)


def test_upgrade_is_idempotent(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.is_current(engine)


def test_0020_marks_the_clicks_no_rollup_has_read(tmp_path: Path) -> None:
    """Upgrading to 0020 (clicks lose their `recorded_at` index, the jobs read click_marks)
    marks every link-hour with clicks recorded since the older job watermark, and no other."""
    from tests.e2e.support import fresh_database

    with fresh_database(tmp_path, os.environ.get("MICROREACH_TEST_DATABASE_URL", "")) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine, "0019")
            org, link = uuid.uuid4(), uuid.uuid4()
            watermark = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
            clicks = [
                # occurred, recorded: read by both jobs already
                (datetime(2026, 5, 1, 10, 59, tzinfo=UTC), watermark - timedelta(hours=1)),
                # read by the rollup job, not yet by the reports job
                (datetime(2026, 5, 1, 11, 5, tzinfo=UTC), watermark - timedelta(minutes=20)),
                # read by neither: two clicks of one hour, one late click of an old hour
                (datetime(2026, 5, 1, 12, 1, tzinfo=UTC), watermark + timedelta(minutes=1)),
                (datetime(2026, 5, 1, 12, 40, tzinfo=UTC), watermark + timedelta(minutes=41)),
                (datetime(2026, 5, 1, 9, 30, tzinfo=UTC), watermark + timedelta(minutes=2)),
            ]
            with engine.begin() as connection:
                connection.execute(
                    sa.insert(Organisation.__table__).values(
                        id=org, name="Old", slug="old", created_at=watermark
                    )
                )
                connection.execute(
                    sa.insert(Link.__table__).values(
                        id=link, organisation_id=org, slug="old1", destination="https://x.test/",
                        enabled=True, created_at=watermark, updated_at=watermark,
                    )
                )  # fmt: skip
                for occurred, recorded in clicks:
                    connection.execute(
                        sa.insert(Click.__table__).values(
                            id=uuid.uuid4(), link_id=link, occurred_at=occurred,
                            recorded_at=recorded, device="mobile", os="iOS", browser="Safari",
                            is_bot=False, is_unique=True, method="GET",
                        )
                    )  # fmt: skip
                connection.execute(
                    sa.insert(RollupState.__table__).values(
                        name="click_rollups", recorded_until=watermark
                    )
                )
                connection.execute(
                    sa.insert(ReportState.__table__).values(
                        name="click_days", recorded_until=watermark - timedelta(minutes=30),
                        version=3,
                    )
                )  # fmt: skip
            migrate.upgrade(engine)
            with engine.connect() as connection:
                marks = connection.execute(
                    sa.select(ClickMark.recorded_at, ClickMark.link_id, ClickMark.hour)
                ).all()
                indexes = {ix["name"] for ix in sa.inspect(connection).get_indexes("clicks")}
        finally:
            engine.dispose()
    hour = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    assert sorted((as_utc(h), as_utc(r)) for r, _, h in marks) == [
        (hour.replace(hour=9), watermark + timedelta(minutes=2)),
        (hour.replace(hour=11), watermark - timedelta(minutes=20)),
        (hour.replace(hour=12), watermark + timedelta(minutes=41)),
    ]
    assert {link_id for _, link_id, _ in marks} == {link}
    assert indexes == set()
