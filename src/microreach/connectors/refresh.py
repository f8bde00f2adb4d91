"""Refresh scheduling: which accounts to capture next, and the loop that captures them.

Order: the priority groups first, in the order given, then every other stale account by the
age of its last capture (never captured first). `tasks.refresh_due` passes
`[campaign member account ids, shortlisted account ids]` (`tasks.priority_groups`). Priority
accounts are also due sooner (MICROREACH_REFRESH_PRIORITY_STALE_HOURS).

Each account is captured in its own transaction, so one failure loses nothing else. A rate
limit or spent quota stops that platform for the rest of the run; failures push the account's
next attempt back (longer for missing or private accounts). Running twice is harmless: a
fresh account is not due again, and an unchanged capture writes no snapshot.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.connectors import repository, tokens
from microreach.connectors.base import AccountRef, Connector
from microreach.connectors.capture import CaptureResult, store_capture
from microreach.connectors.enums import ConnectionStatus
from microreach.connectors.errors import (
    AccountNotFound,
    ConnectorError,
    PrivateAccount,
    QuotaExceeded,
    RateLimited,
    TokenExpired,
)
from microreach.creators.enums import Platform
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.kit.errors import NotFoundError

log = logging.getLogger(__name__)

NEVER = datetime(1970, 1, 1, tzinfo=UTC)
GONE_DELAY = timedelta(days=7)  # a missing or private account is tried again a week later
TOKEN_DELAY = timedelta(days=1)
RATE_DELAY = timedelta(hours=1)
MAX_BACKOFF = timedelta(days=7)


@dataclass(frozen=True)
class Due:
    account_id: uuid.UUID
    platform: Platform
    last_captured_at: datetime | None
    rank: int  # index of the first priority group holding the account; len(groups) otherwise


def priority_key(
    account_id: uuid.UUID,
    last_captured_at: datetime | None,
    groups: Sequence[AbstractSet[uuid.UUID]],
) -> tuple[int, datetime, str]:
    """Sort key: priority group first, then the oldest capture (never captured is oldest)."""
    rank = next((i for i, group in enumerate(groups) if account_id in group), len(groups))
    return rank, last_captured_at or NEVER, str(account_id)


def next_attempt(error: ConnectorError, failures: int, now: datetime) -> datetime:
    """When to try an account again after `error` (its `failures`-th in a row)."""
    if isinstance(error, QuotaExceeded) and error.resets_at is not None:
        return error.resets_at
    if isinstance(error, RateLimited):
        return now + (timedelta(seconds=error.retry_after) if error.retry_after else RATE_DELAY)
    if isinstance(error, AccountNotFound | PrivateAccount):
        return now + GONE_DELAY
    if isinstance(error, TokenExpired):
        return now + TOKEN_DELAY
    backoff: timedelta = timedelta(minutes=15) * 2 ** min(failures, 10)
    return now + min(MAX_BACKOFF, backoff)


def plan(
    session: Session,
    connectors: Mapping[Platform, Connector],
    settings: Settings,
    now: datetime,
    *,
    priority_groups: Sequence[AbstractSet[uuid.UUID]] = (),
    force: AbstractSet[uuid.UUID] = frozenset(),
    limit: int = 1000,
) -> list[Due]:
    """The accounts to refresh now, in order. `force` ids come first, due or not."""
    platforms = list(connectors)
    priority = set().union(*priority_groups) if priority_groups else set()
    rows = repository.refresh_candidates(
        session,
        platforms,
        stale_before=now - timedelta(hours=settings.refresh_stale_hours),
        priority_ids=priority,
        priority_stale_before=now - timedelta(hours=settings.refresh_priority_stale_hours),
        now=now,
        limit=limit,
        connected_only=[p for p, c in connectors.items() if c.needs_connection],
    )
    groups = [set(force), *priority_groups] if force else list(priority_groups)
    forced = [r for r in repository.accounts_brief(session, force) if r[1] in connectors]
    unique = {row[0]: row for row in [*forced, *rows]}
    ordered = sorted(unique.values(), key=lambda r: priority_key(r[0], r[2], groups))
    return [Due(a, p, last, priority_key(a, last, groups)[0]) for a, p, last in ordered]


@dataclass
class RefreshResult:
    refreshed: int = 0
    failed: int = 0
    skipped: int = 0
    snapshots: int = 0
    stopped: dict[Platform, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def refresh_account(
    session: Session,
    connector: Connector,
    settings: Settings,
    account_id: uuid.UUID,
    now: datetime,
) -> CaptureResult:
    """Capture one account and store it (the caller commits)."""
    account = repository.get_account(session, account_id)
    if account is None:
        raise NotFoundError(f"no platform account {account_id}")
    label = f"{account.platform.value} @{account.handle}"
    token = _access_token(session, connector, settings, account_id, label, now)
    ref = AccountRef(account.handle, account.external_id, token)
    captured = connector.capture(ref, posts=settings.refresh_posts)
    result = store_capture(session, account, captured, now, settings.secret_key or "")
    repository.record_attempt(session, account.id, now, error=None, next_attempt_at=None)
    return result


def _access_token(
    session: Session,
    connector: Connector,
    settings: Settings,
    account_id: uuid.UUID,
    label: str,
    now: datetime,
) -> str | None:
    """The connected account's token, refreshed first when it is about to expire."""
    connection = repository.connection_for(session, account_id)
    if connection is None or connection.status is not ConnectionStatus.ACTIVE:
        if connector.needs_connection:
            raise TokenExpired(connector.platform.value, "not connected", account=label)
        return None
    cipher = tokens.TokenCipher(settings.secret_key)
    stored = tokens.load_tokens(cipher, connection, label)
    if not tokens.needs_refresh(stored, now):
        return stored.access_token
    fresh = connector.refresh_token(stored)
    if fresh is None:
        return stored.access_token
    tokens.store_refreshed(connection, cipher, fresh)
    return fresh.access_token


