"""Sign up, sign in and out over HTTP: cookies, server-side sessions, sliding expiry."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts import service
from microreach.accounts.enums import Role, UserKind
from microreach.accounts.models import Membership, Organisation, User, UserSession
from microreach.config import Settings, load_settings
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from tests.accounts.support import PASSWORD, make_organisation, make_user, post, sign_in
from tests.web.support import TestClient, running_client


def _sign_up(client: TestClient, email: str = "Ada@Example.com", **extra: str) -> object:
    data = {
        "email": email,
        "display_name": "Ada Lovelace",
        "password": PASSWORD,
        "organisation_name": "Analytical Engines",
        "organisation_kind": "agency",
        **extra,
    }
    return post(client, "/sign-up", data, page="/sign-up")


def _session_rows(session: Session) -> list[UserSession]:
    session.expire_all()
    return list(session.scalars(sa.select(UserSession)))


def test_sign_up_creates_user_organisation_and_owner_then_signs_in(
    client: TestClient, session: Session
) -> None:
    response = _sign_up(client)

    assert response.status_code == 303
    assert response.headers["location"] == "/organisation?done=welcome"
    user = session.scalars(sa.select(User)).one()
    assert user.email == "ada@example.com"
    assert user.kind is UserKind.BRAND_USER
    assert user.password_hash.startswith("$argon2id$")
    organisation = session.scalars(sa.select(Organisation)).one()
    assert (organisation.name, organisation.slug) == ("Analytical Engines", "analytical-engines")
    assert organisation.kind.value == "agency"
    membership = session.scalars(sa.select(Membership)).one()
    assert (membership.user_id, membership.role) == (user.id, Role.OWNER)

    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Welcome to microreach." in page.text
    assert "ada@example.com" in page.text and ">Sign out</button>" in page.text


def test_the_session_cookie_is_http_only_lax_and_stored_only_as_a_hash(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, email="ada@example.com")
    make_organisation(session, user)

    response = sign_in(client, "ada@example.com")

    cookie = next(c for c in response.headers.get_list("set-cookie") if "mr_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP outside production
    value = client.cookies["mr_session"]
    (row,) = _session_rows(session)
    assert row.id == hashlib.sha256(value.encode()).hexdigest() and row.id != value
    assert row.user_id == user.id
    assert row.user_agent is not None
    assert row.expires_at - row.created_at == timedelta(days=14)


def test_cookies_are_secure_and_host_prefixed_in_production(
    database: Database, settings: Settings, session: Session
) -> None:
    production = load_settings(
        environ={},
        env="production",
        secret_key="p" * 48,
        data_dir=settings.data_dir,
        database_url=settings.database_url,
    )
    make_user(session, email="ada@example.com")
    with running_client(production, database) as client:
        anonymous = client.get("/sign-in")
        cookie = anonymous.headers["set-cookie"]
        form = {"email": "ada@example.com", "password": PASSWORD}
        # The jar will not send Secure cookies over http://testserver, so send the token by hand.
        seed = cookie.split(";")[0].split("=", 1)[1]
        client.cookies.set("__Host-mr_csrf", seed)
        token = anonymous.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            "/sign-in", data={**form, "csrf_token": token}, follow_redirects=False
        )

    assert cookie.startswith("__Host-mr_csrf=") and "Secure" in cookie and "HttpOnly" in cookie
    assert response.status_code == 303, response.text
    session_cookie = response.headers["set-cookie"]
    assert session_cookie.startswith("__Host-mr_session=")
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie and "Path=/" in session_cookie


def test_email_is_unique_whatever_its_case(client: TestClient, session: Session) -> None:
    make_user(session, email="ada@example.com")

    response = _sign_up(client, email="ADA@example.com")

    assert response.status_code == 409
    assert "An account with this email exists" in response.text
    assert 'value="ADA@example.com"' in response.text  # the form keeps what was typed
    assert PASSWORD not in response.text  # but never the password


def test_sign_up_explains_each_bad_field(client: TestClient, session: Session) -> None:
    short = _sign_up(client, password="short")
    same = _sign_up(client, password="ada@example.com")
    nameless = _sign_up(client, organisation_name="  ")

    assert short.status_code == 422
    assert "Use at least 10 characters (you typed 5)." in short.text
    assert "Your password must not be your email address." in same.text
    assert "Enter a name." in nameless.text
    assert session.scalars(sa.select(User)).all() == []


def test_sign_in_with_any_case_then_sign_out(client: TestClient, session: Session) -> None:
    user = make_user(session, email="ada@example.com")
    make_organisation(session, user, name="Engines")

    sign_in(client, "  ADA@example.com ")
    assert "Engines" in client.get("/").text
    assert len(_session_rows(session)) == 1

    response = post(client, "/sign-out", page="/")

    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?notice=signed-out"
    assert _session_rows(session) == []
    assert "mr_session" not in client.cookies
    assert client.get("/organisation", follow_redirects=False).status_code == 303


def test_a_wrong_password_says_so_without_telling_which_part(
    client: TestClient, session: Session
) -> None:
    make_user(session, email="ada@example.com")

    wrong = post(client, "/sign-in", {"email": "ada@example.com", "password": "not it at all"})
    unknown = post(client, "/sign-in", {"email": "bob@example.com", "password": PASSWORD})

    assert wrong.status_code == unknown.status_code == 401
    assert service.WRONG_CREDENTIALS in wrong.text and service.WRONG_CREDENTIALS in unknown.text
    assert "mr_session" not in client.cookies
    assert session.scalars(sa.select(User).where(User.last_login_at.is_not(None))).all() == []


def test_pages_that_need_a_member_send_strangers_to_sign_in_and_back(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, email="ada@example.com")
    make_organisation(session, user)

    response = client.get("/organisation/api-keys", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Forganisation%2Fapi-keys"
    form = {"email": "ada@example.com", "password": PASSWORD, "next": "/organisation/api-keys"}
    assert post(client, "/sign-in", form).headers["location"] == "/organisation/api-keys"


def test_sign_in_never_redirects_off_the_site(client: TestClient, session: Session) -> None:
    make_user(session, email="ada@example.com")

    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:1"):
        form = {"email": "ada@example.com", "password": PASSWORD, "next": target}
        assert post(client, "/sign-in", form).headers["location"] == "/"
        post(client, "/sign-out", page="/")


def test_expired_sessions_are_refused_and_their_cookie_dropped(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, email="ada@example.com")
    make_organisation(session, user)
    sign_in(client, "ada@example.com")
    (row,) = _session_rows(session)
    expired_id = row.id
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()

    response = client.get("/organisation", follow_redirects=False)

    assert response.status_code == 303
    assert any(c.startswith('mr_session=""') for c in response.headers.get_list("set-cookie")), (
        response.headers
    )
    assert "mr_session" not in client.cookies
    # The next sign-in sweeps expired rows away.
    sign_in(client, "ada@example.com")
    assert [r.id for r in _session_rows(session)] != [expired_id]
    assert len(_session_rows(session)) == 1


def test_sessions_slide_on_use_but_never_past_the_absolute_maximum(
    settings: Settings, session: Session
) -> None:
    user = make_user(session)
    start = utcnow() - timedelta(days=20)
    token = service.start_session(session, settings, user, "curl/8", start)
    (row,) = _session_rows(session)
    assert row.expires_at == start + timedelta(days=14)

    identity = service.resolve_session(session, settings, token, start + timedelta(days=10))
    assert identity is not None and identity.user is not None
    assert row.expires_at == start + timedelta(days=24)  # 14 idle days from the last use

    service.resolve_session(session, settings, token, start + timedelta(days=23))
    assert row.expires_at == start + timedelta(days=30)  # capped: 30 days after sign-in
    assert service.resolve_session(session, settings, token, start + timedelta(days=30)) is None
    assert _session_rows(session) == []


def test_user_agents_are_summarised() -> None:
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    safari = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    assert service.summarise_user_agent(firefox) == "Firefox on Linux"
    assert service.summarise_user_agent(safari) == "Safari on iOS"
    assert service.summarise_user_agent("curl/8.5") == "curl/8.5"
    assert service.summarise_user_agent(None) is None


def test_the_nav_offers_sign_in_to_strangers_and_the_organisation_to_members(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    user = make_user(session, email="ada@example.com")
    make_organisation(session, user, name="Engines")
    stranger, member = new_client(), new_client()
    sign_in(member, "ada@example.com")

    assert '<a href="/sign-in">Sign in</a>' in stranger.get("/").text
    html = member.get("/").text
    assert 'href="/organisation" title="Organisation settings">Engines</a>' in html
    assert 'action="/sign-out"' in html


def test_signing_in_again_replaces_the_previous_session(
    client: TestClient, session: Session
) -> None:
    make_user(session, email="ada@example.com")
    bob = make_user(session, email="bob@example.com")
    sign_in(client, "ada@example.com")
    first = client.cookies["mr_session"]

    response = post(
        client, "/sign-in", {"email": "bob@example.com", "password": PASSWORD}, page="/"
    )

    assert response.status_code == 303
    assert client.cookies["mr_session"] != first
    assert [row.user_id for row in _session_rows(session)] == [bob.id]
