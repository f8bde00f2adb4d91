"""YouTube Data API v3 through the real client: channel, uploads, videos, comment threads,
search, quota accounting, and the documented error bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy.orm import Session

from microreach.connectors import repository
from microreach.connectors.base import AccountRef, TokenSet
from microreach.connectors.errors import (
    AccountNotFound,
    PrivateAccount,
    QuotaExceeded,
    RateLimited,
    TokenExpired,
)
from microreach.connectors.oauth import new_pkce
from microreach.connectors.quota import (
    DatabaseQuotaLedger,
    SessionQuotaLedger,
    quota_day,
    quota_resets_at,
)
from microreach.connectors.youtube import YouTubeConnector
from microreach.creators.enums import Platform
from microreach.db.session import Database
from tests.connectors.conftest import NOW, ContextFor
from tests.connectors.replay import Replay, Sleeps, Step

CHANNEL = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
UPLOADS = "UU_x5XG1OV2P6uZZ5FSM9Ttw"


def _ledger(database: Database, limit: int = 10_000) -> DatabaseQuotaLedger:
    return DatabaseQuotaLedger(database, {Platform.YOUTUBE: limit}, clock=lambda: NOW)


def capture_steps() -> list[Step]:
    return [
        Step("GET", "/youtube/v3/channels", "youtube/channels_list.json"),
        Step("GET", "/playlistItems", "youtube/playlist_items_page1.json"),
        Step(
            "GET",
            "/playlistItems",
            "youtube/playlist_items_page2.json",
            params={"pageToken": "EAAaBlBUOkNBSQ"},
        ),
        Step("GET", "/videos", "youtube/videos_list.json"),
        Step("GET", "/commentThreads", "youtube/comment_threads_page1.json"),
        Step("GET", "/commentThreads", "youtube/comment_threads_page2.json"),
        Step("GET", "/commentThreads", "youtube/error_comments_disabled.json", status=403),
        Step("GET", "/commentThreads", "youtube/comment_threads_empty.json"),
    ]


def test_channel_uploads_videos_and_comments(context_for: ContextFor, database: Database) -> None:
    replay = Replay(*capture_steps())
    ledger = _ledger(database)
    connector = YouTubeConnector(context_for(replay, quota=ledger))
    capture = connector.capture(AccountRef("trailkitchen"), posts=10)

    profile = capture.profile
    assert (profile.external_id, profile.handle, profile.followers) == (
        CHANNEL,
        "trailkitchen",
        48200,
    )
    assert profile.media_count == 212 and profile.country == "CA"
    assert [p.platform_post_id for p in capture.posts] == [
        "dQw4w9WgXcQ",
        "9bZkp7q19f0",
        "kJQP7kiw5Fk",
    ]
    chili, pancakes, dehydrating = capture.posts
    assert (chili.metrics.views, chili.metrics.likes, chili.metrics.comments) == (51234, 2301, 187)
    assert chili.is_paid_partnership
    assert pancakes.metrics.likes is None  # hidden likes
    assert dehydrating.metrics.comments is None  # comments turned off
    assert chili.posted_at == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert [c.author_handle for c in capture.comments] == [
        "hikerhannah",
        "trailkitchen",
        "summit_sam",
    ]
    first = replay.requests[0].url.params
    assert first["forHandle"] == "@trailkitchen" and first["key"] == "AIzaSyExampleKey"
    assert replay.requests[1].url.params["playlistId"] == UPLOADS
    assert replay.requests[3].url.params["id"] == "dQw4w9WgXcQ,9bZkp7q19f0,kJQP7kiw5Fk"
    # channels 1 + playlistItems 2 + videos 1 + commentThreads 4 (failed calls cost too).
    assert ledger.used(Platform.YOUTUBE) == 8
    assert replay.done()


def test_search_spends_100_units_and_refuses_past_the_daily_quota(
    context_for: ContextFor, database: Database
) -> None:
    replay = Replay(Step("GET", "/search", "youtube/search_list.json", params={"type": "channel"}))
    ledger = _ledger(database, limit=150)
    connector = YouTubeConnector(context_for(replay, quota=ledger))
    found = connector.search_channels("camp cooking", limit=2)
    assert found == [(CHANNEL, "Trail Kitchen"), ("UCq9x2mR4m2yWmB0K6z8Lp3Q", "Backcountry Bites")]
    assert ledger.used(Platform.YOUTUBE) == 100
    with pytest.raises(QuotaExceeded, match="daily quota of 150 units is spent") as info:
        connector.search_channels("camp cooking", limit=2)
    assert info.value.resets_at == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # midnight Pacific
    assert len(replay.requests) == 1  # refused before calling
    assert ledger.used(Platform.YOUTUBE) == 100


def test_the_quota_day_is_the_pacific_date() -> None:
    late_utc = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # still the 25th in California
    assert str(quota_day(Platform.YOUTUBE, late_utc)) == "2026-11-25"
    assert quota_resets_at(Platform.YOUTUBE, late_utc) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_quota_exceeded_from_google_is_not_retried(context_for: ContextFor) -> None:
    replay = Replay(Step("GET", "/channels", "youtube/error_quota_exceeded.json", status=403))
    with pytest.raises(QuotaExceeded, match="quotaExceeded") as info:
        YouTubeConnector(context_for(replay)).profile(AccountRef("trailkitchen"))
    assert info.value.resets_at is not None
    assert len(replay.requests) == 1


def test_an_invalid_oauth_token_names_the_account(context_for: ContextFor) -> None:
    replay = Replay(Step("GET", "/channels", "youtube/error_unauthorized.json", status=401))
    with pytest.raises(TokenExpired, match="youtube for @trailkitchen: the access token") as info:
        YouTubeConnector(context_for(replay)).profile(
            AccountRef("trailkitchen", CHANNEL, "ya29.expired")
        )
    assert "authError" in str(info.value)
    request = replay.requests[0]
    assert request.headers["Authorization"] == "Bearer ya29.expired"
    assert "key" not in request.url.params and request.url.params["id"] == CHANNEL


def test_a_missing_channel_is_not_found(context_for: ContextFor) -> None:
    replay = Replay(Step("GET", "/channels", "youtube/channels_list_empty.json"))
    with pytest.raises(AccountNotFound, match="@nobody"):
        YouTubeConnector(context_for(replay)).profile(AccountRef("nobody"))


def test_private_uploads_are_reported_as_a_private_account(context_for: ContextFor) -> None:
    replay = Replay(
        Step("GET", "/channels", "youtube/channels_list.json"),
        Step("GET", "/playlistItems", "youtube/error_playlist_forbidden.json", status=403),
    )
    with pytest.raises(PrivateAccount, match="playlistItemsNotAccessible"):
        YouTubeConnector(context_for(replay)).recent_posts(AccountRef("trailkitchen"), 10)


def test_backend_errors_are_retried(context_for: ContextFor) -> None:
    replay = Replay(
        Step("GET", "/channels", "youtube/error_backend.json", status=503),
        Step("GET", "/channels", "youtube/channels_list.json"),
    )
    assert YouTubeConnector(context_for(replay)).profile(AccountRef("x")).followers == 48200


def test_google_oauth_with_pkce_and_refresh(context_for: ContextFor) -> None:
    replay = Replay(
        Step("POST", "/token", "youtube/oauth_token.json"),
        Step(
            "POST",
            "/token",
            {"access_token": "ya29.new", "expires_in": 3599, "token_type": "Bearer"},
        ),
    )
    connector = YouTubeConnector(context_for(replay))
    pkce = new_pkce()
    url = urlparse(connector.authorize_url("https://mr.example/cb", "st", pkce))
    query = parse_qs(url.query)
    assert query["code_challenge"] == [pkce.challenge]
    assert query["code_challenge_method"] == ["S256"] and query["access_type"] == ["offline"]

    tokens = connector.exchange_code("4/0Acode", "https://mr.example/cb", pkce.verifier)
    form = parse_qs(replay.requests[0].content.decode())
    assert form["code_verifier"] == [pkce.verifier] and form["grant_type"] == ["authorization_code"]
    assert replay.requests[0].url.host == "oauth2.googleapis.com"
    assert tokens.refresh_token == "1//0gExampleRefreshToken-L9Ir8"

    fresh = connector.refresh_token(TokenSet("old", refresh_token=tokens.refresh_token))
    assert fresh is not None and fresh.access_token == "ya29.new"
    assert fresh.refresh_token == tokens.refresh_token  # Google keeps the refresh token


def test_rate_limit_waits_for_retry_after_then_succeeds(
    context_for: ContextFor, sleeps: Sleeps
) -> None:
    replay = Replay(
        Step(
            "GET",
            "/channels",
            "youtube/error_rate_limit.json",
            status=429,
            headers={"Retry-After": "7"},
        ),
        Step("GET", "/channels", "youtube/channels_list.json"),
    )
    profile = YouTubeConnector(context_for(replay)).profile(AccountRef("trailkitchen"))
    assert profile.followers == 48200
    assert sleeps.calls == [7.0]
    assert replay.done()


def test_a_rate_limit_longer_than_the_client_waits_is_raised_with_its_hint(
    context_for: ContextFor, sleeps: Sleeps
) -> None:
    replay = Replay(
        Step(
            "GET",
            "/channels",
            "youtube/error_rate_limit.json",
            status=429,
            headers={"Retry-After": "900"},
        ),
    )
    with pytest.raises(RateLimited, match="rateLimitExceeded") as raised:
        YouTubeConnector(context_for(replay)).profile(AccountRef("trailkitchen"))
    assert raised.value.retry_after == 900.0
    assert "@trailkitchen" in str(raised.value)
    assert sleeps.calls == []


def test_a_request_spends_quota_in_its_own_transaction(
    context_for: ContextFor, session: Session
) -> None:
    """The portal's ledger: units go into the caller's session, and the limit still holds."""
    replay = Replay(Step("GET", "/search", "youtube/search_list.json"))
    ledger = SessionQuotaLedger(session, {Platform.YOUTUBE: 150}, clock=lambda: NOW)
    connector = YouTubeConnector(context_for(replay, quota=ledger))
    connector.search_channels("camp cooking", limit=2)
    day = quota_day(Platform.YOUTUBE, NOW)
    assert repository.quota_used(session, Platform.YOUTUBE, day) == 100
    with pytest.raises(QuotaExceeded, match="daily quota of 150 units is spent"):
        connector.search_channels("camp cooking", limit=2)
    assert len(replay.requests) == 1
    assert repository.quota_used(session, Platform.YOUTUBE, day) == 100
