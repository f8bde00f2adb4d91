"""Instagram Graph API through the real client, against recorded Business Discovery,
comments, insights, error and OAuth responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from microreach.connectors.base import AccountRef
from microreach.connectors.errors import AccountNotFound, RateLimited, TokenExpired
from microreach.connectors.instagram import InstagramConnector
from microreach.creators.enums import AudienceDimension, PostType
from tests.connectors.conftest import NOW, ContextFor
from tests.connectors.replay import Replay, Sleeps, Step

USER = "17841405309211844"  # the installation's account that asks Business Discovery
OWN = "17841401441775531"  # the creator's own account id when connected


def test_profile_and_recent_media_across_two_pages(context_for: ContextFor) -> None:
    replay = Replay(
        Step("GET", f"/v21.0/{USER}", "instagram/business_discovery_page1.json"),
        Step("GET", f"/v21.0/{USER}", "instagram/business_discovery_page2.json"),
    )
    connector = InstagramConnector(context_for(replay))
    capture = connector.capture(AccountRef("bluebottle"), posts=5)

    profile = capture.profile
    assert (profile.external_id, profile.handle) == (OWN, "bluebottle")
    assert (profile.followers, profile.following, profile.media_count) == (267793, 412, 1205)
    assert profile.bio is not None and "MR-7QK2ZD" in profile.bio
    assert [p.platform_post_id for p in capture.posts] == [
        "17858843269216389",
        "17894036119131554",
        "17899506308402767",
        "17842270885107442",
        "17863423036086721",
    ]
    first, reel, carousel = capture.posts[:3]
    assert first.post_type is PostType.PHOTO
    assert (first.metrics.likes, first.metrics.comments) == (5837, 50)
    assert first.posted_at == datetime(2026, 11, 20, 15, 3, 12, tzinfo=UTC)
    assert reel.post_type is PostType.REEL and carousel.post_type is PostType.CAROUSEL
    assert carousel.metrics.likes is None  # hidden like count: unknown, not zero
    assert capture.comments == () and capture.audience == ()
    fields = [r.url.params["fields"] for r in replay.requests]
    assert fields[0].startswith("business_discovery.username(bluebottle){")
    assert "media.limit(5){" in fields[0]
    assert "media.after(QVFIUmx1WTBpMGpIWmt1MmVPSnFNV).limit(5){" in fields[1]
    assert all(r.url.params["access_token"] == "EAAGinstallationtoken" for r in replay.requests)
    assert replay.done()


def test_connected_account_adds_insights_comments_and_audience(context_for: ContextFor) -> None:
    ids = ["17858843269216389", "17894036119131554", "17899506308402767"]
    replay = Replay(
        Step("GET", f"/v21.0/{OWN}", "instagram/business_discovery_page1.json"),
        *[Step("GET", f"/{i}/insights", "instagram/media_insights.json") for i in ids],
        Step("GET", f"/{OWN}/insights", "instagram/follower_demographics_country.json"),
        Step("GET", f"/{OWN}/insights", "instagram/follower_demographics_age.json"),
        Step("GET", f"/{OWN}/insights", "instagram/follower_demographics_gender.json"),
        Step("GET", f"/{ids[0]}/comments", "instagram/media_comments.json"),
        Step(
            "GET",
            f"/{ids[0]}/comments",
            "instagram/media_comments_page2.json",
            params={"after": "QVFIUlJ4cHJtSE9CN"},
        ),
        Step("GET", f"/{ids[1]}/comments", "instagram/empty_comments.json"),
        Step("GET", f"/{ids[2]}/comments", "instagram/empty_comments.json"),
    )
    connector = InstagramConnector(context_for(replay))
    capture = connector.capture(AccountRef("bluebottle", OWN, "EAAGcreatortoken"), posts=3)

    metrics = capture.posts[0].metrics
    assert (metrics.likes, metrics.comments) == (5837, 50)  # public counts kept
    assert (metrics.reach, metrics.saves, metrics.shares, metrics.views) == (12250, 310, 97, 20411)
    shares = {(a.dimension, a.key): a.share for a in capture.audience}
    assert shares[(AudienceDimension.COUNTRY, "US")] == 0.6
    assert shares[(AudienceDimension.AGE, "25-34")] == 0.5
    assert shares[(AudienceDimension.GENDER, "female")] == 0.64
    assert shares[(AudienceDimension.GENDER, "other")] == 0.01
    comments = {c.platform_comment_id: c for c in capture.comments}
    assert len(comments) == 4
    reply = comments["17873440459141021"]
    assert reply.parent_platform_id == "17870913679156914" and reply.author_handle == "bluebottle"
    assert comments["17881770991003542"].author_handle == "bean.counter"
    assert all(r.url.params["access_token"] == "EAAGcreatortoken" for r in replay.requests)
    assert replay.done()


def test_expired_token_names_the_account(context_for: ContextFor) -> None:
    replay = Replay(
        Step("GET", f"/{OWN}", "instagram/error_token_expired.json", status=400),
    )
    connector = InstagramConnector(context_for(replay))
    with pytest.raises(TokenExpired) as info:
        connector.profile(AccountRef("bluebottle", OWN, "EAAGexpired"))
    message = str(info.value)
    assert message.startswith("instagram for @bluebottle: the access token has expired")
    assert "code 190/463" in message and "fbtrace_id AWswcVwbcqfgrSgjG80MtqJ" in message


def test_a_personal_or_missing_account_is_not_found(context_for: ContextFor) -> None:
    replay = Replay(Step("GET", f"/{USER}", "instagram/error_not_found.json", status=400))
    with pytest.raises(AccountNotFound, match="@nosuchcafe: no public business or creator"):
        InstagramConnector(context_for(replay)).profile(AccountRef("nosuchcafe"))


def test_throttling_is_retried_then_succeeds(context_for: ContextFor, sleeps: Sleeps) -> None:
    replay = Replay(
        Step("GET", f"/{USER}", "instagram/error_rate_limit.json", status=400),
        Step("GET", f"/{USER}", "instagram/business_discovery_page2.json"),
    )
    profile = InstagramConnector(context_for(replay)).profile(AccountRef("bluebottle"))
    assert profile.followers == 267793
    assert sleeps.calls == [0.5]


def test_time_to_regain_access_is_honoured_as_a_long_wait(
    context_for: ContextFor, sleeps: Sleeps
) -> None:
    usage = {OWN: [{"type": "instagram", "call_count": 100, "total_cputime": 20, "total_time": 25,
                    "estimated_time_to_regain_access": 30}]}  # fmt: skip
    replay = Replay(
        Step(
            "GET",
            f"/{USER}",
            "instagram/error_rate_limit.json",
            status=400,
            headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        )
    )
    with pytest.raises(RateLimited) as info:
        InstagramConnector(context_for(replay)).profile(AccountRef("bluebottle"))
    assert info.value.retry_after == 1800.0
    assert sleeps.calls == []


def test_usage_headers_near_the_limit_stop_further_calls(context_for: ContextFor) -> None:
    usage = json.dumps({"call_count": 97, "total_time": 40, "total_cputime": 35})
    replay = Replay(
        Step(
            "GET",
            f"/{USER}",
            "instagram/business_discovery_page2.json",
            headers={"X-App-Usage": usage},
        )
    )
    connector = InstagramConnector(context_for(replay))
    connector.profile(AccountRef("bluebottle"))
    assert connector.usage == 97
    with pytest.raises(RateLimited, match="97% of Meta's hourly allowance"):
        connector.profile(AccountRef("bluebottle"))
    assert len(replay.requests) == 1


def test_facebook_login_url_code_exchange_and_long_lived_token(context_for: ContextFor) -> None:
    replay = Replay(
        Step("GET", "/v21.0/oauth/access_token", "instagram/oauth_access_token.json"),
        Step(
            "GET",
            "/v21.0/oauth/access_token",
            "instagram/oauth_long_lived_token.json",
            params={"grant_type": "fb_exchange_token"},
        ),
        Step("GET", "/v21.0/me/accounts", "instagram/me_accounts.json"),
    )
    connector = InstagramConnector(context_for(replay))
    url = urlparse(connector.authorize_url("https://mr.example/connect/instagram", "st4te"))
    query = parse_qs(url.query)
    assert url.netloc == "www.facebook.com" and url.path == "/v21.0/dialog/oauth"
    assert query["client_id"] == ["1234567890"] and query["state"] == ["st4te"]
    assert "instagram_manage_insights" in query["scope"][0].split(",")

    tokens = connector.exchange_code("AQDcode", "https://mr.example/connect/instagram", NOW)
    assert tokens.access_token == "EAAGm0PX4ZCpsBAlonglivedtoken"
    assert tokens.expires_at == NOW + timedelta(seconds=5183944)
    first, second = replay.requests[:2]
    assert first.url.params["code"] == "AQDcode"
    assert first.url.params["client_secret"] == "ig-app-secret"
    assert second.url.params["fb_exchange_token"] == "EAAGm0PX4ZCpsBAshortlivedtoken"
    assert connector.linked_accounts(tokens.access_token) == [(OWN, "bluebottle")]
