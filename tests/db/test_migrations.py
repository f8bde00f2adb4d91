"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

from microreach.db import migrate
from microreach.db.models import metadata
from microreach.discovery.models import include_name


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
