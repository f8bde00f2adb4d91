"""Sign-in rate limiting: per email and per client, counted in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts import service
from microreach.accounts.errors import RateLimitedError
from microreach.accounts.models import LoginAttempt
from microreach.config import Settings
from microreach.kit.clock import utcnow
from tests.accounts.support import PASSWORD, make_user, post
from tests.web.support import TestClient

WRONG = "not the password"


def _attempt(client: TestClient, email: str, password: str) -> int:
    return post(client, "/sign-in", {"email": email, "password": password}).status_code


def test_the_sixth_failure_is_refused_with_retry_after(
    client: TestClient, session: Session
) -> None:
    make_user(session, email="ada@example.com")

    statuses = [_attempt(client, "ada@example.com", WRONG) for _ in range(5)]
    sixth = post(client, "/sign-in", {"email": "ada@example.com", "password": WRONG})
    right = post(client, "/sign-in", {"email": "ada@example.com", "password": PASSWORD})

    assert statuses == [401] * 5
    for refused in (sixth, right):
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
        assert "Too many failed sign-ins: try again in 15 minutes" in refused.text
    assert "mr_session" not in client.cookies
    # Refused attempts are not recorded, so hammering does not extend the lock-out.
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 5


def test_sign_in_works_again_once_the_window_has_passed(
    client: TestClient, session: Session
) -> None:
    make_user(session, email="ada@example.com")
    for _ in range(5):
        _attempt(client, "ada@example.com", WRONG)
    assert _attempt(client, "ada@example.com", PASSWORD) == 429

    for attempt in session.scalars(sa.select(LoginAttempt)):
        attempt.attempted_at -= timedelta(minutes=16)
    session.flush()

    assert _attempt(client, "ada@example.com", PASSWORD) == 303
    assert "mr_session" in client.cookies


def test_the_limit_is_per_email(client: TestClient, session: Session) -> None:
    make_user(session, email="ada@example.com")
    make_user(session, email="bob@example.com")
    for _ in range(5):
        _attempt(client, "ada@example.com", WRONG)

    assert _attempt(client, "ada@example.com", PASSWORD) == 429
    assert _attempt(client, "bob@example.com", PASSWORD) == 303


def test_a_client_trying_many_emails_is_limited_too(
    client: TestClient, session: Session, settings: Settings
) -> None:
    statuses = [
        _attempt(client, f"guess{n}@example.com", WRONG)
        for n in range(settings.login_max_client_failures + 1)
    ]

    assert statuses[:-1] == [401] * settings.login_max_client_failures
    assert statuses[-1] == 429


def test_a_success_clears_the_count_for_the_email(settings: Settings, session: Session) -> None:
    make_user(session, email="ada@example.com")
    now = utcnow()

    def attempt(password: str, minute: int) -> None:
        at = now + timedelta(minutes=minute)
        service.authenticate(session, settings, "ada@example.com", password, "10.0.0.1", at)

    for minute in range(4):
        with pytest.raises(Exception, match="not right"):
            attempt(WRONG, minute)
    attempt(PASSWORD, 4)
    for minute in range(5, 10):
        with pytest.raises(Exception, match="not right"):
            attempt(WRONG, minute)
    with pytest.raises(RateLimitedError) as info:
        attempt(PASSWORD, 10)
    # Failures at minutes 5..9; the limit lifts when the one at minute 5 leaves the window.
    assert info.value.retry_after == 10 * 60
