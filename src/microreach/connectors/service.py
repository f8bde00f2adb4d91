"""Connecting a creator's platform account (OAuth), as the portal's connect buttons will call it.

`start_connection` gives the URL to send the creator to, plus the state and PKCE verifier the
caller keeps in the creator's server-side session; `finish_connection` checks the state,
exchanges the callback's code and stores the tokens encrypted. The web routes are thin
wrappers around these two (they arrive with the creator portal).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.connectors import oauth, tokens
from microreach.connectors.base import ConnectorContext, TokenSet
from microreach.connectors.instagram import InstagramConnector
from microreach.connectors.models import PlatformConnection
from microreach.connectors.tiktok import TikTokConnector
from microreach.connectors.youtube import YouTubeConnector
from microreach.creators.enums import Platform
from microreach.creators.models import PlatformAccount
from microreach.kit.errors import ForbiddenError, InvalidError

OAUTH_PLATFORMS = (Platform.INSTAGRAM, Platform.YOUTUBE, Platform.TIKTOK)


@dataclass(frozen=True)
class PendingConnection:
    """What the caller keeps in the creator's session between the redirect and the callback."""

    platform: Platform
    state: str
    verifier: str | None
    url: str


def start_connection(
    context: ConnectorContext, platform: Platform, redirect_uri: str
) -> PendingConnection:
    state = oauth.new_state()
    if platform is Platform.INSTAGRAM:  # Facebook Login takes no PKCE for confidential apps
        url = InstagramConnector(context).authorize_url(redirect_uri, state)
        return PendingConnection(platform, state, None, url)
    pkce = oauth.new_pkce()
    if platform is Platform.YOUTUBE:
        url = YouTubeConnector(context).authorize_url(redirect_uri, state, pkce)
    elif platform is Platform.TIKTOK:
        url = TikTokConnector(context).authorize_url(redirect_uri, state, pkce)
    else:
        raise InvalidError(f"{platform.value} cannot be connected", field="platform")
    return PendingConnection(platform, state, pkce.verifier, url)


def finish_connection(
    session: Session,
    context: ConnectorContext,
    account: PlatformAccount,
    pending: PendingConnection,
    *,
    state: str,
    code: str,
    redirect_uri: str,
) -> PlatformConnection:
    """Exchange the callback's code for tokens and store them for `account` (caller commits)."""
    if not hmac.compare_digest(state, pending.state):
        raise ForbiddenError("the sign-in answer does not match this session; start again")
    if account.platform is not pending.platform:
        raise InvalidError("the account is on another platform", field="platform")
    issued = _exchange(context, pending, code, redirect_uri, context.clock())
    cipher = tokens.TokenCipher(context.settings.secret_key)
    return tokens.save_connection(session, cipher, account, issued)


def _exchange(
    context: ConnectorContext,
    pending: PendingConnection,
    code: str,
    redirect_uri: str,
    now: datetime,
) -> TokenSet:
    if pending.platform is Platform.INSTAGRAM:
        return InstagramConnector(context).exchange_code(code, redirect_uri, now)
    if pending.verifier is None:
        raise InvalidError("the PKCE verifier is missing", field="verifier")
    if pending.platform is Platform.YOUTUBE:
        return YouTubeConnector(context).exchange_code(code, redirect_uri, pending.verifier)
    return TikTokConnector(context).exchange_code(code, redirect_uri, pending.verifier)


def settings_allow(settings: Settings, platform: Platform) -> bool:
    """Whether the installation has the app credentials to offer this platform's button."""
    return {
        Platform.INSTAGRAM: bool(settings.instagram_app_id and settings.instagram_app_secret),
        Platform.YOUTUBE: bool(settings.youtube_client_id and settings.youtube_client_secret),
        Platform.TIKTOK: bool(settings.tiktok_client_key and settings.tiktok_client_secret),
    }.get(platform, False)
