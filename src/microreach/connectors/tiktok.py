"""TikTok Display API v2 for creators who connect through Login Kit (OAuth 2.0 with PKCE):
profile statistics and the video list with metrics. TikTok offers no public lookup, so an
account that has not connected is not refreshed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from microreach.connectors import oauth
from microreach.connectors.base import (
    AccountCapture,
    AccountRef,
    ConnectorContext,
    Insights,
    PostData,
    PostMetrics,
    ProfileData,
    TokenSet,
)
from microreach.connectors.errors import (
    ApiError,
    ConnectorError,
    RateLimited,
    ServiceUnavailable,
    TokenExpired,
    TokenRevoked,
)
from microreach.connectors.http import ApiClient, Page, paginate, retry_after_seconds
from microreach.creators.enums import Platform, PostType
from microreach.kit.errors import ConfigError

API_URL = "https://open.tiktokapis.com/v2/"
AUTH_URL = "https://www.tiktok.com/v2/auth/authorize/"
NAME = Platform.TIKTOK.value
SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list")
USER_FIELDS = (
    "open_id,union_id,avatar_url,display_name,bio_description,profile_deep_link,is_verified,"
    "username,follower_count,following_count,likes_count,video_count"
)
VIDEO_FIELDS = (
    "id,title,video_description,create_time,share_url,duration,"
    "view_count,like_count,comment_count,share_count"
)
MAX_COUNT = 20  # the Display API's largest page


def create(context: ConnectorContext) -> TikTokConnector | None:
    if not context.settings.tiktok_client_key:
        return None
    return TikTokConnector(context)


def check_response(response: httpx.Response, account: str | None) -> ConnectorError | None:
    """Map the v2 envelope ({"data": ..., "error": {"code", "message", "log_id"}}); code "ok"
    is success, also on HTTP 200. The OAuth endpoint answers {"error", "error_description"}."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):
        return _oauth_error(error, body, account)
    if not isinstance(error, dict) or error.get("code") in (None, "ok"):
        return None
    code = str(error["code"])
    detail = f"{error.get('message', '')} (code {code}, log_id {error.get('log_id', '-')})"
    if code == "access_token_invalid":
        return TokenExpired(
            NAME, f"the access token is invalid or expired. {detail}", account=account
        )
    if code in ("scope_not_authorized", "scope_permission_missed"):
        return TokenRevoked(
            NAME, f"a needed permission was not granted; reconnect. {detail}", account=account
        )
    if code == "rate_limit_exceeded" or response.status_code == 429:
        return RateLimited(
            NAME,
            f"rate limited. {detail}",
            account=account,
            retry_after=retry_after_seconds(response),
        )
    if code == "internal_error" or response.status_code >= 500:
        return ServiceUnavailable(NAME, f"temporary error. {detail}", account=account)
    return ApiError(NAME, detail, account=account)


def _oauth_error(error: str, body: dict[str, Any], account: str | None) -> ConnectorError:
    detail = f"{body.get('error_description', '')} ({error}, log_id {body.get('log_id', '-')})"
    if error == "invalid_grant":
        return TokenRevoked(
            NAME, f"the grant is invalid or expired; reconnect. {detail}", account=account
        )
    return ApiError(NAME, detail, account=account)


def parse_user(user: dict[str, Any]) -> ProfileData:
    return ProfileData(
        external_id=str(user["open_id"]),
        handle=str(user.get("username") or user["open_id"]).lower(),
        display_name=user.get("display_name"),
        bio=user.get("bio_description"),
        followers=user.get("follower_count"),
        following=user.get("following_count"),
        media_count=user.get("video_count"),
        verified=user.get("is_verified"),
        external_url=user.get("profile_deep_link"),
    )


def parse_video(video: dict[str, Any]) -> PostData:
    caption = video.get("video_description") or video.get("title")
    return PostData(
        platform_post_id=str(video["id"]),
        post_type=PostType.VIDEO,
        posted_at=datetime.fromtimestamp(int(video["create_time"]), UTC),
        url=video.get("share_url"),
        caption=caption or None,
        metrics=_metrics(video),
    )


def _metrics(video: dict[str, Any]) -> PostMetrics:
    return PostMetrics(
        views=video.get("view_count"),
        likes=video.get("like_count"),
        comments=video.get("comment_count"),
        shares=video.get("share_count"),
    )


