"""The development outbox page: each signed-in person sees the mail sent to them, nobody else's."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from microreach.accounts.mail import mailer_for
from microreach.config import Settings
from microreach.db.session import Database
from tests.accounts.support import make_user, sign_in
from tests.web.support import TestClient, running_client


def send(settings: Settings, to: str, subject: str, text: str) -> None:
    mailer = mailer_for(settings)
    mailer.send(mailer.compose(to, subject, text))


def test_a_person_sees_the_mail_sent_to_them_and_only_that(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> None:
    make_user(session, "ada@example.com")
    make_user(session, "bob@example.com")
    send(settings, "Ada@Example.com", "Your invitation", "Open http://x/invite?t=secret-for-ada")
    send(settings, "bob@example.com", "Reset your password", "http://x/reset?t=secret-for-bob")

    ada = new_client()
    assert sign_in(ada, "ada@example.com").status_code in (200, 303)
    page = ada.get("/mail")
    assert page.status_code == 200
    assert "Your invitation" in page.text and "secret-for-ada" in page.text
    assert "secret-for-bob" not in page.text and "Reset your password" not in page.text

    bob = new_client()
    sign_in(bob, "bob@example.com")
    assert "secret-for-bob" in bob.get("/mail").text


def test_the_outbox_needs_a_sign_in(client: TestClient) -> None:
    response = client.get("/mail", follow_redirects=False)
    assert response.status_code in (303, 401)
    assert "secret" not in response.text


def test_there_is_no_outbox_page_with_smtp(
    session: Session, settings: Settings, database: Database
) -> None:
    make_user(session, "ada@example.com")
    with_smtp = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:2525"})
    with running_client(with_smtp, database) as client:
        sign_in(client, "ada@example.com")
        assert client.get("/mail").status_code == 404
