"""The database handle the app, CLI and jobs share: one engine, one session factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from microreach.config import Settings
from microreach.db.engine import check_connection, make_engine, make_sessionmaker
from microreach.kit.errors import ConfigError


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        engine = make_engine(settings.resolved_database_url)
        return cls(engine=engine, sessions=make_sessionmaker(engine))

    @classmethod
    def from_engine(cls, engine: Engine) -> Database:
        return cls(engine=engine, sessions=make_sessionmaker(engine))

    def check(self) -> None:
        check_connection(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed once at the end, or rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session


def open_database(settings: Settings, *, require_current: bool = True) -> Database:
    """The configured database, reachable and (unless told otherwise) at the newest migration;
    ConfigError naming MICROREACH_DATABASE_URL otherwise. Every command starts here."""
    from microreach.db import migrate  # Alembic is imported only by commands that need it

    database = Database.from_settings(settings)
    database.check()
    if require_current and not migrate.is_current(database.engine):
        raise ConfigError(
            "MICROREACH_DATABASE_URL",
            "the database schema is not up to date; run `microreach db upgrade`",
        )
    return database