class TikTokConnector:
    platform = Platform.TIKTOK
    needs_connection = True

    def __init__(self, context: ConnectorContext) -> None:
        self._settings = context.settings
        self._clock = context.clock
        self._client = ApiClient(
            NAME,
            API_URL,
            context,
            check_response,
            timeout=context.settings.connector_timeout_seconds,
        )

    def _headers(self, account: AccountRef) -> dict[str, str]:
        if not account.access_token:
            raise TokenExpired(
                NAME, "TikTok data needs the creator to connect", account=account.label
            )
        return {"Authorization": f"Bearer {account.access_token}"}

    def profile(self, account: AccountRef) -> ProfileData:
        response = self._client.request(
            "GET",
            "user/info/",
            params={"fields": USER_FIELDS},
            headers=self._headers(account),
            account=account.label,
        )
        return parse_user(response.json()["data"]["user"])

    def _video_page(self, account: AccountRef, cursor: str | None, size: int) -> Page[PostData]:
        body: dict[str, Any] = {"max_count": size}
        if cursor:
            body["cursor"] = int(cursor)
        response = self._client.request(
            "POST",
            "video/list/",
            params={"fields": VIDEO_FIELDS},
            json=body,
            headers=self._headers(account),
            account=account.label,
        )
        data = response.json()["data"]
        more = data.get("has_more") and data.get("cursor")
        return Page(
            [parse_video(v) for v in data.get("videos", [])], str(data["cursor"]) if more else None
        )

    def recent_posts(self, account: AccountRef, limit: int) -> list[PostData]:
        size = min(limit, MAX_COUNT)
        return list(paginate(lambda cursor: self._video_page(account, cursor, size), limit))

    def post_metrics(self, account: AccountRef, post_ids: Sequence[str]) -> dict[str, PostMetrics]:
        found: dict[str, PostMetrics] = {}
        for start in range(0, len(post_ids), MAX_COUNT):
            response = self._client.request(
                "POST",
                "video/query/",
                params={"fields": VIDEO_FIELDS},
                json={"filters": {"video_ids": list(post_ids[start : start + MAX_COUNT])}},
                headers=self._headers(account),
                account=account.label,
            )
            for video in response.json()["data"].get("videos", []):
                found[str(video["id"])] = _metrics(video)
        return found

    def insights(self, account: AccountRef, post_ids: Sequence[str]) -> Insights:
        """The Display API gives no reach or audience; the counts come with the video list."""
        return Insights()

    def capture(self, account: AccountRef, *, posts: int) -> AccountCapture:
        return AccountCapture(
            profile=self.profile(account), posts=self.recent_posts(account, posts)
        )

    # Login Kit: OAuth 2.0 authorization code with PKCE.

    def authorize_url(self, redirect_uri: str, state: str, pkce: oauth.Pkce) -> str:
        return oauth.authorize_url(
            AUTH_URL,
            {
                "client_key": self._client_key(),
                "scope": ",".join(SCOPES),
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "state": state,
                "code_challenge": pkce.challenge,
                "code_challenge_method": pkce.method,
            },
        )

    def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> TokenSet:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            }
        )

    def refresh_token(self, tokens: TokenSet) -> TokenSet | None:
        if not tokens.refresh_token:
            return None
        return self._token({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})

    def revoke(self, access_token: str) -> None:
        """Withdraw the app's access (Login Kit's revoke endpoint)."""
        data = {
            "client_key": self._client_key(),
            "client_secret": self._client_secret(),
            "token": access_token,
        }
        try:
            self._client.request(
                "POST", "oauth/revoke/", data=data, headers={"Cache-Control": "no-cache"}
            )
        except TokenRevoked:
            return

    def _token(self, form: dict[str, str]) -> TokenSet:
        data = {"client_key": self._client_key(), "client_secret": self._client_secret(), **form}
        body = self._client.request(
            "POST", "oauth/token/", data=data, headers={"Cache-Control": "no-cache"}
        ).json()
        now = self._clock()
        return TokenSet(
            access_token=str(body["access_token"]),
            expires_at=oauth.expires_at(now, body.get("expires_in")),
            refresh_token=body.get("refresh_token"),
            refresh_expires_at=oauth.expires_at(now, body.get("refresh_expires_in")),
            scopes=tuple(s for s in str(body.get("scope", "")).split(",") if s),
            external_user_id=body.get("open_id"),
        )

    def _client_key(self) -> str:
        if not self._settings.tiktok_client_key:
            raise ConfigError("MICROREACH_TIKTOK_CLIENT_KEY", "is needed for TikTok Login Kit")
        return self._settings.tiktok_client_key

    def _client_secret(self) -> str:
        if not self._settings.tiktok_client_secret:
            raise ConfigError("MICROREACH_TIKTOK_CLIENT_SECRET", "is needed for TikTok Login Kit")
        return self._settings.tiktok_client_secret
