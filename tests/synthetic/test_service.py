"""Generating into a real database: bulk paths on SQLite and PostgreSQL, and idempotency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.creators.models import (
    AccountSnapshot,
    AudienceShare,
    Comment,
    Creator,
    PlatformAccount,
    Post,
    PostSnapshot,
)
from microreach.kit.errors import InvalidError
from microreach.synthetic import service
from microreach.synthetic.models import GenerationRun, SyntheticTruth

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
TABLES = (Creator, PlatformAccount, Post, PostSnapshot, AccountSnapshot, Comment, AudienceShare,
          SyntheticTruth)  # fmt: skip


def counts(connection: Connection) -> dict[str, int]:
    return {
        model.__tablename__: connection.execute(
            sa.select(sa.func.count()).select_from(model)
        ).scalar_one()
        for model in TABLES
    }


def test_generate_writes_every_table(connection: Connection) -> None:
    result = service.generate(connection, creators=1200, seed=5, secret_key="k", as_of=AS_OF)
    assert result.created == 1200
    found = counts(connection)
    assert found["creators"] == 1200
    assert found["platform_accounts"] >= 1200
    assert found["posts"] == found["platform_accounts"] * 12
    assert all(found[name] > 0 for name in found), found
    assert result.rows_written == sum(found.values())


def test_rerunning_a_seed_adds_nothing(connection: Connection) -> None:
    service.generate(connection, creators=1100, seed=6, secret_key="k", as_of=AS_OF)
    before = counts(connection)
    again = service.generate(connection, creators=1100, seed=6, secret_key="k")
    assert again.created == 0 and again.already_present == 1100
    assert counts(connection) == before


def test_growing_a_seed_adds_only_the_new_creators(connection: Connection) -> None:
    service.generate(connection, creators=500, seed=8, secret_key="k", as_of=AS_OF)
    grown = service.generate(connection, creators=1500, seed=8, secret_key="k")
    assert grown.created == 1000 and grown.already_present == 500
    assert counts(connection)["creators"] == 1500
    run = connection.execute(sa.select(GenerationRun).where(GenerationRun.seed == 8)).one()
    assert run.creators == 1500
    assert run.as_of == AS_OF


def test_reading_back_gives_typed_values(connection: Connection) -> None:
    service.generate(connection, creators=50, seed=9, secret_key="k", as_of=AS_OF)
    post = connection.execute(sa.select(Post).limit(1)).one()[0] if False else None
    assert post is None
    row = connection.execute(
        sa.select(Post.posted_at, Post.hashtags, Post.is_paid_partnership).limit(1)
    ).one()
    assert row.posted_at.tzinfo is not None and row.posted_at <= AS_OF
    assert isinstance(row.hashtags, list) and all(isinstance(t, str) for t in row.hashtags)
    assert isinstance(row.is_paid_partnership, bool)
    account = connection.execute(
        sa.select(PlatformAccount.platform, PlatformAccount.verified)
    ).first()
    assert account is not None and isinstance(account.verified, bool)


def test_another_seed_with_a_taken_handle_skips_that_creator(connection: Connection) -> None:
    service.generate(connection, creators=30, seed=10, secret_key="k", as_of=AS_OF)
    first = connection.execute(
        sa.select(PlatformAccount.platform, PlatformAccount.handle)
        .order_by(PlatformAccount.handle)
        .limit(1)
    ).one()
    from tests.factories import BASE_TIME  # noqa: F401  (keeps factories importable)

    connection.execute(sa.delete(Creator))
    # Occupy every handle seed 10 would use with another account, then generate it again.
    connection.execute(
        sa.insert(Creator).values(
            id=__import__("uuid").uuid4(), name="Squatter", kind="person", source="manual",
            created_at=AS_OF, updated_at=AS_OF,
        )
    )  # fmt: skip
    squatter = connection.execute(sa.select(Creator.id)).scalar_one()
    connection.execute(
        sa.insert(PlatformAccount).values(
            id=__import__("uuid").uuid4(), creator_id=squatter, platform=first.platform,
            handle=first.handle, followers=1, following=1, media_count=1, verified=False,
            has_profile_picture=True, is_private=False, first_seen_at=AS_OF, source="manual",
            created_at=AS_OF, updated_at=AS_OF,
        )
    )  # fmt: skip
    result = service.generate(connection, creators=30, seed=10, secret_key="k")
    assert result.skipped_conflicts == 1
    assert result.created == 29


@pytest.mark.parametrize(("creators", "posts"), [(0, 12), (10, 0), (10, 201)])
def test_bad_sizes_are_refused(connection: Connection, creators: int, posts: int) -> None:
    with pytest.raises(InvalidError):
        service.generate(
            connection, creators=creators, seed=1, secret_key="k", posts_per_account=posts
        )
