"""A minimal third-party connector, as a plugin package would register it."""

from __future__ import annotations

from collections.abc import Sequence

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
from microreach.creators.enums import Platform


class TwitchConnector:
    platform = Platform.TWITCH
    needs_connection = False

    def profile(self, account: AccountRef) -> ProfileData:
        return ProfileData(account.handle, account.handle)

    def recent_posts(self, account: AccountRef, limit: int) -> list[PostData]:
        return []

    def post_metrics(self, account: AccountRef, post_ids: Sequence[str]) -> dict[str, PostMetrics]:
        return {}

    def insights(self, account: AccountRef, post_ids: Sequence[str]) -> Insights:
        return Insights()

    def capture(self, account: AccountRef, *, posts: int) -> AccountCapture:
        return AccountCapture(self.profile(account))

    def refresh_token(self, tokens: TokenSet) -> TokenSet | None:
        return None


def create(context: ConnectorContext) -> TwitchConnector:
    return TwitchConnector()
