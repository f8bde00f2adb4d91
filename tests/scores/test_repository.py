"""Scoring reads: every account of a span, its newest posts with their latest counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from microreach.creators.enums import DataSource
from microreach.creators.models import AccountSnapshot, PostSnapshot
from microreach.scores import repository
from microreach.synthetic import service as synthetic
from tests.factories import make_account, make_post

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def test_batches_cover_every_account_once(connection: Connection) -> None:
    synthetic.generate(connection, creators=300, seed=21, secret_key="k", as_of=AS_OF)
    total = connection.execute(sa.text("SELECT count(*) FROM platform_accounts")).scalar_one()
    seen = []
    for ids in repository.iter_id_batches(connection, 97):
        records = repository.load_span(connection, (ids[0], ids[-1]))
        assert [r.id for r in records] == sorted(ids)
        seen += ids
    assert len(seen) == len(set(seen)) == total


def test_posts_are_the_newest_with_their_latest_counts(session: Session) -> None:
    account = make_account(session, followers=5000)
    base = datetime(2026, 3, 1, tzinfo=UTC)
    for day in range(15):
        post = make_post(session, account, posted_at=base + timedelta(days=day))
        for hours, likes in ((1, 10 + day), (48, 100 + day)):
            session.add(
                PostSnapshot(
                    post_id=post.id, captured_at=post.posted_at + timedelta(hours=hours),
                    likes=likes, comments=3, source=DataSource.MANUAL,
                )
            )  # fmt: skip
    session.add(
        AccountSnapshot(
            account_id=account.id, captured_at=base, followers=4800, source=DataSource.MANUAL
        )
    )
    session.flush()
    [record] = repository.load_span(session.connection(), (account.id, account.id))
    posts = record.observation.posts
    assert len(posts) == repository.RECENT_POSTS
    assert [p.posted_at for p in posts] == sorted((p.posted_at for p in posts), reverse=True)
    assert posts[0].posted_at == base + timedelta(days=14)
    assert posts[0].likes == 114 and posts[-1].likes == 103
    assert posts[0].hashtags == ("fitness",)
    assert record.observation.series[0].followers == 4800
    assert record.observation.series[0].captured_at.tzinfo is not None


def test_each_account_of_a_span_gets_its_own_newest_posts(session: Session) -> None:
    """Accounts side by side in one span, posts written in no particular order: each gets
    its own RECENT_POSTS newest, newest first (on SQLite they are numbered by rowid)."""
    base = datetime(2026, 3, 1, tzinfo=UTC)
    accounts = [make_account(session, followers=5000 + i) for i in range(3)]
    made: dict[object, list[tuple[datetime, str]]] = {a.id: [] for a in accounts}
    for step in range(45):
        account = accounts[(step * 7) % 3]
        posted = base + timedelta(hours=(step * 37) % 97)
        caption = f"post {step} of {account.handle}"
        make_post(session, account, posted_at=posted, caption=caption)
        made[account.id].append((posted, caption))
    ids = sorted(a.id for a in accounts)
    records = repository.load_span(session.connection(), (ids[0], ids[-1]))
    assert [r.id for r in records] == ids
    for record in records:
        newest = sorted(made[record.id], reverse=True)[: repository.RECENT_POSTS]
        got = [(p.posted_at, p.caption) for p in record.observation.posts]
        assert got == newest


def test_a_post_without_snapshot_has_no_counts(session: Session) -> None:
    account = make_account(session)
    make_post(session, account)
    [record] = repository.load_span(session.connection(), (account.id, account.id))
    assert record.observation.posts[0].likes is None
    assert record.observation.posts[0].captured_at is None


def test_comment_threads_come_with_their_posts(connection: Connection) -> None:
    synthetic.generate(connection, creators=200, seed=22, secret_key="k", as_of=AS_OF)
    ids = repository.account_ids_after(connection, None, 10_000)
    records = repository.load_span(connection, (ids[0], ids[-1]))
    threads = [r for r in records if r.observation.comments]
    assert threads
    for record in threads:
        post_ids = {c.post_id for c in record.observation.comments}
        assert len(post_ids) >= 1
        assert any(c.by_creator for r in threads for c in r.observation.comments)
