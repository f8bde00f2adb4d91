"""CSRF: unsafe requests from browsers need the page's token; API keys need none."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from microreach.accounts.enums import ApiScope, Role
from tests.accounts.support import (
    PASSWORD,
    add_member,
    csrf_of,
    make_organisation,
    make_user,
    post,
    sign_in,
    token,
)
from tests.web.support import TestClient

CSRF_FAILED = "CSRF check failed"


def test_a_form_post_without_a_token_is_refused(client: TestClient, session: Session) -> None:
    make_user(session, email="ada@example.com")
    client.get("/sign-in")  # the browser has its anonymous cookie

    form = {"email": "ada@example.com", "password": PASSWORD}
    missing = client.post("/sign-in", data=form, follow_redirects=False)
    forged = client.post("/sign-in", data={**form, "csrf_token": "0" * 48}, follow_redirects=False)

    for response in (missing, forged):
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert CSRF_FAILED in response.text
    assert "mr_session" not in client.cookies


def test_the_same_post_with_the_page_token_is_accepted(
    client: TestClient, session: Session
) -> None:
    make_user(session, email="ada@example.com")

    response = post(client, "/sign-in", {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 303
    assert "mr_session" in client.cookies


def test_a_token_from_another_browser_is_refused(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    make_user(session, email="ada@example.com")
    attacker, victim = new_client(), new_client()
    attackers_token = token(attacker)
    victim.get("/sign-in")

    form = {"email": "ada@example.com", "password": PASSWORD, "csrf_token": attackers_token}
    response = victim.post("/sign-in", data=form, follow_redirects=False)

    assert response.status_code == 403


def test_signing_in_binds_the_token_to_the_session(client: TestClient, session: Session) -> None:
    user = make_user(session, email="ada@example.com")
    make_organisation(session, user)
    anonymous_token = token(client)
    sign_in(client, "ada@example.com")
    member_token = token(client, "/organisation")

    assert member_token != anonymous_token
    stale = client.post(
        "/organisation/invitations",
        data={"email": "bob@example.com", "role": "member", "csrf_token": anonymous_token},
    )
    fresh = client.post(
        "/organisation/invitations",
        data={"email": "bob@example.com", "role": "member", "csrf_token": member_token},
    )

    assert stale.status_code == 403
    assert fresh.status_code == 200 and "Invitation sent to" in fresh.text


def test_htmx_sends_the_token_in_a_header(client: TestClient, session: Session) -> None:
    owner = make_user(session, email="ada@example.com")
    organisation = make_organisation(session, owner)
    bob = add_member(session, organisation, make_user(session), Role.MEMBER)
    sign_in(client, "ada@example.com")
    page = client.get("/organisation").text
    header_token = page.split('hx-headers=\'{"X-CSRF-Token": "')[1].split('"')[0]
    assert header_token == csrf_of(page)

    path = f"/organisation/members/{bob.id}/role"
    without = client.post(path, data={"role": "viewer"}, headers={"HX-Request": "true"})
    with_header = client.post(
        path, data={"role": "viewer"}, headers={"HX-Request": "true", "X-CSRF-Token": header_token}
    )

    assert without.status_code == 403
    assert with_header.status_code == 200
    assert with_header.text.startswith(f'<tr id="member-{bob.id}">')
    assert '<option value="viewer" selected>' in with_header.text


def test_api_calls_with_a_session_cookie_need_the_header_token(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, email="ada@example.com")
    organisation = make_organisation(session, owner)
    sign_in(client, "ada@example.com")
    path = f"/api/v1/organisations/{organisation.slug}/api-keys"
    body = {"name": "Shop", "scopes": [ApiScope.LINKS_WRITE.value]}

    refused = client.post(path, json=body)
    accepted = client.post(path, json=body, headers={"X-CSRF-Token": token(client, "/")})

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert CSRF_FAILED in refused.json()["detail"]
    assert accepted.status_code == 201, accepted.text


def test_api_key_requests_are_exempt(client: TestClient, session: Session) -> None:
    owner = make_user(session, email="ada@example.com")
    organisation = make_organisation(session, owner)
    sign_in(client, "ada@example.com")
    created = client.post(
        f"/api/v1/organisations/{organisation.slug}/api-keys",
        json={"name": "Shop", "scopes": ["links:write"]},
        headers={"X-CSRF-Token": token(client, "/")},
    ).json()
    client.cookies.clear()

    response = client.post(
        "/sign-out",
        headers={"Authorization": f"Bearer {created['secret']}"},
        follow_redirects=False,
    )

    assert response.status_code == 303  # no CSRF token, yet not refused: a key is no cookie
