"""Connecting accounts from the creator portal, end to end over HTTP: the connect button, the
platform's authorize URL, the callback (state, PKCE, code exchange, identity, claim, first
capture), the connections page and disconnect. The platforms answer with recorded responses in
their documented formats (tests/connectors/fixtures) through the real client code."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts.enums import ClaimStatus
from microreach.accounts.models import CreatorClaim, User
from microreach.config import Settings, load_settings
from microreach.connectors import tokens, views
from microreach.connectors.enums import ConnectionStatus
from microreach.connectors.models import OAuthAttempt, PlatformConnection
from microreach.connectors.oauth import code_challenge
from microreach.creators.enums import Platform
from microreach.creators.models import AccountSnapshot, PlatformAccount
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from tests.accounts.support import post, sign_in
from tests.campaigns.support import brand, creator
from tests.conftest import TEST_DATABASE_URL
from tests.connectors.conftest import ContextFor
from tests.connectors.replay import Replay, Step
from tests.factories import make_account
from tests.web.support import TestClient, app_of, running_client

PAGE = "/portal/connections"
EMAIL = "nora@example.com"
TIKTOK_TOKEN = "act.1d1021d2aee3d41fee2d2add43456badMFZnrhFhfWotKvGM8ajCT1v9Ww5a!4456.u1"
TIKTOK_CAPTURE = (
    Step("GET", "/v2/user/info/", "tiktok/user_info.json"),
    Step("POST", "/v2/video/list/", "tiktok/video_list_page2.json"),
)
IG_EXCHANGE = (
    Step("GET", "/oauth/access_token", "instagram/oauth_access_token.json", params={"code": "c"}),
    Step(
        "GET",
        "/oauth/access_token",
        "instagram/oauth_long_lived_token.json",
        params={"grant_type": "fb_exchange_token"},
    ),
)
NewClient = Callable[..., TestClient]


@pytest.fixture
def new_client(settings: Settings, database: Database) -> Iterator[NewClient]:
    with ExitStack() as stack:

        def make(with_settings: Settings | None = None) -> TestClient:
            return stack.enter_context(running_client(with_settings or settings, database))

        yield make


@pytest.fixture
def client(new_client: NewClient) -> TestClient:
    """A creator signed in to the portal."""
    browser = new_client()
    creator(browser, EMAIL)
    return browser


def answering(client: TestClient, context_for: ContextFor, *steps: Step) -> Replay:
    """Make the platforms answer this client's requests with `steps`, in order."""
    replay = Replay(*steps)
    # The real clock: the views stamp with it, and tokens must not look expired to them.
    context = dataclasses.replace(context_for(replay), clock=utcnow)
    app_of(client).dependency_overrides[views.connector_context] = lambda: context
    return replay


