"""Keeping the index up to date: a rebuild that leaves the database free for other writers
until it publishes, the check of whether anything changed since, and the periodic job."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.config import Settings, load_settings
from microreach.creators.models import Creator, PlatformAccount
from microreach.db import migrate
from microreach.db.session import Database
from microreach.discovery import service
from microreach.discovery.models import DiscoveryProfile
from microreach.jobs import enqueue, environment
from microreach.kit.clock import utcnow
from microreach.scores import service as scores
from microreach.synthetic import service as synthetic
from tests.discovery.conftest import AS_OF, NOW
from tests.e2e.support import fresh_database

EXACT = timedelta(0)  # index_outdated without its slack: tests know every transaction ended


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[tuple[Settings, Database]]:
    """A migrated database of this test's own: the rebuild and the job use connections of
    their own, which cannot see the test fixture's uncommitted transaction."""
    with fresh_database(tmp_path, os.environ.get("MICROREACH_TEST_DATABASE_URL", "")) as url:
        settings = load_settings(
            environ={}, data_dir=tmp_path / "data", env="test", database_url=url
        )
        database = Database.from_settings(settings)
        migrate.upgrade(database.engine)
        with database.engine.connect() as connection:
            synthetic.generate(connection, creators=30, seed=12, secret_key="k", as_of=AS_OF)
            scores.score_all(connection, tier_scheme="brief", now=NOW, commit_each=True)
        yield settings, database
        database.engine.dispose()


def _profiles(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count(DiscoveryProfile.doc_id))).scalar())


def test_the_rebuild_leaves_the_database_free_for_writers_until_it_publishes(
    own_database: tuple[Settings, Database],
) -> None:
    settings, database = own_database
    written: list[int] = []

    def write_meanwhile(_staged: int) -> None:
        # Another connection commits a change while the index is being built: on SQLite it
        # would have waited for the whole rebuild if the index tables were written directly.
        with database.engine.connect() as other:
            other.execute(sa.update(Creator).values(contact_email="new@example.com"))
            other.commit()
        written.append(1)

    result = service.rebuild_index(database.engine, settings, progress=write_meanwhile)

    with database.engine.connect() as connection:
        accounts = connection.execute(sa.select(sa.func.count(PlatformAccount.id))).scalar()
    assert written and result.profiles == accounts == _profiles(database)
    # Built again, the index holds the same rows: the staged tables were dropped.
    assert service.rebuild_index(database.engine, settings).profiles == accounts
    assert _profiles(database) == accounts


def test_the_index_is_outdated_until_built_and_again_after_any_change(
    connection: Connection,
) -> None:
    assert not service.index_outdated(connection)  # nothing to index
    synthetic.generate(connection, creators=20, seed=13, secret_key="k", as_of=AS_OF)
    assert service.index_outdated(connection)  # accounts, no index
    scores.score_all(connection, tier_scheme="brief", now=NOW)
    service.refresh_index(connection, tier_scheme="brief")
    assert not service.index_outdated(connection, EXACT)
    assert service.index_outdated(connection)  # with the slack, a change just before counts

    creator = connection.execute(sa.select(Creator.id).limit(1)).scalar_one()
    edit = sa.update(Creator).where(Creator.id == creator).values(updated_at=utcnow())
    connection.execute(edit)
    assert service.index_outdated(connection, EXACT)

    service.refresh_index(connection, tier_scheme="brief")
    assert not service.index_outdated(connection, EXACT)
    account = connection.execute(sa.select(PlatformAccount.id).limit(1)).scalar_one()
    connection.execute(sa.delete(PlatformAccount).where(PlatformAccount.id == account))
    assert not service.index_outdated(connection, EXACT)  # its profile went with it
    scores.score_all(connection, tier_scheme="brief", now=NOW)
    assert service.index_outdated(connection, EXACT)  # its peers were ranked again since


def test_the_periodic_job_rebuilds_only_when_something_changed(
    own_database: tuple[Settings, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, database = own_database
    environment.configure(settings, database)
    try:
        monkeypatch.setattr(service, "REBUILD_SLACK", EXACT)
        assert enqueue("discovery.refresh_index").state == "ran"
        indexed = _profiles(database)
        assert indexed > 0
        with database.engine.connect() as connection:
            built = connection.execute(sa.select(sa.func.max(DiscoveryProfile.indexed_at)))
            first = built.scalar()
        assert enqueue("discovery.refresh_index").state == "ran"
        with database.engine.connect() as connection:
            again = connection.execute(sa.select(sa.func.max(DiscoveryProfile.indexed_at)))
            assert again.scalar() == first  # up to date: not rebuilt
            connection.execute(sa.update(Creator).values(name="Renamed", updated_at=utcnow()))
            connection.commit()
        assert enqueue("discovery.refresh_index").state == "ran"
        assert _profiles(database) == indexed
        with database.engine.connect() as connection:
            names = connection.execute(sa.select(DiscoveryProfile.creator_name).distinct())
            assert names.scalars().all() == ["Renamed"]
    finally:
        environment._current = None
