"""YouTube Data API v3: channels, the uploads playlist, video statistics, comment threads and
channel search for discovery seeding; an API key for public data, Google OAuth for creators
who connect; every call's quota cost is spent from the daily ledger before it is made."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx

from microreach.connectors import oauth
from microreach.connectors.base import (
    AccountCapture,
    AccountRef,
    CommentData,
    ConnectorContext,
    Insights,
    PostData,
    PostMetrics,
    ProfileData,
    TokenSet,
)
from microreach.connectors.errors import (
    AccountNotFound,
    ApiError,
    ConnectorError,
    PrivateAccount,
    QuotaExceeded,
    RateLimited,
    ServiceUnavailable,
    TokenExpired,
    TokenRevoked,
)
from microreach.connectors.http import ApiClient, Page, paginate, retry_after_seconds
from microreach.connectors.quota import quota_resets_at
from microreach.creators.enums import Platform, PostType
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConfigError

log = logging.getLogger(__name__)

API_URL = "https://www.googleapis.com/youtube/v3/"
AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
REVOKE_URL = "https://oauth2.googleapis.com/revoke"
SCOPES = ("https://www.googleapis.com/auth/youtube.readonly",)
NAME = Platform.YOUTUBE.value
# Quota units per call (https://developers.google.com/youtube/v3/determine_quota_cost).
COSTS = {"channels": 1, "playlistItems": 1, "videos": 1, "commentThreads": 1, "search": 100}
MAX_RESULTS = 50
COMMENT_VIDEOS = 5  # newest videos whose comment threads a capture reads
COMMENTS_PER_VIDEO = 100
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
NOT_FOUND_REASONS = frozenset({"channelNotFound", "playlistNotFound", "videoNotFound"})
PRIVATE_REASONS = frozenset({"playlistItemsNotAccessible", "forbidden", "channelClosed"})


def create(context: ConnectorContext) -> YouTubeConnector | None:
    settings = context.settings
    if not (settings.youtube_api_key or settings.youtube_client_id):
        return None
    return YouTubeConnector(context)


def check_response(response: httpx.Response, account: str | None) -> ConnectorError | None:
    """Map Google's error body ({"error": {"code", "message", "errors": [{"reason"}]}})."""
    if response.is_success:
        return None
    try:
        error = response.json()["error"]
        if isinstance(error, str):
            return _oauth_error(error, response.json(), account)
        reasons = {str(e.get("reason")) for e in error.get("errors", [])}
        message = str(error.get("message", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    status = response.status_code
    detail = f"{message} ({', '.join(sorted(reasons)) or status})"
    if reasons & QUOTA_REASONS:
        return QuotaExceeded(
            NAME,
            f"Google reports the daily quota spent. {detail}",
            account=account,
            resets_at=quota_resets_at(Platform.YOUTUBE, utcnow()),
        )
    if status == 401 or "authError" in reasons:
        return TokenExpired(
            NAME, f"the access token is invalid or expired. {detail}", account=account
        )
    if status == 429 or reasons & RATE_REASONS:
        return RateLimited(
            NAME,
            f"rate limited. {detail}",
            account=account,
            retry_after=retry_after_seconds(response),
        )
    if reasons & NOT_FOUND_REASONS:
        return AccountNotFound(NAME, f"not found. {detail}", account=account)
    if reasons & PRIVATE_REASONS:
        return PrivateAccount(
            NAME, f"the channel's videos are private or closed. {detail}", account=account
        )
    if status >= 500:
        return ServiceUnavailable(NAME, f"temporary error. {detail}", account=account)
    return ApiError(NAME, detail, account=account)


def _oauth_error(error: str, body: dict[str, Any], account: str | None) -> ConnectorError:
    """Google's OAuth endpoints answer {"error": "invalid_grant", "error_description": ...}."""
    detail = f"{body.get('error_description') or error} ({error})"
    if error in ("invalid_grant", "invalid_token"):
        return TokenRevoked(
            NAME, f"the grant is invalid, expired or revoked; reconnect. {detail}", account=account
        )
    return ApiError(NAME, detail, account=account)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _int(value: Any) -> int | None:
    """YouTube sends counts as strings and leaves them out when hidden or disabled."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_channel(item: dict[str, Any]) -> ProfileData:
    snippet = item.get("snippet", {})
    stats = item.get("statistics", {})
    handle = str(snippet.get("customUrl") or item["id"]).lstrip("@").lower()
    hidden = bool(stats.get("hiddenSubscriberCount"))
    return ProfileData(
        external_id=str(item["id"]),
        handle=handle,
        display_name=snippet.get("title"),
        bio=snippet.get("description"),
        followers=None if hidden else _int(stats.get("subscriberCount")),
        media_count=_int(stats.get("videoCount")),
        country=snippet.get("country"),
        account_created_at=parse_time(snippet["publishedAt"])
        if snippet.get("publishedAt")
        else None,
    )


def parse_video(item: dict[str, Any]) -> PostData:
    snippet = item.get("snippet", {})
    stats = item.get("statistics", {})
    caption = "\n".join(t for t in (snippet.get("title"), snippet.get("description")) if t)
    return PostData(
        platform_post_id=str(item["id"]),
        post_type=PostType.LIVE
        if snippet.get("liveBroadcastContent") == "live"
        else PostType.VIDEO,
        posted_at=parse_time(snippet["publishedAt"]),
        url=f"https://www.youtube.com/watch?v={item['id']}",
        caption=caption or None,
        is_paid_partnership=bool(
            item.get("paidProductPlacementDetails", {}).get("hasPaidProductPlacement")
        ),
        metrics=_video_metrics(stats),
    )


def _video_metrics(stats: dict[str, Any]) -> PostMetrics:
    return PostMetrics(
        views=_int(stats.get("viewCount")),
        likes=_int(stats.get("likeCount")),
        comments=_int(stats.get("commentCount")),
    )


class YouTubeConnector:
    platform = Platform.YOUTUBE

    def __init__(self, context: ConnectorContext) -> None:
        self._settings = context.settings
        self.needs_connection = not context.settings.youtube_api_key
        self._quota = context.quota
        self._clock = context.clock
        self._client = ApiClient(
            NAME,
            API_URL,
            context,
            check_response,
            timeout=context.settings.connector_timeout_seconds,
        )

    def _call(self, resource: str, params: dict[str, Any], account: AccountRef | None) -> Any:
        label = account.label if account else None
        if self._quota is not None:
            self._quota.spend(Platform.YOUTUBE, COSTS[resource], account=label)
        headers: dict[str, str] = {}
        query = dict(params)
        if account is not None and account.access_token:
            headers["Authorization"] = f"Bearer {account.access_token}"
        elif self._settings.youtube_api_key:
            query["key"] = self._settings.youtube_api_key
        else:
            raise ConfigError("MICROREACH_YOUTUBE_API_KEY", "is needed to read public channels")
        response = self._client.request(
            "GET", resource, params=query, headers=headers, account=label
        )
        return response.json()

    def _channel(self, account: AccountRef) -> dict[str, Any]:
        params: dict[str, Any] = {"part": "snippet,statistics,contentDetails"}
        if account.external_id:
            params["id"] = account.external_id
        else:
            params["forHandle"] = f"@{account.handle}"
        items = self._call("channels", params, account).get("items") or []
        if not items:
            raise AccountNotFound(NAME, "no channel with this handle or id", account=account.label)
        return dict(items[0])

    def profile(self, account: AccountRef) -> ProfileData:
        return parse_channel(self._channel(account))

    def _uploads(self, account: AccountRef, playlist: str, limit: int) -> list[str]:
        def fetch(cursor: str | None) -> Page[str]:
            params = {
                "part": "contentDetails",
                "playlistId": playlist,
                "maxResults": min(limit, MAX_RESULTS),
            }
            if cursor:
                params["pageToken"] = cursor
            body = self._call("playlistItems", params, account)
            ids = [str(i["contentDetails"]["videoId"]) for i in body.get("items", [])]
            return Page(ids, body.get("nextPageToken"))

        return list(paginate(fetch, limit))

    def _videos(self, account: AccountRef, video_ids: Sequence[str]) -> Iterator[dict[str, Any]]:
        for start in range(0, len(video_ids), MAX_RESULTS):
            batch = ",".join(video_ids[start : start + MAX_RESULTS])
            params = {"part": "snippet,statistics,paidProductPlacementDetails", "id": batch}
            yield from self._call("videos", params, account).get("items", [])

    def recent_posts(self, account: AccountRef, limit: int) -> list[PostData]:
        channel = self._channel(account)
        return self._recent(account, channel, limit)

    def _recent(self, account: AccountRef, channel: dict[str, Any], limit: int) -> list[PostData]:
        playlist = channel.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")
        if not playlist:
            return []
        ids = self._uploads(account, str(playlist), limit)
        return [parse_video(v) for v in self._videos(account, ids)]

    def post_metrics(self, account: AccountRef, post_ids: Sequence[str]) -> dict[str, PostMetrics]:
        return {
            str(v["id"]): _video_metrics(v.get("statistics", {}))
            for v in self._videos(account, post_ids)
        }

    def insights(self, account: AccountRef, post_ids: Sequence[str]) -> Insights:
        """Reach and audience need the YouTube Analytics API, which is not connected yet."""
        return Insights()

    def comments(
        self, account: AccountRef, video_id: str, limit: int = COMMENTS_PER_VIDEO
    ) -> list[CommentData]:
        def fetch(cursor: str | None) -> Page[CommentData]:
            params = {
                "part": "snippet",
                "videoId": video_id,
                "maxResults": min(limit, 100),
                "order": "time",
                "textFormat": "plainText",
            }
            if cursor:
                params["pageToken"] = cursor
            body = self._call("commentThreads", params, account)
            items = [_thread_comment(t, video_id) for t in body.get("items", [])]
            return Page(items, body.get("nextPageToken"))

        try:
            return list(paginate(fetch, limit))
        except ApiError as exc:  # commentsDisabled and the like: the video simply has none
            log.info("no comments for video %s: %s", video_id, exc)
            return []

    def capture(self, account: AccountRef, *, posts: int) -> AccountCapture:
        channel = self._channel(account)
        profile = parse_channel(channel)
        own = AccountRef(profile.handle, profile.external_id, account.access_token)
        videos = self._recent(own, channel, posts)
        newest = sorted(videos, key=lambda v: v.posted_at, reverse=True)[:COMMENT_VIDEOS]
        comments = [c for v in newest for c in self.comments(own, v.platform_post_id)]
        return AccountCapture(profile=profile, posts=videos, comments=comments)

    def search_channels(self, query: str, limit: int = 50) -> list[tuple[str, str]]:
        """(channel id, title) of channels matching `query`, for discovery seeding (100 units
        a page)."""

        def fetch(cursor: str | None) -> Page[tuple[str, str]]:
            params = {
                "part": "snippet",
                "q": query,
                "type": "channel",
                "maxResults": min(limit, MAX_RESULTS),
            }
            if cursor:
                params["pageToken"] = cursor
            body = self._call("search", params, None)
            items = [
                (str(i["id"]["channelId"]), str(i.get("snippet", {}).get("title", "")))
                for i in body.get("items", [])
            ]
            return Page(items, body.get("nextPageToken"))

        return list(paginate(fetch, limit))

    # Google OAuth (authorization code with PKCE) for creators who connect their channel.

    def authorize_url(self, redirect_uri: str, state: str, pkce: oauth.Pkce) -> str:
        return oauth.authorize_url(
            AUTH_URL,
            {
                "client_id": self._client_id(),
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": " ".join(SCOPES),
                "access_type": "offline",
                "prompt": "consent",
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
        fresh = self._token({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})
        # Google keeps the refresh token unless it sends a new one.
        return TokenSet(
            access_token=fresh.access_token,
            expires_at=fresh.expires_at,
            refresh_token=fresh.refresh_token or tokens.refresh_token,
            scopes=fresh.scopes or tokens.scopes,
            external_user_id=tokens.external_user_id,
        )

    def own_channel(self, access_token: str) -> ProfileData:
        """The channel of the Google user who just signed in (channels.list with mine=true)."""
        me = AccountRef(handle="", access_token=access_token)
        params = {"part": "snippet,statistics", "mine": "true"}
        items = self._call("channels", params, me).get("items") or []
        if not items:
            raise AccountNotFound(
                NAME, "this Google account has no YouTube channel; create one and connect again"
            )
        return parse_channel(items[0])

    def revoke(self, access_token: str) -> None:
        """Withdraw the app's access (Google's revoke endpoint; an already dead token is fine)."""
        try:
            self._client.request("POST", REVOKE_URL, data={"token": access_token})
        except TokenRevoked:
            return

    def _token(self, form: dict[str, str]) -> TokenSet:
        data = {"client_id": self._client_id(), "client_secret": self._client_secret(), **form}
        body = self._client.request("POST", TOKEN_URL, data=data).json()
        return TokenSet(
            access_token=str(body["access_token"]),
            expires_at=oauth.expires_at(self._clock(), body.get("expires_in")),
            refresh_token=body.get("refresh_token"),
            scopes=tuple(str(body.get("scope", "")).split()),
        )

    def _client_id(self) -> str:
        if not self._settings.youtube_client_id:
            raise ConfigError("MICROREACH_YOUTUBE_CLIENT_ID", "is needed for Google sign-in")
        return self._settings.youtube_client_id

    def _client_secret(self) -> str:
        if not self._settings.youtube_client_secret:
            raise ConfigError("MICROREACH_YOUTUBE_CLIENT_SECRET", "is needed for Google sign-in")
        return self._settings.youtube_client_secret


def _thread_comment(thread: dict[str, Any], video_id: str) -> CommentData:
    top = thread["snippet"]["topLevelComment"]
    snippet = top["snippet"]
    # The display name is the author's @handle nowadays; the channel id stands in otherwise.
    name = str(snippet.get("authorDisplayName", ""))
    author = name if name.startswith("@") else snippet.get("authorChannelId", {}).get("value", name)
    return CommentData(
        platform_comment_id=str(top["id"]),
        platform_post_id=video_id,
        text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
        commented_at=parse_time(snippet["publishedAt"]),
        author_handle=str(author).lstrip("@").lower(),
        likes=_int(snippet.get("likeCount")),
    )
