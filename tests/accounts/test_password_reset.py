"""Password reset: a mailed, signed link that expires in an hour and works once."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts import service
from microreach.accounts.models import PasswordReset, UserSession
from microreach.config import Settings
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError
from tests.accounts.support import PASSWORD, make_user, post, sign_in
from tests.web.support import TestClient

NEW_PASSWORD = "a brand new secret"


def _mails(settings: Settings) -> list[EmailMessage]:
    outbox = settings.data_dir / "mail"
    paths = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    return [_read(path) for path in paths]


def _read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    return message


def _reset_path(message: EmailMessage, settings: Settings) -> str:
    body = message.get_content()
    match = re.search(r"(http://\S+/reset-password\?token=\S+)", body)
    assert match, body
    return match.group(1).removeprefix(settings.resolved_public_url)


def _ask(client: TestClient, address: str) -> str:
    response = post(client, "/forgot-password", {"email": address}, page="/forgot-password")
    assert response.status_code == 200
    return response.text


def test_a_reset_mail_is_written_to_the_outbox(
    client: TestClient, settings: Settings, session: Session
) -> None:
    make_user(session, email="ada@example.com", display_name="Ada")

    page = _ask(client, "ADA@example.com")

    assert "Check your mail" in page
    (message,) = _mails(settings)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Reset your microreach password"
    assert message["From"] == settings.mail_from
    assert "Hello Ada" in message.get_content()
    assert _reset_path(message, settings).startswith("/reset-password?token=")


def test_an_unknown_email_gets_the_same_answer_and_no_mail(
    client: TestClient, settings: Settings
) -> None:
    page = _ask(client, "nobody@example.com")

    assert "Check your mail" in page and "nobody@example.com" in page
    assert _mails(settings) == []


def test_the_link_sets_a_new_password_once_and_signs_out_everywhere(
    new_client: Callable[[], TestClient], settings: Settings, session: Session
) -> None:
    make_user(session, email="ada@example.com")
    laptop, phone = new_client(), new_client()
    sign_in(laptop, "ada@example.com")
    _ask(phone, "ada@example.com")
    path = _reset_path(_mails(settings)[0], settings)
    token = path.split("token=")[1]

    form_page = phone.get(path)
    assert form_page.status_code == 200 and "Choose a new password" in form_page.text
    reset = post(
        phone,
        "/reset-password",
        {"token": token, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        page=path,
    )

    assert reset.status_code == 303
    assert reset.headers["location"] == "/sign-in?notice=reset"
    session.expire_all()
    assert session.scalars(sa.select(UserSession)).all() == []  # the laptop is signed out too
    assert laptop.get("/organisation", follow_redirects=False).status_code == 303
    wrong = post(phone, "/sign-in", {"email": "ada@example.com", "password": PASSWORD})
    assert wrong.status_code == 401
    sign_in(phone, "ada@example.com", NEW_PASSWORD)

    replay = post(
        new_client(),
        "/reset-password",
        {"token": token, "password": "yet another one!", "password_again": "yet another one!"},
    )
    assert replay.status_code == 422
    assert "This link was used already" in replay.text
    assert "This link was used already" in new_client().get(path).text


def test_a_tampered_link_is_refused(
    client: TestClient, settings: Settings, session: Session
) -> None:
    make_user(session, email="ada@example.com")
    _ask(client, "ada@example.com")
    path = _reset_path(_mails(settings)[0], settings)

    page = client.get(path[:-3] + "abc")

    assert page.status_code == 422
    assert "This link is not valid" in page.text
    assert 'href="/forgot-password"' in page.text


def test_new_passwords_follow_the_policy_and_must_match(
    client: TestClient, settings: Settings, session: Session
) -> None:
    make_user(session, email="ada@example.com")
    _ask(client, "ada@example.com")
    token = _reset_path(_mails(settings)[0], settings).split("token=")[1]

    def submit(password: str, again: str) -> str:
        data = {"token": token, "password": password, "password_again": again}
        return post(client, "/reset-password", data).text

    assert "Use at least 10 characters" in submit("short", "short")
    assert "The two passwords are not the same." in submit(NEW_PASSWORD, NEW_PASSWORD + "!")
    assert "must not be your email address" in submit("ada@example.com", "ada@example.com")
    session.expire_all()
    assert session.scalars(sa.select(PasswordReset.used_at)).one() is None  # still usable


def test_links_expire_after_an_hour(settings: Settings, session: Session) -> None:
    make_user(session, email="ada@example.com")
    now = utcnow()
    link = service.request_password_reset(session, settings, "ada@example.com", now)
    assert link is not None and link.expires_at == now + timedelta(hours=1)

    service.open_reset(session, settings, link.token, now + timedelta(minutes=59))
    with pytest.raises(InvalidError, match="This link has expired"):
        service.open_reset(session, settings, link.token, now + timedelta(minutes=60))
    with pytest.raises(InvalidError, match="This link has expired"):
        service.reset_password(
            session, settings, link.token, NEW_PASSWORD, NEW_PASSWORD, now + timedelta(hours=2)
        )


def test_a_link_signed_with_another_key_is_refused(settings: Settings, session: Session) -> None:
    make_user(session, email="ada@example.com")
    now = utcnow()
    link = service.request_password_reset(session, settings, "ada@example.com", now)
    assert link is not None
    other = settings.model_copy(update={"secret_key": "another installation " * 3})

    with pytest.raises(InvalidError, match="This link is not valid"):
        service.open_reset(session, other, link.token, now)


def test_reset_mails_are_limited_per_hour(settings: Settings, session: Session) -> None:
    make_user(session, email="ada@example.com")
    now = utcnow()

    links = [
        service.request_password_reset(session, settings, "ada@example.com", now) for _ in range(4)
    ]

    assert [link is not None for link in links] == [True, True, True, False]
    later = now + timedelta(hours=1, seconds=1)
    assert service.request_password_reset(session, settings, "ada@example.com", later) is not None
