"""Engine settings microreach depends on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microreach.creators.models import PlatformAccount, Post
from microreach.db.engine import check_connection, is_sqlite, make_engine
from microreach.kit.errors import ConfigError
from tests.factories import make_account, make_post


def test_sqlite_runs_in_wal_mode_with_foreign_keys(connection: Connection) -> None:
    if not is_sqlite(connection):
        pytest.skip("SQLite pragmas")
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(session: Session) -> None:
    import uuid

    from microreach.creators.enums import DataSource, PostType

    session.add(
        Post(
            account_id=uuid.uuid4(),
            platform_post_id="x",
            post_type=PostType.PHOTO,
            posted_at=datetime.now(UTC),
            source=DataSource.MANUAL,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_times_come_back_aware_utc(session: Session) -> None:
    paris = timezone(timedelta(hours=1))
    post = make_post(session, posted_at=datetime(2026, 3, 1, 13, 30, tzinfo=paris))
    session.expire_all()
    loaded = session.get(Post, post.id)
    assert loaded is not None
    assert loaded.posted_at == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert loaded.posted_at.tzinfo is not None


def test_naive_times_are_refused(session: Session) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        make_post(session, posted_at=datetime(2026, 3, 1, 12, 0))


def test_one_account_per_platform_and_handle(session: Session) -> None:
    make_account(session, handle="same.handle")
    with pytest.raises(IntegrityError):
        make_account(session, handle="same.handle")


def test_one_account_per_platform_and_external_id(session: Session) -> None:
    make_account(session, external_id="178414")
    with pytest.raises(IntegrityError):
        make_account(session, external_id="178414")


def test_accounts_without_external_id_do_not_collide(session: Session) -> None:
    make_account(session, external_id=None)
    make_account(session, external_id=None)
    assert session.scalar(sa.select(sa.func.count()).select_from(PlatformAccount)) == 2


def test_negative_followers_are_refused(session: Session) -> None:
    with pytest.raises(IntegrityError):
        make_account(session, followers=-1)


def test_unreachable_database_is_a_one_line_config_error() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(ConfigError) as info:
        check_connection(engine)
    assert info.value.setting == "MICROREACH_DATABASE_URL"
    assert "cannot connect" in str(info.value)
    assert "\n" not in str(info.value)


def test_malformed_database_url_names_the_setting() -> None:
    with pytest.raises(ConfigError, match="MICROREACH_DATABASE_URL"):
        make_engine("not a url")