def start(client: TestClient, platform: str) -> tuple[str, dict[str, str]]:
    """Press Connect: the platform's authorize URL and its query."""
    response = post(client, f"{PAGE}/connect/{platform}", page=PAGE)
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    return url, {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def back(client: TestClient, platform: str, **params: str) -> httpx.Response:
    """The platform sends the browser back to the callback."""
    return client.get(f"{PAGE}/callback/{platform}", params=params, follow_redirects=False)


def user_of(session: Session, email: str = EMAIL) -> User:
    return session.scalars(sa.select(User).where(User.email == email)).one()


def connections(session: Session) -> list[PlatformConnection]:
    session.expire_all()
    return list(session.scalars(sa.select(PlatformConnection)))


def test_tiktok_connect_from_button_to_first_capture(
    client: TestClient, session: Session, settings: Settings, context_for: ContextFor
) -> None:
    replay = answering(
        client,
        context_for,
        Step("POST", "/v2/oauth/token/", "tiktok/oauth_token.json"),
        Step("GET", "/v2/user/info/", "tiktok/user_info.json"),
        *TIKTOK_CAPTURE,
    )
    url, query = start(client, "tiktok")
    assert url.startswith("https://www.tiktok.com/v2/auth/authorize/?")
    assert query["client_key"] == "awexamplekey"
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == f"{settings.resolved_public_url}{PAGE}/callback/tiktok"
    attempt = session.scalars(sa.select(OAuthAttempt)).one()
    assert attempt.verifier is not None and "S256" not in attempt.verifier  # stored encrypted

    response = back(client, "tiktok", code="c0de", state=query["state"])
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{PAGE}?done=connected"
    exchange = parse_qs(replay.requests[0].content.decode())
    assert exchange["code"] == ["c0de"]
    assert code_challenge(exchange["code_verifier"][0]) == query["code_challenge"]
    assert replay.done()

    (connection,) = connections(session)
    account = session.get(PlatformAccount, connection.account_id)
    assert account is not None and account.handle == "nora.climbs"
    assert account.external_id == "723f24d7-e717-40f8-a2b6-cb8464cd23b4"
    assert connection.user_id == user_of(session).id
    assert connection.status is ConnectionStatus.ACTIVE
    assert TIKTOK_TOKEN not in connection.access_token  # encrypted at rest
    cipher = tokens.TokenCipher(settings.secret_key)
    assert tokens.load_tokens(cipher, connection, "x").access_token == TIKTOK_TOKEN
    claim = session.scalars(sa.select(CreatorClaim)).one()
    assert claim.status is ClaimStatus.VERIFIED and claim.platform_account_id == account.id
    snapshot = session.scalars(sa.select(AccountSnapshot)).one()  # the first capture
    assert snapshot.followers == 18342 and account.last_captured_at is not None

    page = client.get(PAGE).text
    assert "@nora.climbs" in page and "connected" in page and "video.list" in page


def test_a_replayed_callback_is_refused_and_calls_nothing(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    replay = answering(
        client,
        context_for,
        Step("POST", "/v2/oauth/token/", "tiktok/oauth_token.json"),
        Step("GET", "/v2/user/info/", "tiktok/user_info.json"),
        *TIKTOK_CAPTURE,
    )
    _, query = start(client, "tiktok")
    assert back(client, "tiktok", code="c0de", state=query["state"]).status_code == 303
    calls = len(replay.requests)

    again = back(client, "tiktok", code="c0de", state=query["state"])
    assert again.status_code == 400
    assert "already used" in again.text
    assert len(replay.requests) == calls
    assert len(connections(session)) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s[:-2] + ("AA" if not s.endswith("AA") else "BB"),  # signature
        lambda s: "x" + s,  # payload
        lambda _: "",  # missing
        lambda _: "not-a-state",
    ],
)
def test_a_tampered_state_is_refused(
    client: TestClient, session: Session, context_for: ContextFor, tamper: Callable[[str], str]
) -> None:
    replay = answering(client, context_for)
    _, query = start(client, "tiktok")
    response = back(client, "tiktok", code="c0de", state=tamper(query["state"]))
    assert response.status_code == 400
    assert "state mismatch" in response.text
    assert replay.requests == []
    assert connections(session) == []


def test_a_state_is_bound_to_the_session_the_person_and_the_platform(
    client: TestClient, new_client: NewClient, session: Session, context_for: ContextFor
) -> None:
    _, query = start(client, "tiktok")
    state = query["state"]
    same_person_other_browser = new_client()
    sign_in(same_person_other_browser, EMAIL)
    someone_else = new_client()
    creator(someone_else, "mallory@example.com")
    for browser in (same_person_other_browser, someone_else):
        replay = answering(browser, context_for)
        response = back(browser, "tiktok", code="c0de", state=state)
        assert response.status_code == 400 and "state mismatch" in response.text
        assert replay.requests == []
    replay = answering(client, context_for)
    response = back(client, "youtube", code="c0de", state=state)
    assert response.status_code == 400 and "state mismatch" in response.text
    assert replay.requests == []
    # None of those spent it: the browser that started can still finish.
    answering(
        client,
        context_for,
        Step("POST", "/v2/oauth/token/", "tiktok/oauth_token.json"),
        Step("GET", "/v2/user/info/", "tiktok/user_info.json"),
        *TIKTOK_CAPTURE,
    )
    assert back(client, "tiktok", code="c0de", state=state).status_code == 303


