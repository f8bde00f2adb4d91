"""`microreach forget --creator`: personal data erased, anonymous aggregates kept, one entry in
the privacy log; and the snapshot retention job."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.campaigns.models import CampaignCreator, Deliverable
from microreach.creators.enums import DataSource
from microreach.creators.models import (
    AccountSnapshot,
    Comment,
    Creator,
    PlatformAccount,
    Post,
    PostSnapshot,
)
from microreach.kit.clock import utcnow
from microreach.kit.errors import NotFoundError
from microreach.lists.models import CreatorNote, CreatorTag
from microreach.privacy.forget import FORGOTTEN_NAME, forget_creator
from microreach.privacy.models import PrivacyEvent
from microreach.privacy.retention import apply_retention
from tests.campaigns.support import accepted, brand
from tests.factories import make_account, make_creator, make_post
from tests.web.support import TestClient


def _comment(session: Session, post: Post, text: str, **values: object) -> Comment:
    comment = Comment(
        post_id=post.id,
        platform_comment_id=uuid.uuid4().hex,
        text=text,
        commented_at=utcnow(),
        by_creator=False,
        commenter_hash="h" * 16,
        source=DataSource.MANUAL,
        **values,
    )
    session.add(comment)
    session.flush()
    return comment


def test_forget_erases_personal_data_and_keeps_aggregates(
    new_client: Callable[[], TestClient], session: Session, tmp_path: Path
) -> None:
    creator = make_creator(session, name="Sunny Runner", contact_email="sunny@example.com")
    account = make_account(session, creator, handle="sunny.runs", bio="Runner in Lyon")
    post = make_post(session, account, caption="My run #ad", url="https://insta.example/p/1")
    session.add(
        PostSnapshot(
            post_id=post.id, captured_at=utcnow(), likes=120, comments=8, source=DataSource.MANUAL
        )
    )
    elsewhere = make_post(session, make_account(session))
    _comment(session, post, "love it")
    _comment(session, elsewhere, "sunny here", commenter_account_id=account.id)
    kept = _comment(session, elsewhere, "someone else")
    shop, cre = new_client(), new_client()
    brand(shop)
    accepted(shop, cre, str(account.id), email="sunny@example.com")

    organisation_id = session.execute(
        sa.select(CampaignCreator.organisation_id).where(CampaignCreator.creator_id == creator.id)
    ).scalar_one()
    session.add(
        CreatorNote(
            organisation_id=organisation_id,
            account_id=account.id,
            author="Bea Brand",
            body="Sunny is vegan, lives in Lyon",
        )
    )
    session.add(CreatorTag(organisation_id=organisation_id, account_id=account.id, tag="vegan"))
    session.flush()

    report = forget_creator(session, creator.id, actor="dpo@example.com", uploads_root=tmp_path)

    session.expire_all()
    assert (report.accounts, report.posts, report.comments_deleted) == (1, 1, 2)
    assert report.invitations == 1 and not report.already_forgotten
    assert report.notes_tags_and_list_entries_deleted == 2
    assert session.execute(sa.select(CreatorNote)).first() is None
    row = session.get(Creator, creator.id)
    assert row is not None and row.name == FORGOTTEN_NAME and row.contact_email is None
    gone = session.get(PlatformAccount, account.id)
    assert gone is not None and gone.handle.startswith("forgotten-")
    assert gone.bio is None and gone.display_name is None and gone.external_id is None
    assert gone.followers == account.followers  # an anonymous aggregate stays
    erased = session.get(Post, post.id)
    assert erased is not None and erased.caption is None and erased.url is None
    likes = session.execute(
        sa.select(PostSnapshot.likes).where(PostSnapshot.post_id == post.id)
    ).scalar_one()
    assert likes == 120
    texts = set(session.execute(sa.select(Comment.text)).scalars())
    assert kept.text in texts and "love it" not in texts and "sunny here" not in texts
    member = session.execute(
        sa.select(CampaignCreator).where(CampaignCreator.creator_id == creator.id)
    ).scalar_one()
    assert "sunny" not in member.email
    captions = session.execute(
        sa.select(Deliverable.caption).where(Deliverable.member_id == member.id)
    ).scalars()
    assert all(caption is None for caption in captions)
    event = session.execute(sa.select(PrivacyEvent)).scalar_one()
    assert event.kind == "forget_creator" and event.actor == "dpo@example.com"
    assert event.subject == f"creator:{creator.id}"
    assert "Sunny" not in str(event.details) and "sunny" not in str(event.details)

    again = forget_creator(session, creator.id, actor="dpo@example.com", uploads_root=tmp_path)
    assert again.already_forgotten
    handle = session.get(PlatformAccount, account.id)
    assert handle is not None and handle.handle == gone.handle


def test_forget_an_unknown_creator_names_the_option(session: Session, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="--creator"):
        forget_creator(session, uuid.uuid4(), actor="op", uploads_root=tmp_path)


def test_retention_keeps_the_newest_snapshot_of_each_series(session: Session) -> None:
    now = utcnow()
    old_account = make_account(session)
    fresh_account = make_account(session)
    for account, ages in ((old_account, (400, 300, 200)), (fresh_account, (400, 10))):
        for days in ages:
            session.add(
                AccountSnapshot(
                    account_id=account.id,
                    captured_at=now - timedelta(days=days),
                    followers=1000 + days,
                    following=10,
                    media_count=5,
                    source=DataSource.MANUAL,
                )
            )
    session.flush()

    assert apply_retention(session, 0, now).deleted == {}
    result = apply_retention(session, 90, now)
    assert result.deleted["account_snapshots"] == 3

    def ages(account: PlatformAccount) -> list[int]:
        times = session.execute(
            sa.select(AccountSnapshot.captured_at).where(AccountSnapshot.account_id == account.id)
        ).scalars()
        return sorted((now - t).days for t in times)

    assert ages(old_account) == [200]  # older than the retention, but the newest: kept
    assert ages(fresh_account) == [10]
    assert apply_retention(session, 90, now).deleted["account_snapshots"] == 0
    events = session.execute(sa.select(PrivacyEvent.kind)).scalars().all()
    assert events == ["retention"]
