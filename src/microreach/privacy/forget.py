"""Erase a creator's personal data and keep only anonymous aggregates (`microreach forget`).

What is erased: the creator's name and contact email; each of their platform accounts' handle
(replaced by `forgotten-<random>`), platform id, display name, bio, links, country and
language; their posts' captions, addresses, hashtags, mentions and platform ids; every comment
on their posts and every comment their accounts wrote; their search profiles (they no longer
appear in discovery); claims and connected-account tokens; organisations' notes and tags about
them and their entries in shortlists; in campaigns, the invitation email,
the copies of their posts' captions and addresses in deliverables, and the text and files of
their drafts.

What stays, because it names no one: follower and post metric series, scores, audience shares,
the organisation's links, clicks, promo codes and conversions, campaign terms and earnings (a
brand must keep its own books), each tied to an anonymous creator row.

One `privacy_events` row records the erasure with the counts and the operator, and the creator's
uuid only (no name, no handle). Running it twice changes nothing the second time.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from microreach.db import models as _models  # noqa: F401  (every table in the metadata)
from microreach.db.base import Base
from microreach.kit.errors import NotFoundError
from microreach.privacy.models import PrivacyEvent

FORGOTTEN_NAME = "Forgotten creator"
FORGOTTEN_EMAIL_DOMAIN = "forgotten.invalid"


@dataclass(frozen=True)
class ForgetReport:
    creator_id: uuid.UUID
    accounts: int
    posts: int
    comments_deleted: int
    search_profiles_deleted: int
    claims_deleted: int
    connections_deleted: int
    notes_tags_and_list_entries_deleted: int
    invitations: int
    deliverables: int
    drafts: int
    files_deleted: int
    already_forgotten: bool


def _count(result: sa.Result[Any]) -> int:
    """Rows a DELETE touched (a DML statement's result is a CursorResult)."""
    return max(int(cast("CursorResult[Any]", result).rowcount), 0)


def _t(name: str) -> sa.Table:
    return Base.metadata.tables[name]


def forget_creator(
    session: Session, creator_id: uuid.UUID, *, actor: str, uploads_root: Path
) -> ForgetReport:
    """Erase the personal data of `creator_id`; the caller commits."""
    creators = _t("creators")
    creator = session.execute(
        sa.select(creators.c.name, creators.c.contact_email).where(creators.c.id == creator_id)
    ).first()
    if creator is None:
        raise NotFoundError(f"--creator: no creator with id {creator_id}")
    already = creator.name == FORGOTTEN_NAME and creator.contact_email is None
    accounts = _t("platform_accounts")
    posts = _t("posts")
    comments = _t("comments")
    account_ids = list(
        session.execute(
            sa.select(accounts.c.id).where(accounts.c.creator_id == creator_id)
        ).scalars()
    )
    post_ids = list(
        session.execute(sa.select(posts.c.id).where(posts.c.account_id.in_(account_ids))).scalars()
    )
    session.execute(
        sa.update(creators)
        .where(creators.c.id == creator_id)
        .values(name=FORGOTTEN_NAME, contact_email=None)
    )
    for account_id in account_ids:
        handle = session.execute(
            sa.select(accounts.c.handle).where(accounts.c.id == account_id)
        ).scalar_one()
        if not handle.startswith("forgotten-"):
            handle = f"forgotten-{secrets.token_hex(8)}"
        session.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(
                handle=handle,
                external_id=None,
                display_name=None,
                bio=None,
                external_url=None,
                country=None,
                language=None,
            )
        )
    for post_id in post_ids:
        session.execute(
            sa.update(posts)
            .where(posts.c.id == post_id)
            .values(
                platform_post_id=f"forgotten-{post_id.hex}",
                url=None,
                caption=None,
                hashtags=[],
                mentions=[],
            )
        )
    comments_deleted = 0
    if post_ids or account_ids:
        comments_deleted = _count(
            session.execute(
                sa.delete(comments).where(
                    sa.or_(
                        comments.c.post_id.in_(post_ids),
                        comments.c.commenter_account_id.in_(account_ids),
                    )
                )
            )
        )
    profiles = _t("discovery_profiles")
    profiles_deleted = _count(
        session.execute(sa.delete(profiles).where(profiles.c.account_id.in_(account_ids)))
    )
    claims = _t("creator_claims")
    claims_deleted = _count(
        session.execute(sa.delete(claims).where(claims.c.platform_account_id.in_(account_ids)))
    )
    connections = _t("platform_connections")
    connections_deleted = _count(
        session.execute(sa.delete(connections).where(connections.c.account_id.in_(account_ids)))
    )
    notes_deleted = 0
    for name in ("creator_notes", "creator_tags", "creator_list_members"):
        table = _t(name)
        notes_deleted += _count(
            session.execute(sa.delete(table).where(table.c.account_id.in_(account_ids)))
        )
    members = _t("campaign_creators")
    member_ids = list(
        session.execute(sa.select(members.c.id).where(members.c.creator_id == creator_id)).scalars()
    )
    for member_id in member_ids:
        session.execute(
            sa.update(members)
            .where(members.c.id == member_id)
            .values(email=f"{member_id.hex}@{FORGOTTEN_EMAIL_DOMAIN}", counter_note="")
        )
    deliverables = _t("deliverables")
    deliverable_ids = list(
        session.execute(
            sa.select(deliverables.c.id).where(deliverables.c.member_id.in_(member_ids))
        ).scalars()
    )
    if deliverable_ids:
        session.execute(
            sa.update(deliverables)
            .where(deliverables.c.id.in_(deliverable_ids))
            .values(post_url=None, platform_post_id=None, caption=None)
        )
    drafts = _t("content_drafts")
    draft_rows = session.execute(
        sa.select(drafts.c.id, drafts.c.media_path).where(
            drafts.c.deliverable_id.in_(deliverable_ids)
        )
    ).all()
    files_deleted = 0
    for row in draft_rows:
        if row.media_path:
            path = _upload_path(uploads_root, row.media_path)
            if path is not None and path.is_file():
                path.unlink()
                files_deleted += 1
    if draft_rows:
        session.execute(
            sa.update(drafts)
            .where(drafts.c.id.in_([row.id for row in draft_rows]))
            .values(text="", media_path=None, media_name=None)
        )
    report = ForgetReport(
        creator_id=creator_id,
        accounts=len(account_ids),
        posts=len(post_ids),
        comments_deleted=comments_deleted,
        search_profiles_deleted=profiles_deleted,
        claims_deleted=claims_deleted,
        connections_deleted=connections_deleted,
        notes_tags_and_list_entries_deleted=notes_deleted,
        invitations=len(member_ids),
        deliverables=len(deliverable_ids),
        drafts=len(draft_rows),
        files_deleted=files_deleted,
        already_forgotten=already,
    )
    session.add(
        PrivacyEvent(
            kind="forget_creator",
            subject=f"creator:{creator_id}",
            actor=actor,
            details={
                key: value for key, value in report.__dict__.items() if key not in ("creator_id",)
            },
        )
    )
    session.flush()
    return report


def _upload_path(uploads_root: Path, media_path: str) -> Path | None:
    """The stored file of a draft (relative to the uploads directory), only when inside it."""
    root = uploads_root.resolve()
    candidate = Path(media_path)
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    return path if path.is_relative_to(root) else None