def run(
    database: Database,
    settings: Settings,
    connectors: Mapping[Platform, Connector],
    *,
    priority_groups: Sequence[AbstractSet[uuid.UUID]] = (),
    force: AbstractSet[uuid.UUID] = frozenset(),
    limit: int = 1000,
    clock: Callable[[], datetime] = utcnow,
    progress: Callable[[int], None] | None = None,
) -> RefreshResult:
    """Refresh the due accounts, one transaction each (this job owns its transactions)."""
    with database.sessions() as session:
        due = plan(
            session,
            connectors,
            settings,
            clock(),
            priority_groups=priority_groups,
            force=force,
            limit=limit,
        )
    result = RefreshResult()
    for item in due:
        if item.platform in result.stopped:
            result.skipped += 1
        else:
            _refresh_one(database, settings, connectors[item.platform], item, clock(), result)
        if progress is not None:
            progress(1)
    return result


def _refresh_one(
    database: Database,
    settings: Settings,
    connector: Connector,
    item: Due,
    now: datetime,
    result: RefreshResult,
) -> None:
    try:
        with database.transaction() as session:
            captured = refresh_account(session, connector, settings, item.account_id, now)
    except ConnectorError as exc:
        result.failed += 1
        result.errors.append(str(exc))
        log.warning("refresh failed: %s", exc)
        if isinstance(exc, RateLimited | QuotaExceeded):
            result.stopped[item.platform] = str(exc)
        with database.transaction() as session:
            _record_failure(session, item.account_id, exc, now)
        return
    result.refreshed += 1
    result.snapshots += captured.account_snapshots + captured.post_snapshots


def _record_failure(
    session: Session, account_id: uuid.UUID, error: ConnectorError, now: datetime
) -> None:
    state = repository.refresh_state(session, account_id)
    failures = (state.failures if state else 0) + 1
    repository.record_attempt(
        session,
        account_id,
        now,
        error=str(error)[:1000],
        next_attempt_at=next_attempt(error, failures, now),
    )
    connection = repository.connection_for(session, account_id)
    if isinstance(error, TokenExpired) and connection is not None:
        tokens.mark_failed(connection, error)
    if isinstance(error, PrivateAccount):
        account = repository.get_account(session, account_id)
        if account is not None:
            account.is_private = True
