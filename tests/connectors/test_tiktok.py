"""TikTok Display API v2 and Login Kit through the real client, against recorded responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from microreach.connectors.base import AccountRef
from microreach.connectors.errors import TokenExpired, TokenRevoked
from microreach.connectors.oauth import code_challenge, new_pkce
from microreach.connectors.tiktok import TikTokConnector
from microreach.kit.errors import InvalidError
from tests.connectors.conftest import NOW, ContextFor
from tests.connectors.replay import Replay, Sleeps, Step

OPEN_ID = "723f24d7-e717-40f8-a2b6-cb8464cd23b4"
NORA = AccountRef("nora.climbs", OPEN_ID, "act.valid")


def test_profile_and_video_list_across_pages(context_for: ContextFor) -> None:
    replay = Replay(
        Step("GET", "/v2/user/info/", "tiktok/user_info.json"),
        Step("POST", "/v2/video/list/", "tiktok/video_list_page1.json"),
        Step("POST", "/v2/video/list/", "tiktok/video_list_page2.json"),
    )
    capture = TikTokConnector(context_for(replay)).capture(NORA, posts=10)
    profile = capture.profile
    assert (profile.external_id, profile.handle, profile.followers) == (
        OPEN_ID,
        "nora.climbs",
        18342,
    )
    assert (profile.following, profile.media_count, profile.verified) == (301, 143, False)
    assert [p.platform_post_id for p in capture.posts] == [
        "7321456789012345678",
        "7319876543210987654",
        "7315555555555555555",
    ]
    first = capture.posts[0].metrics
    assert (first.views, first.likes, first.comments, first.shares) == (20433, 2101, 88, 41)
    assert capture.posts[0].posted_at == datetime.fromtimestamp(1763719200, UTC)
    assert all(r.headers["Authorization"] == "Bearer act.valid" for r in replay.requests)
    assert json.loads(replay.requests[1].content) == {"max_count": 10}
    assert json.loads(replay.requests[2].content) == {"max_count": 10, "cursor": 1763287200000}
    assert "follower_count" in replay.requests[0].url.params["fields"]
    assert replay.done()


def test_an_invalid_access_token_names_the_account(context_for: ContextFor) -> None:
    replay = Replay(
        Step("GET", "/user/info/", "tiktok/error_access_token_invalid.json", status=401)
    )
    with pytest.raises(TokenExpired) as info:
        TikTokConnector(context_for(replay)).profile(NORA)
    message = str(info.value)
    assert message.startswith("tiktok for @nora.climbs: the access token is invalid")
    assert "log_id 202611251200180102181170550A1B2C6" in message


def test_an_account_that_never_connected_cannot_be_read(context_for: ContextFor) -> None:
    replay = Replay()
    with pytest.raises(TokenExpired, match="needs the creator to connect"):
        TikTokConnector(context_for(replay)).profile(AccountRef("nora.climbs"))
    assert replay.requests == []


def test_rate_limit_with_retry_after_then_success(context_for: ContextFor, sleeps: Sleeps) -> None:
    replay = Replay(
        Step(
            "GET",
            "/user/info/",
            "tiktok/error_rate_limit.json",
            status=429,
            headers={"Retry-After": "2"},
        ),
        Step("GET", "/user/info/", "tiktok/user_info.json"),
    )
    assert TikTokConnector(context_for(replay)).profile(NORA).followers == 18342
    assert sleeps.calls == [2.0]


def test_pkce_s256_matches_rfc_7636_and_fresh_pairs_are_valid() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    pkce = new_pkce()
    assert len(pkce.verifier) == 64 and pkce.method == "S256"
    assert pkce.challenge == code_challenge(pkce.verifier) and "=" not in pkce.challenge
    assert new_pkce().verifier != pkce.verifier
    with pytest.raises(InvalidError):
        code_challenge("too-short")


def test_login_kit_url_and_code_exchange(context_for: ContextFor) -> None:
    replay = Replay(Step("POST", "/v2/oauth/token/", "tiktok/oauth_token.json"))
    connector = TikTokConnector(context_for(replay))
    pkce = new_pkce()
    url = urlparse(connector.authorize_url("https://mr.example/cb/tiktok", "st", pkce))
    query = parse_qs(url.query)
    assert url.netloc == "www.tiktok.com" and url.path == "/v2/auth/authorize/"
    assert query["client_key"] == ["awexamplekey"]
    assert query["code_challenge"] == [pkce.challenge] and query["code_challenge_method"] == [
        "S256"
    ]
    assert "video.list" in query["scope"][0].split(",")

    tokens = connector.exchange_code("code123", "https://mr.example/cb/tiktok", pkce.verifier)
    form = parse_qs(replay.requests[0].content.decode())
    assert form["code_verifier"] == [pkce.verifier] and form["client_secret"] == ["tiktok-secret"]
    assert form["grant_type"] == ["authorization_code"]
    assert tokens.external_user_id == OPEN_ID
    assert tokens.expires_at == NOW + timedelta(seconds=86400)
    assert tokens.refresh_expires_at == NOW + timedelta(seconds=31536000)
    assert tokens.scopes == (
        "user.info.basic",
        "user.info.profile",
        "user.info.stats",
        "video.list",
    )


def test_an_expired_code_or_refresh_token_is_a_revoked_grant(context_for: ContextFor) -> None:
    replay = Replay(Step("POST", "/v2/oauth/token/", "tiktok/oauth_error.json", status=400))
    with pytest.raises(TokenRevoked, match="Authorization code is expired"):
        TikTokConnector(context_for(replay)).exchange_code("old", "https://mr.example/cb", "v" * 43)
