"""Instagram Graph API: Business Discovery for public business and creator accounts, and, for a
creator who connected through Facebook Login, comments, media insights and audience shares.

Business Discovery is asked through the installation's own Instagram professional account
(MICROREACH_INSTAGRAM_USER_ID and its token) unless the account connected, in which case its
own token and id are used. Personal accounts are invisible to it: they come back as not found.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from microreach.connectors import oauth
from microreach.connectors.base import (
    AccountCapture,
    AccountRef,
    AudienceData,
    CommentData,
    ConnectorContext,
    Insights,
    PostData,
    PostMetrics,
    ProfileData,
    TokenSet,
)
from microreach.connectors.errors import ApiError, RateLimited, TokenExpired
from microreach.connectors.http import ApiClient, Page, paginate
from microreach.connectors.instagram_graph import (
    BREAKDOWNS,
    COMMENT_FIELDS,
    DIALOG_URL,
    GRAPH_URL,
    MEDIA_FIELDS,
    MEDIA_INSIGHTS,
    NAME,
    PAGE_SIZE,
    PROFILE_FIELDS,
    SCOPES,
    USAGE_CEILING,
    check_response,
    parse_comment,
    parse_media,
    parse_media_insights,
    parse_profile,
    parse_shares,
    usage_percent,
    with_metrics,
)
from microreach.creators.enums import Platform
from microreach.kit.errors import ConfigError

log = logging.getLogger(__name__)


def create(context: ConnectorContext) -> InstagramConnector | None:
    settings = context.settings
    if not (settings.instagram_access_token or settings.instagram_app_id):
        return None
    return InstagramConnector(context)


class InstagramConnector:
    platform = Platform.INSTAGRAM

    def __init__(self, context: ConnectorContext) -> None:
        settings = context.settings
        self._settings = settings
        self._clock = context.clock
        self.needs_connection = not (settings.instagram_user_id and settings.instagram_access_token)
        self._version = settings.instagram_graph_version
        self.usage: int | None = None
        self._client = ApiClient(
            NAME,
            f"{GRAPH_URL}/{self._version}/",
            context,
            check_response,
            timeout=settings.connector_timeout_seconds,
            on_response=self._record_usage,
        )

    def _record_usage(self, response: httpx.Response) -> None:
        seen = usage_percent(response)
        if seen is not None:
            self.usage = seen

    def _get(self, path: str, params: dict[str, Any], account: AccountRef | None) -> Any:
        if self.usage is not None and self.usage >= USAGE_CEILING:
            raise RateLimited(
                NAME,
                f"{self.usage}% of Meta's hourly allowance is used; waiting before more calls",
                account=account.label if account else None,
                retry_after=3600.0,
            )
        return self._client.get_json(
            path, params=params, account=account.label if account else None
        )

    def _asker(self, account: AccountRef) -> tuple[str, str]:
        """Whose id and token ask Business Discovery: the account's own when it connected."""
        if account.access_token and account.external_id:
            return account.external_id, account.access_token
        user_id = self._settings.instagram_user_id
        token = self._settings.instagram_access_token
        if not (user_id and token):
            raise ConfigError(
                "MICROREACH_INSTAGRAM_ACCESS_TOKEN",
                "Business Discovery needs MICROREACH_INSTAGRAM_USER_ID and "
                "MICROREACH_INSTAGRAM_ACCESS_TOKEN (an Instagram professional account's token)",
            )
        return user_id, token

    def _discover(self, account: AccountRef, media: str | None) -> dict[str, Any]:
        user_id, token = self._asker(account)
        inner = PROFILE_FIELDS if media is None else f"{PROFILE_FIELDS},{media}"
        fields = f"business_discovery.username({account.handle}){{{inner}}}"
        body = self._get(user_id, {"fields": fields, "access_token": token}, account)
        return dict(body["business_discovery"])

    def profile(self, account: AccountRef) -> ProfileData:
        return parse_profile(self._discover(account, None))

    def _media_page(
        self, account: AccountRef, cursor: str | None, size: int
    ) -> tuple[dict[str, Any], Page[PostData]]:
        after = f".after({cursor})" if cursor else ""
        body = self._discover(account, f"media{after}.limit({size}){{{MEDIA_FIELDS}}}")
        media = body.get("media") or {}
        items = [parse_media(m) for m in media.get("data", [])]
        return body, Page(items, (media.get("paging") or {}).get("cursors", {}).get("after"))

    def recent_posts(self, account: AccountRef, limit: int) -> list[PostData]:
        size = min(limit, PAGE_SIZE)
        return list(paginate(lambda cursor: self._media_page(account, cursor, size)[1], limit))

    def post_metrics(self, account: AccountRef, post_ids: Sequence[str]) -> dict[str, PostMetrics]:
        _, token = self._asker(account)
        found: dict[str, PostMetrics] = {}
        for post_id in post_ids:
            body = self._get(
                post_id, {"fields": "like_count,comments_count", "access_token": token}, account
            )
            found[post_id] = PostMetrics(
                likes=body.get("like_count"), comments=body.get("comments_count")
            )
        return found

    def capture(self, account: AccountRef, *, posts: int) -> AccountCapture:
        size = min(posts, PAGE_SIZE)
        first, first_page = self._media_page(account, None, size)
        pages = iter([first_page])

        def fetch(cursor: str | None) -> Page[PostData]:
            if cursor is None:
                return next(pages)
            return self._media_page(account, cursor, size)[1]

        media = list(paginate(fetch, posts))
        profile = parse_profile(first)
        if not account.access_token:
            return AccountCapture(profile=profile, posts=media)
        own = AccountRef(account.handle, profile.external_id, account.access_token)
        ids = [p.platform_post_id for p in media]
        insights = self.insights(own, ids)
        merged = [
            with_metrics(
                p, p.metrics.merged(insights.post_metrics.get(p.platform_post_id, PostMetrics()))
            )
            for p in media
        ]
        return AccountCapture(
            profile=profile,
            posts=merged,
            comments=self.comments(own, ids),
            audience=insights.audience,
        )

    def comments(
        self, account: AccountRef, post_ids: Sequence[str], limit: int = 200
    ) -> list[CommentData]:
        """Comments (and their replies) on the account's own media; needs its token."""
        token = _own_token(account)
        found: list[CommentData] = []
        for post_id in post_ids:

            def fetch(cursor: str | None, post_id: str = post_id) -> Page[dict[str, Any]]:
                params = {
                    "fields": f"{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}",
                    "limit": PAGE_SIZE,
                    "access_token": token,
                }
                if cursor:
                    params["after"] = cursor
                body = self._get(f"{post_id}/comments", params, account)
                paging = body.get("paging") or {}
                more = paging.get("cursors", {}).get("after") if paging.get("next") else None
                return Page(list(body.get("data", [])), more)

            for item in paginate(fetch, limit):
                found.append(parse_comment(item, post_id, None))
                for reply in (item.get("replies") or {}).get("data", []):
                    found.append(parse_comment(reply, post_id, str(item["id"])))
        return found

    def insights(self, account: AccountRef, post_ids: Sequence[str]) -> Insights:
        token = _own_token(account)
        metrics: dict[str, PostMetrics] = {}
        for post_id in post_ids:
            try:
                body = self._get(
                    f"{post_id}/insights",
                    {"metric": MEDIA_INSIGHTS, "access_token": token},
                    account,
                )
            except ApiError as exc:  # e.g. a metric the media type does not support
                log.info("no insights for media %s: %s", post_id, exc)
                continue
            metrics[post_id] = parse_media_insights(body)
        return Insights(post_metrics=metrics, audience=self.audience(account))

    def audience(self, account: AccountRef) -> list[AudienceData]:
        token = _own_token(account)
        shares: list[AudienceData] = []
        for breakdown, dimension in BREAKDOWNS.items():
            params = {
                "metric": "follower_demographics",
                "period": "lifetime",
                "metric_type": "total_value",
                "breakdown": breakdown,
                "access_token": token,
            }
            body = self._get(f"{account.external_id}/insights", params, account)
            shares += parse_shares(body, dimension)
        return shares

    def refresh_token(self, tokens: TokenSet) -> TokenSet | None:
        """A long-lived user token is renewed by exchanging it again while it is still valid."""
        return self.long_lived_token(tokens.access_token)

    # Facebook Login (OAuth) for creators who connect their professional account.

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        return oauth.authorize_url(
            f"{DIALOG_URL}/{self._version}/dialog/oauth",
            {
                "client_id": self._app_id(),
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": ",".join(SCOPES),
                "response_type": "code",
            },
        )

    def exchange_code(self, code: str, redirect_uri: str, now: datetime) -> TokenSet:
        """The short-lived token for a callback's code, then exchanged for a long-lived one."""
        body = self._client.get_json(
            "oauth/access_token",
            params={
                "client_id": self._app_id(),
                "client_secret": self._app_secret(),
                "redirect_uri": redirect_uri,
                "code": code,
            },
        )
        return self.long_lived_token(str(body["access_token"]), now)

    def long_lived_token(self, short_lived: str, now: datetime | None = None) -> TokenSet:
        body = self._client.get_json(
            "oauth/access_token",
            params={
                "grant_type": "fb_exchange_token",
                "client_id": self._app_id(),
                "client_secret": self._app_secret(),
                "fb_exchange_token": short_lived,
            },
        )
        return TokenSet(
            access_token=str(body["access_token"]),
            expires_at=oauth.expires_at(now or self._clock(), body.get("expires_in")),
            scopes=SCOPES,
        )

    def linked_accounts(self, user_token: str) -> list[tuple[str, str]]:
        """(Instagram user id, username) of professional accounts linked to the person's Pages."""
        body = self._client.get_json(
            "me/accounts",
            params={
                "fields": "instagram_business_account{id,username}",
                "access_token": user_token,
            },
        )
        found = []
        for page in body.get("data", []):
            linked = page.get("instagram_business_account")
            if linked:
                found.append((str(linked["id"]), str(linked["username"]).lower()))
        return found

    def revoke(self, access_token: str) -> None:
        """Withdraw every permission the person granted the app (DELETE /me/permissions)."""
        try:
            self._client.request("DELETE", "me/permissions", params={"access_token": access_token})
        except TokenExpired:  # expired or already revoked: nothing left to withdraw
            return

    def _app_id(self) -> str:
        if not self._settings.instagram_app_id:
            raise ConfigError("MICROREACH_INSTAGRAM_APP_ID", "is needed for Facebook Login")
        return self._settings.instagram_app_id

    def _app_secret(self) -> str:
        if not self._settings.instagram_app_secret:
            raise ConfigError("MICROREACH_INSTAGRAM_APP_SECRET", "is needed for Facebook Login")
        return self._settings.instagram_app_secret


def _own_token(account: AccountRef) -> str:
    if not account.access_token or not account.external_id:
        raise TokenExpired(
            NAME, "comments and insights need the account to connect", account=account.label
        )
    return account.access_token
