"""Alembic environment: runs on the engine handed over by microreach.db.migrate."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Engine

from microreach.db.base import StrEnumType, UTCDateTime
from microreach.db.models import metadata
from microreach.discovery.models import include_name

config = context.config


def render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    """Render microreach's column types as plain SQLAlchemy types: migrations stay standalone."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(item, StrEnumType):
        return f"sa.String(length={item.impl.length})"
    return False


def run_migrations_online() -> None:
    engine: Engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
