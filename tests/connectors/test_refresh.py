"""The refresh scheduler: priority groups first, then the stalest; idempotent; failures
deferred; rate limits stop a platform; tokens refreshed before they lapse."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.connectors import refresh, repository, tokens
from microreach.connectors.base import (
    AccountCapture,
    AccountRef,
    Connector,
    Insights,
    PostData,
    PostMetrics,
    ProfileData,
    TokenSet,
)
from microreach.connectors.enums import ConnectionStatus
from microreach.connectors.errors import AccountNotFound, ConnectorError, RateLimited, TokenExpired
from microreach.creators.enums import Platform
from microreach.creators.models import AccountSnapshot, PlatformAccount
from microreach.db.session import Database
from tests.connectors.conftest import NOW
from tests.factories import make_account


class FakeConnector:
    """A connector answering from memory, recording whom it was asked about."""

    def __init__(self, platform: Platform, *, needs_connection: bool = False) -> None:
        self.platform = platform
        self.needs_connection = needs_connection
        self.asked: list[AccountRef] = []
        self.failures: dict[str, ConnectorError] = {}
        self.refreshed: list[TokenSet] = []

    def capture(self, account: AccountRef, *, posts: int) -> AccountCapture:
        self.asked.append(account)
        if account.handle in self.failures:
            raise self.failures[account.handle]
        return AccountCapture(ProfileData(f"id-{account.handle}", account.handle, followers=1000))

    def profile(self, account: AccountRef) -> ProfileData:
        return self.capture(account, posts=0).profile

    def recent_posts(self, account: AccountRef, limit: int) -> list[PostData]:
        return []

    def post_metrics(self, account: AccountRef, post_ids: Sequence[str]) -> dict[str, PostMetrics]:
        return {}

    def insights(self, account: AccountRef, post_ids: Sequence[str]) -> Insights:
        return Insights()

    def refresh_token(self, tokens: TokenSet) -> TokenSet | None:
        self.refreshed.append(tokens)
        return TokenSet("act.fresh", expires_at=NOW + timedelta(days=1), refresh_token="rft.2")


def _account(
    session: Session, handle: str, hours_ago: float | None, **kw: object
) -> PlatformAccount:
    captured = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return make_account(session, handle=handle, last_captured_at=captured, **kw)


def test_priority_key_orders_groups_then_oldest_capture() -> None:
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    campaign, shortlist = {c}, {d}
    rows = [(a, NOW - timedelta(days=3)), (b, None), (c, NOW), (d, NOW - timedelta(days=9))]
    ordered = sorted(rows, key=lambda r: refresh.priority_key(r[0], r[1], [campaign, shortlist]))
    assert [r[0] for r in ordered] == [c, d, b, a]


def test_plan_puts_priority_first_then_the_stalest(session: Session, settings: Settings) -> None:
    never = _account(session, "never", None)
    old = _account(session, "old", 72)
    stale = _account(session, "stale", 30)
    _account(session, "fresh", 2)
    member = _account(session, "member", 8)  # not stale, but past the priority threshold
    _account(session, "yt", 100, platform=Platform.YOUTUBE)  # no YouTube connector
    connectors: dict[Platform, Connector] = {Platform.INSTAGRAM: FakeConnector(Platform.INSTAGRAM)}
    due = refresh.plan(session, connectors, settings, NOW, priority_groups=[{member.id}])
    assert [d.account_id for d in due] == [member.id, never.id, old.id, stale.id]
    assert [d.rank for d in due] == [0, 1, 1, 1]


def test_platforms_that_need_a_connection_only_plan_connected_accounts(
    session: Session, settings: Settings
) -> None:
    _account(session, "stranger", None, platform=Platform.TIKTOK)
    connected = _account(session, "nora", None, platform=Platform.TIKTOK)
    cipher = tokens.TokenCipher(settings.secret_key)
    tokens.save_connection(session, cipher, connected, TokenSet("act.1"))
    connectors: dict[Platform, Connector] = {
        Platform.TIKTOK: FakeConnector(Platform.TIKTOK, needs_connection=True)
    }
    due = refresh.plan(session, connectors, settings, NOW)
    assert [d.account_id for d in due] == [connected.id]


def test_run_is_idempotent(session: Session, database: Database, settings: Settings) -> None:
    first = _account(session, "first", None)
    _account(session, "second", 48)
    fake = FakeConnector(Platform.INSTAGRAM)
    result = refresh.run(database, settings, {Platform.INSTAGRAM: fake}, clock=lambda: NOW)
    assert (result.refreshed, result.failed, result.snapshots) == (2, 0, 2)
    assert [a.handle for a in fake.asked] == ["first", "second"]
    session.expire_all()
    assert first.followers == 1000 and first.last_captured_at == NOW

    again = refresh.run(database, settings, {Platform.INSTAGRAM: fake}, clock=lambda: NOW)
    assert (again.refreshed, again.failed) == (0, 0) and len(fake.asked) == 2
    # Forced, it captures again but the unchanged figures add no snapshot.
    forced = refresh.run(
        database, settings, {Platform.INSTAGRAM: fake}, force={first.id}, clock=lambda: NOW
    )
    assert (forced.refreshed, forced.snapshots) == (1, 0)
    count = session.scalar(sa.select(sa.func.count()).select_from(AccountSnapshot))
    assert count == 2


def test_failures_are_deferred_and_a_rate_limit_stops_the_platform(
    session: Session, database: Database, settings: Settings
) -> None:
    gone = _account(session, "gone", None)
    _account(session, "busy", 50)
    waiting = _account(session, "waiting", 40)
    fake = FakeConnector(Platform.INSTAGRAM)
    fake.failures["gone"] = AccountNotFound("instagram", "not found", account="@gone")
    fake.failures["busy"] = RateLimited("instagram", "slow down", retry_after=600)
    result = refresh.run(database, settings, {Platform.INSTAGRAM: fake}, clock=lambda: NOW)
    assert (result.refreshed, result.failed, result.skipped) == (0, 2, 1)
    assert Platform.INSTAGRAM in result.stopped
    assert [a.handle for a in fake.asked] == ["gone", "busy"]
    state = repository.refresh_state(session, gone.id)
    assert state is not None and state.failures == 1
    assert state.next_attempt_at == NOW + refresh.GONE_DELAY
    assert state.last_error is not None and "@gone" in state.last_error
    busy_state = repository.refresh_state(session, _id(session, "busy"))
    assert busy_state is not None and busy_state.next_attempt_at == NOW + timedelta(seconds=600)
    # The next run leaves the deferred accounts alone and takes the one that was skipped.
    later = refresh.run(database, settings, {Platform.INSTAGRAM: fake}, clock=lambda: NOW)
    assert later.refreshed == 1 and fake.asked[-1].handle == waiting.handle


def _id(session: Session, handle: str) -> uuid.UUID:
    return session.scalars(
        sa.select(PlatformAccount.id).where(PlatformAccount.handle == handle)
    ).one()


def test_an_expiring_token_is_refreshed_and_stored_encrypted(
    session: Session, database: Database, settings: Settings
) -> None:
    account = _account(session, "nora", None, platform=Platform.TIKTOK)
    cipher = tokens.TokenCipher(settings.secret_key)
    tokens.save_connection(
        session,
        cipher,
        account,
        TokenSet("act.old", expires_at=NOW + timedelta(minutes=5), refresh_token="rft.1"),
    )
    fake = FakeConnector(Platform.TIKTOK, needs_connection=True)
    result = refresh.run(database, settings, {Platform.TIKTOK: fake}, clock=lambda: NOW)
    assert result.refreshed == 1
    assert fake.refreshed[0].refresh_token == "rft.1"
    assert fake.asked[0].access_token == "act.fresh"
    session.expire_all()
    connection = repository.connection_for(session, account.id)
    assert connection is not None and "act.fresh" not in connection.access_token
    assert tokens.load_tokens(cipher, connection, "@nora").refresh_token == "rft.2"


def test_an_expired_token_marks_the_connection(
    session: Session, database: Database, settings: Settings
) -> None:
    account = _account(session, "nora", None, platform=Platform.TIKTOK)
    cipher = tokens.TokenCipher(settings.secret_key)
    tokens.save_connection(session, cipher, account, TokenSet("act.old"))
    fake = FakeConnector(Platform.TIKTOK, needs_connection=True)
    fake.failures["nora"] = TokenExpired("tiktok", "the access token is invalid", account="@nora")
    result = refresh.run(database, settings, {Platform.TIKTOK: fake}, clock=lambda: NOW)
    assert result.failed == 1 and "tiktok for @nora" in result.errors[0]
    session.expire_all()
    connection = repository.connection_for(session, account.id)
    assert connection is not None and connection.status is ConnectionStatus.EXPIRED
    # Without an active connection the account is no longer planned for TikTok.
    assert refresh.plan(session, {Platform.TIKTOK: fake}, settings, NOW + timedelta(days=2)) == []


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(1, timedelta(minutes=30)), (3, timedelta(hours=2)), (20, timedelta(days=7))],
)
def test_other_errors_back_off_exponentially(failures: int, expected: timedelta) -> None:
    error = ConnectorError("instagram", "odd answer")
    assert refresh.next_attempt(error, failures, NOW) == NOW + expected
