"""Every query of the connectors domain: connections, quota, refresh state, and the creator
rows a capture reads and writes (the connectors domain is the creators tables' API writer)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.connectors.enums import ConnectionStatus
from microreach.connectors.models import (
    AccountRefreshState,
    ApiQuotaUsage,
    OAuthAttempt,
    PlatformConnection,
)
from microreach.creators.enums import AudienceDimension, Platform
from microreach.creators.models import (
    AccountSnapshot,
    AudienceShare,
    Comment,
    Creator,
    PlatformAccount,
    Post,
    PostSnapshot,
)


def connection_for(session: Session, account_id: uuid.UUID) -> PlatformConnection | None:
    return session.scalars(
        sa.select(PlatformConnection).where(PlatformConnection.account_id == account_id)
    ).one_or_none()


def get_account(session: Session, account_id: uuid.UUID) -> PlatformAccount | None:
    return session.get(PlatformAccount, account_id)


def latest_account_snapshot(session: Session, account_id: uuid.UUID) -> AccountSnapshot | None:
    return session.scalars(
        sa.select(AccountSnapshot)
        .where(AccountSnapshot.account_id == account_id)
        .order_by(AccountSnapshot.captured_at.desc())
        .limit(1)
    ).one_or_none()


def posts_by_platform_id(
    session: Session, account_id: uuid.UUID, platform_ids: Collection[str]
) -> dict[str, Post]:
    if not platform_ids:
        return {}
    rows = session.scalars(
        sa.select(Post).where(
            Post.account_id == account_id, Post.platform_post_id.in_(list(platform_ids))
        )
    )
    return {post.platform_post_id: post for post in rows}


def latest_post_snapshots(
    session: Session, post_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, PostSnapshot]:
    if not post_ids:
        return {}
    newest = (
        sa.select(PostSnapshot.post_id, sa.func.max(PostSnapshot.captured_at).label("at"))
        .where(PostSnapshot.post_id.in_(list(post_ids)))
        .group_by(PostSnapshot.post_id)
        .subquery()
    )
    rows = session.scalars(
        sa.select(PostSnapshot).join(
            newest,
            sa.and_(
                PostSnapshot.post_id == newest.c.post_id, PostSnapshot.captured_at == newest.c.at
            ),
        )
    )
    return {row.post_id: row for row in rows}


def comment_ids(session: Session, post_ids: Collection[uuid.UUID]) -> dict[str, uuid.UUID]:
    """platform comment id -> our id, for the comments already stored on these posts."""
    if not post_ids:
        return {}
    rows = session.execute(
        sa.select(Comment.platform_comment_id, Comment.id).where(
            Comment.post_id.in_(list(post_ids))
        )
    )
    return dict(rows.all())


def account_ids_by_handle(
    session: Session, platform: Platform, handles: Collection[str]
) -> dict[str, uuid.UUID]:
    if not handles:
        return {}
    rows = session.execute(
        sa.select(PlatformAccount.handle, PlatformAccount.id).where(
            PlatformAccount.platform == platform, PlatformAccount.handle.in_(list(handles))
        )
    )
    return dict(rows.all())


def latest_audience(
    session: Session, account_id: uuid.UUID
) -> set[tuple[AudienceDimension, str, float]]:
    newest = sa.select(sa.func.max(AudienceShare.captured_at)).where(
        AudienceShare.account_id == account_id
    )
    rows = session.execute(
        sa.select(AudienceShare.dimension, AudienceShare.key, AudienceShare.share).where(
            AudienceShare.account_id == account_id,
            AudienceShare.captured_at == newest.scalar_subquery(),
        )
    )
    return {(d, k, s) for d, k, s in rows}


# Quota


def quota_used(session: Session, platform: Platform, day: date) -> int:
    used = session.scalar(
        sa.select(ApiQuotaUsage.units).where(
            ApiQuotaUsage.platform == platform, ApiQuotaUsage.day == day
        )
    )
    return int(used or 0)


def try_spend_quota(
    session: Session, platform: Platform, day: date, units: int, limit: int, now: datetime
) -> bool:
    """Add `units` to the day's use if the total stays within `limit`; False when it would not.

    One conditional UPDATE, so concurrent refreshers cannot both take the last units.
    """
    usage = ApiQuotaUsage
    updated = session.execute(
        sa.update(usage)
        .where(usage.platform == platform, usage.day == day, usage.units + units <= limit)
        .values(units=usage.units + units, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount:  # type: ignore[attr-defined]
        return True
    if units > limit or session.get(ApiQuotaUsage, (platform, day)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ApiQuotaUsage(platform=platform, day=day, units=units, updated_at=now))
    except sa.exc.IntegrityError:  # another process created the day's row first
        return try_spend_quota(session, platform, day, units, limit, now)
    return True


# Refresh scheduling


def refresh_candidates(
    session: Session,
    platforms: Sequence[Platform],
    *,
    stale_before: datetime,
    priority_ids: Collection[uuid.UUID],
    priority_stale_before: datetime,
    now: datetime,
    limit: int,
    connected_only: Collection[Platform] = (),
) -> list[tuple[uuid.UUID, Platform, datetime | None]]:
    """(account id, platform, last capture) of accounts due: stale ones, oldest first, and the
    priority accounts whose (shorter) staleness passed; accounts told to wait are left out."""
    account = PlatformAccount
    state = AccountRefreshState
    due = sa.or_(
        account.last_captured_at.is_(None),
        account.last_captured_at < stale_before,
    )
    if priority_ids:
        due = sa.or_(
            due,
            sa.and_(
                account.id.in_(list(priority_ids)),
                account.last_captured_at < priority_stale_before,
            ),
        )
    query = (
        sa.select(account.id, account.platform, account.last_captured_at)
        .outerjoin(state, state.account_id == account.id)
        .where(
            account.platform.in_([p.value for p in platforms]),
            due,
            sa.or_(state.next_attempt_at.is_(None), state.next_attempt_at <= now),
        )
    )
    if connected_only:
        connected = sa.exists().where(
            PlatformConnection.account_id == account.id,
            PlatformConnection.status == ConnectionStatus.ACTIVE,
        )
        query = query.where(
            sa.or_(account.platform.not_in([p.value for p in connected_only]), connected)
        )
    ordered = query.order_by(account.last_captured_at.asc().nulls_first(), account.id)
    rows: list[tuple[uuid.UUID, Platform, datetime | None]] = list(
        session.execute(ordered.limit(limit)).all()
    )
    if priority_ids:
        # Priority accounts must not be cut off by the limit behind many stale ones.
        seen = {row[0] for row in rows}
        extra = query.where(account.id.in_(list(priority_ids)))
        rows += [row for row in session.execute(extra) if row[0] not in seen]
    return rows


def refresh_state(session: Session, account_id: uuid.UUID) -> AccountRefreshState | None:
    return session.get(AccountRefreshState, account_id)


def record_attempt(
    session: Session,
    account_id: uuid.UUID,
    now: datetime,
    *,
    error: str | None,
    next_attempt_at: datetime | None,
) -> AccountRefreshState:
    state = refresh_state(session, account_id)
    if state is None:
        state = AccountRefreshState(account_id=account_id, failures=0, last_attempt_at=now)
        session.add(state)
    state.last_attempt_at = now
    state.failures = 0 if error is None else state.failures + 1
    state.last_error = error
    state.next_attempt_at = next_attempt_at
    session.flush()
    return state


def accounts_brief(
    session: Session, account_ids: Collection[uuid.UUID]
) -> list[tuple[uuid.UUID, Platform, datetime | None]]:
    if not account_ids:
        return []
    account = PlatformAccount
    rows = session.execute(
        sa.select(account.id, account.platform, account.last_captured_at).where(
            account.id.in_(list(account_ids))
        )
    )
    return list(rows.all())


# Portal connections


def account_by_identity(
    session: Session, platform: Platform, external_id: str, handle: str
) -> PlatformAccount | None:
    """The account with this platform id, else the one with this handle."""
    account = session.scalars(
        sa.select(PlatformAccount).where(
            PlatformAccount.platform == platform, PlatformAccount.external_id == external_id
        )
    ).one_or_none()
    if account is not None or not handle:
        return account
    return session.scalars(
        sa.select(PlatformAccount).where(
            PlatformAccount.platform == platform, PlatformAccount.handle == handle
        )
    ).one_or_none()


def add_account(session: Session, creator: Creator, account: PlatformAccount) -> PlatformAccount:
    session.add(creator)
    session.flush()
    account.creator_id = creator.id
    session.add(account)
    session.flush()
    return account


def connections_of_user(
    session: Session, user_id: uuid.UUID
) -> list[tuple[PlatformConnection, PlatformAccount]]:
    rows = session.execute(
        sa.select(PlatformConnection, PlatformAccount)
        .join(PlatformAccount, PlatformAccount.id == PlatformConnection.account_id)
        .where(PlatformConnection.user_id == user_id)
        .order_by(PlatformAccount.platform, PlatformAccount.handle)
    )
    return [(connection, account) for connection, account in rows]


def user_connection(
    session: Session, user_id: uuid.UUID, account_id: uuid.UUID
) -> PlatformConnection | None:
    return session.scalars(
        sa.select(PlatformConnection).where(
            PlatformConnection.user_id == user_id, PlatformConnection.account_id == account_id
        )
    ).one_or_none()


def add_attempt(session: Session, attempt: OAuthAttempt) -> OAuthAttempt:
    session.add(attempt)
    session.flush()
    return attempt


def delete_stale_attempts(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    """The person's attempts that expired or were spent: they can never be used again."""
    session.execute(
        sa.delete(OAuthAttempt).where(
            OAuthAttempt.user_id == user_id,
            sa.or_(OAuthAttempt.expires_at <= now, OAuthAttempt.used_at.is_not(None)),
        )
    )


def get_attempt(session: Session, attempt_id: uuid.UUID) -> OAuthAttempt | None:
    return session.get(OAuthAttempt, attempt_id)


def spend_attempt(session: Session, attempt_id: uuid.UUID, now: datetime) -> bool:
    """Mark the attempt used; False when another callback spent it first (one atomic UPDATE)."""
    spent = session.execute(
        sa.update(OAuthAttempt)
        .where(OAuthAttempt.id == attempt_id, OAuthAttempt.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(spent.rowcount)  # type: ignore[attr-defined]


def delete_connection(session: Session, connection: PlatformConnection) -> None:
    session.delete(connection)
    session.flush()