def test_an_expired_state_is_refused(
    client: TestClient, session: Session, context_for: ContextFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay = answering(client, context_for)
    _, query = start(client, "tiktok")
    later = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(views, "utcnow", lambda: later)
    response = back(client, "tiktok", code="c0de", state=query["state"])
    assert response.status_code == 400
    assert "expired" in response.text
    assert replay.requests == []


def test_denied_consent_connects_nothing_and_spends_the_state(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    replay = answering(client, context_for)
    _, query = start(client, "tiktok")
    response = back(
        client,
        "tiktok",
        error="access_denied",
        error_description="The user denied the request",
        state=query["state"],
    )
    assert response.status_code == 400
    assert "you did not allow microreach" in response.text
    assert "The user denied the request" in response.text
    assert replay.requests == [] and connections(session) == []
    replayed = back(client, "tiktok", code="c0de", state=query["state"])
    assert "already used" in replayed.text


def test_a_platform_error_body_is_shown_and_nothing_is_stored(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    answering(client, context_for, Step("POST", "/v2/oauth/token/", "tiktok/oauth_error.json"))
    _, query = start(client, "tiktok")
    response = back(client, "tiktok", code="stale", state=query["state"])
    assert response.status_code == 502
    assert "Authorization code is expired." in response.text
    assert "202611251200200102181170550A1B2C8" in response.text  # TikTok's log id
    assert connections(session) == []
    assert session.scalars(sa.select(CreatorClaim)).all() == []


def test_instagram_connect_verifies_the_claim_and_keeps_a_failed_first_capture(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    account = make_account(session, handle="bluebottle", external_id=None)
    assert (
        post(
            client,
            "/portal/claims",
            {"platform": "instagram", "handle": "bluebottle"},
            page="/portal",
        ).status_code
        == 303
    )
    replay = answering(
        client,
        context_for,
        *IG_EXCHANGE,
        Step("GET", "/me/accounts", "instagram/me_accounts.json"),
        Step("GET", "/17841401441775531", "instagram/error_not_found.json", status=400),
    )
    url, query = start(client, "instagram")
    assert url.startswith("https://www.facebook.com/")
    assert "/dialog/oauth?" in url and "code_challenge" not in query
    assert "instagram_manage_insights" in query["scope"]

    response = back(client, "instagram", code="c", state=query["state"])
    assert response.status_code == 303, response.text
    assert replay.done()
    assert replay.requests[2].url.params["access_token"] == "EAAGm0PX4ZCpsBAlonglivedtoken"
    (connection,) = connections(session)
    assert connection.account_id == account.id
    assert connection.external_user_id == "17841401441775531"
    session.refresh(account)
    assert account.external_id == "17841401441775531"
    claim = session.scalars(sa.select(CreatorClaim)).one()
    assert claim.status is ClaimStatus.VERIFIED
    page = client.get(PAGE).text
    assert "@bluebottle" in page
    assert "Last attempt failed" in page and "Invalid user id" in page


def test_instagram_without_a_linked_professional_account_says_what_to_do(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    answering(
        client,
        context_for,
        *IG_EXCHANGE,
        Step("GET", "/me/accounts", "instagram/me_accounts_no_instagram.json"),
    )
    _, query = start(client, "instagram")
    response = back(client, "instagram", code="c", state=query["state"])
    assert response.status_code == 502
    assert "no Instagram professional" in response.text
    assert connections(session) == []


def test_instagram_code_exchange_error_is_shown(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    answering(
        client,
        context_for,
        Step("GET", "/oauth/access_token", "instagram/error_code_used.json", status=400),
    )
    _, query = start(client, "instagram")
    response = back(client, "instagram", code="c", state=query["state"])
    assert response.status_code == 502
    assert "This authorization code has been used." in response.text
    assert "36009" in response.text


def test_youtube_connect_asks_offline_access_and_keeps_the_refresh_token(
    client: TestClient, session: Session, settings: Settings, context_for: ContextFor
) -> None:
    replay = answering(
        client,
        context_for,
        Step("POST", "/token", "youtube/oauth_token.json"),
        Step("GET", "/youtube/v3/channels", "youtube/channels_list.json", params={"mine": "true"}),
        Step("GET", "/youtube/v3/channels", "youtube/error_quota_exceeded.json", status=403),
    )
    url, query = start(client, "youtube")
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert query["access_type"] == "offline" and query["prompt"] == "consent"
    assert query["code_challenge_method"] == "S256"

    assert back(client, "youtube", code="4/0Ab", state=query["state"]).status_code == 303
    form = parse_qs(replay.requests[0].content.decode())
    assert form["grant_type"] == ["authorization_code"]
    assert code_challenge(form["code_verifier"][0]) == query["code_challenge"]
    assert (
        replay.requests[1].headers["authorization"] == "Bearer ya29.a0AfB_byC-example-access-token"
    )
    (connection,) = connections(session)
    stored = tokens.load_tokens(tokens.TokenCipher(settings.secret_key), connection, "x")
    assert stored.refresh_token == "1//0gExampleRefreshToken-L9Ir8"
    account = session.get(PlatformAccount, connection.account_id)
    assert account is not None and account.handle == "trailkitchen"
    assert "quota" in client.get(PAGE).text


def test_youtube_code_exchange_error_is_shown(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    answering(client, context_for, Step("POST", "/token", "youtube/oauth_error.json", status=400))
    _, query = start(client, "youtube")
    response = back(client, "youtube", code="4/0Ab", state=query["state"])
    assert response.status_code == 502
    assert "invalid_grant" in response.text
    assert connections(session) == []


def _connect_tiktok(client: TestClient, context_for: ContextFor) -> None:
    answering(
        client,
        context_for,
        Step("POST", "/v2/oauth/token/", "tiktok/oauth_token.json"),
        Step("GET", "/v2/user/info/", "tiktok/user_info.json"),
        *TIKTOK_CAPTURE,
    )
    _, query = start(client, "tiktok")
    assert back(client, "tiktok", code="c0de", state=query["state"]).status_code == 303


def test_disconnect_revokes_at_the_platform_and_deletes_the_tokens(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    _connect_tiktok(client, context_for)
    (connection,) = connections(session)
    replay = answering(client, context_for, Step("POST", "/v2/oauth/revoke/", "tiktok/revoke.json"))
    response = post(
        client,
        f"{PAGE}/disconnect/tiktok",
        {"account_id": str(connection.account_id)},
        page=PAGE,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?done=disconnected"
    assert parse_qs(replay.requests[0].content.decode())["token"] == [TIKTOK_TOKEN]
    assert connections(session) == []
    assert "Not connected." in client.get(PAGE).text


def test_disconnect_deletes_the_tokens_even_when_the_platform_refuses(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    _connect_tiktok(client, context_for)
    (connection,) = connections(session)
    answering(
        client, context_for, Step("POST", "/v2/oauth/revoke/", "tiktok/error_generic_400.json")
    )
    response = post(
        client, f"{PAGE}/disconnect/tiktok", {"account_id": str(connection.account_id)}, page=PAGE
    )
    assert response.headers["location"] == f"{PAGE}?done=disconnected-locally"
    assert connections(session) == []


def test_instagram_and_youtube_disconnect_call_their_revoke_endpoints(
    client: TestClient, session: Session, settings: Settings, context_for: ContextFor
) -> None:
    for platform, step in (
        ("instagram", Step("DELETE", "/me/permissions", "instagram/delete_permissions.json")),
        ("youtube", Step("POST", "/revoke", "youtube/revoke.json")),
    ):
        account = make_account(session, platform=Platform(platform))
        cipher = tokens.TokenCipher(settings.secret_key)
        connection = tokens.save_connection(
            session, cipher, account, tokens.TokenSet(access_token=f"{platform}-token")
        )
        connection.user_id = user_of(session).id
        session.flush()
        replay = answering(client, context_for, step)
        response = post(
            client, f"{PAGE}/disconnect/{platform}", {"account_id": str(account.id)}, page=PAGE
        )
        assert response.headers["location"] == f"{PAGE}?done=disconnected", platform
        request = replay.requests[0]
        sent = (
            request.url.params.get("access_token") or parse_qs(request.content.decode())["token"][0]
        )
        assert sent == f"{platform}-token"
    assert connections(session) == []


def test_another_creators_connection_cannot_be_disconnected(
    client: TestClient, new_client: NewClient, session: Session, context_for: ContextFor
) -> None:
    _connect_tiktok(client, context_for)
    (connection,) = connections(session)
    other = new_client()
    creator(other, "mallory@example.com")
    replay = answering(other, context_for)
    response = post(
        other, f"{PAGE}/disconnect/tiktok", {"account_id": str(connection.account_id)}, page=PAGE
    )
    assert response.status_code == 404
    assert replay.requests == [] and len(connections(session)) == 1


def test_the_page_says_which_platforms_the_operator_has_not_configured(
    new_client: NewClient, tmp_path: Path
) -> None:
    bare = load_settings(
        environ={},
        data_dir=tmp_path / "bare",
        env="test",
        database_url=TEST_DATABASE_URL or None,
        secret_key="k" * 48,
        tiktok_client_key="awexamplekey",
        tiktok_client_secret="tiktok-secret",
    )
    browser = new_client(bare)
    creator(browser, EMAIL)
    page = browser.get(PAGE).text
    assert page.count("the operator has not configured") == 2
    assert "MICROREACH_INSTAGRAM_APP_ID" in page and "MICROREACH_YOUTUBE_CLIENT_ID" in page
    assert "Connect TikTok" in page and "Not connected." in page
    response = post(browser, f"{PAGE}/connect/youtube", page=PAGE)
    assert response.status_code == 400
    assert "MICROREACH_YOUTUBE_CLIENT_ID" in response.text


def test_an_expired_connection_asks_to_reconnect(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    _connect_tiktok(client, context_for)
    (connection,) = connections(session)
    connection.status = ConnectionStatus.EXPIRED
    connection.last_error = "tiktok for @nora.climbs: the access token is invalid or expired."
    session.flush()
    page = client.get(PAGE).text
    assert "token expired: reconnect" in page
    assert "the access token is invalid or expired" in page
    assert "Connect again" in page


def test_bad_input_is_refused_naming_it(
    client: TestClient, new_client: NewClient, context_for: ContextFor
) -> None:
    assert client.get(PAGE + "/callback/myspace", params={"code": "c"}).status_code == 404
    assert post(client, f"{PAGE}/connect/myspace", page=PAGE).status_code == 404
    response = post(client, f"{PAGE}/disconnect/tiktok", {"account_id": "nope"}, page=PAGE)
    assert response.status_code == 422 and "account_id" in response.text
    member = new_client()
    brand(member, "bea@example.com")
    assert member.get(PAGE).status_code == 403
    assert post(member, f"{PAGE}/connect/tiktok", page="/organisation").status_code == 403


def test_a_handle_held_by_another_platform_id_is_not_taken_over(
    client: TestClient, session: Session, context_for: ContextFor
) -> None:
    make_account(session, platform=Platform.TIKTOK, handle="nora.climbs", external_id="someone")
    answering(
        client,
        context_for,
        Step("POST", "/v2/oauth/token/", "tiktok/oauth_token.json"),
        Step("GET", "/v2/user/info/", "tiktok/user_info.json"),
    )
    _, query = start(client, "tiktok")
    response = back(client, "tiktok", code="c0de", state=query["state"])
    assert response.status_code == 409
    assert "is another tiktok account" in response.text
    assert connections(session) == []
    assert session.scalars(sa.select(CreatorClaim)).all() == []
