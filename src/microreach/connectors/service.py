"""Connecting a creator's platform account from the portal (OAuth 2.0 authorization code).

Start: a row in `oauth_attempts` binds the attempt to the person and to their server-side
session (with the PKCE verifier, encrypted, for Google and TikTok); the `state` sent to the
platform is a `kit.signing` token naming that row and expiring with it (10 minutes).

Finish (the callback): the state must be genuine, unexpired, the person's own, from the same
session and for the same platform; the first callback spends it with one conditional UPDATE,
so a replayed or raced callback is refused. Then the code is exchanged through the platform's
client, the identity read (the Instagram professional accounts linked to the Facebook Pages the
person shared, the Google user's channel, the TikTok user), each account found or added, the
creator's claim verified by that sign-in, the tokens stored encrypted and a first capture made
(in a savepoint: a failed capture keeps the connection and is reported).

Disconnect revokes the grant at the platform, then deletes the stored tokens.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from microreach.accounts import claims
from microreach.accounts.models import User
from microreach.config import Settings
from microreach.connectors import oauth, repository, tokens
from microreach.connectors.base import AccountRef, ConnectorContext, ProfileData, TokenSet
from microreach.connectors.errors import AccountNotFound, ConnectorError
from microreach.connectors.instagram import InstagramConnector
from microreach.connectors.models import OAuthAttempt, PlatformConnection
from microreach.connectors.refresh import next_attempt, refresh_account
from microreach.connectors.tiktok import TikTokConnector
from microreach.connectors.youtube import YouTubeConnector
from microreach.creators.enums import CreatorKind, DataSource, Platform
from microreach.creators.models import Creator, PlatformAccount
from microreach.kit import signing
from microreach.kit.errors import ConfigError, ConflictError, InvalidError, NotFoundError

OAUTH_PLATFORMS = (Platform.INSTAGRAM, Platform.YOUTUBE, Platform.TIKTOK)
STATE_PURPOSE = "oauth-state"
STATE_TTL = timedelta(minutes=10)
CALLBACK_PATH = "/portal/connections/callback/{platform}"
CREDENTIALS = {
    Platform.INSTAGRAM: ("MICROREACH_INSTAGRAM_APP_ID", "MICROREACH_INSTAGRAM_APP_SECRET"),
    Platform.YOUTUBE: ("MICROREACH_YOUTUBE_CLIENT_ID", "MICROREACH_YOUTUBE_CLIENT_SECRET"),
    Platform.TIKTOK: ("MICROREACH_TIKTOK_CLIENT_KEY", "MICROREACH_TIKTOK_CLIENT_SECRET"),
}
STATE_MISMATCH = (
    "The answer from the platform does not match a connect request of this session (state "
    "mismatch): nothing was connected. Start again from the Connect button."
)


class StateError(InvalidError):
    """The callback's state is forged, foreign, expired or already used."""

    status_code = 400


@dataclass(frozen=True)
class Identity:
    """Who signed in at the platform, and the tokens their sign-in gave."""

    profile: ProfileData
    tokens: TokenSet


@dataclass(frozen=True)
class Connected:
    platform: Platform
    handles: list[str]
    capture_errors: list[str]


def settings_allow(settings: Settings, platform: Platform) -> bool:
    """Whether the installation has the app credentials to offer this platform's button."""
    return {
        Platform.INSTAGRAM: bool(settings.instagram_app_id and settings.instagram_app_secret),
        Platform.YOUTUBE: bool(settings.youtube_client_id and settings.youtube_client_secret),
        Platform.TIKTOK: bool(settings.tiktok_client_key and settings.tiktok_client_secret),
    }.get(platform, False)


def redirect_uri(settings: Settings, platform: Platform) -> str:
    """The callback registered with the platform: MICROREACH_PUBLIC_URL plus the route."""
    base = settings.resolved_public_url.rstrip("/")
    return base + CALLBACK_PATH.format(platform=platform.value)


def oauth_platform(name: str) -> Platform:
    try:
        platform = Platform(name)
    except ValueError:
        platform = None
    if platform not in OAUTH_PLATFORMS:
        known = ", ".join(p.value for p in OAUTH_PLATFORMS)
        raise NotFoundError(f"{name!r} cannot be connected (known: {known})", field="platform")
    assert platform is not None
    return platform


def _require_configured(settings: Settings, platform: Platform) -> None:
    if not settings_allow(settings, platform):
        setting, secret = CREDENTIALS[platform]
        raise ConfigError(
            setting,
            f"is not set (nor {secret}): the operator has not configured {platform.value} "
            "connections",
        )


def start_connection(
    session: Session,
    context: ConnectorContext,
    user: User,
    session_id: str,
    platform: Platform,
    now: datetime,
) -> str:
    """The platform's authorize URL for a new attempt of `user` in browser session
    `session_id` (the caller commits, so the attempt exists when the callback comes)."""
    settings = context.settings
    _require_configured(settings, platform)
    claims.list_claims(session, user)  # creators only
    cipher = tokens.TokenCipher(settings.secret_key)
    pkce = None if platform is Platform.INSTAGRAM else oauth.new_pkce()
    repository.delete_stale_attempts(session, user.id, now)
    attempt = repository.add_attempt(
        session,
        OAuthAttempt(
            user_id=user.id,
            session_id=session_id,
            platform=platform,
            verifier=cipher.encrypt(pkce.verifier) if pkce else None,
            created_at=now,
            expires_at=now + STATE_TTL,
        ),
    )
    state = signing.sign(settings.secret_key or "", STATE_PURPOSE, str(attempt.id), now + STATE_TTL)
    uri = redirect_uri(settings, platform)
    if platform is Platform.INSTAGRAM:  # Facebook Login: a confidential client, no PKCE
        return InstagramConnector(context).authorize_url(uri, state)
    assert pkce is not None
    if platform is Platform.YOUTUBE:
        return YouTubeConnector(context).authorize_url(uri, state, pkce)
    return TikTokConnector(context).authorize_url(uri, state, pkce)


def spend_state(
    session: Session,
    settings: Settings,
    user: User,
    session_id: str,
    platform: Platform,
    state: str,
    now: datetime,
) -> OAuthAttempt:
    """The attempt `state` names, spent; StateError when it is not this session's to spend."""
    try:
        payload = signing.unsign(settings.secret_key or "", STATE_PURPOSE, state, now)
        attempt_id = uuid.UUID(payload)
    except signing.ExpiredTokenError:
        raise StateError(
            "This connect request expired (they last 10 minutes): nothing was connected. "
            "Start again from the Connect button.",
            field="state",
        ) from None
    except (signing.BadSignatureError, ValueError):
        raise StateError(STATE_MISMATCH, field="state") from None
    attempt = repository.get_attempt(session, attempt_id)
    if (
        attempt is None
        or attempt.user_id != user.id
        or attempt.session_id != session_id
        or attempt.platform is not platform
    ):
        raise StateError(STATE_MISMATCH, field="state")
    if attempt.used_at is not None or not repository.spend_attempt(session, attempt.id, now):
        raise StateError(
            "This connect request was already used (a reload or a replayed link): nothing more "
            "was connected. Start again from the Connect button if needed.",
            field="state",
        )
    return attempt


def finish_connection(
    session: Session,
    context: ConnectorContext,
    user: User,
    session_id: str,
    platform: Platform,
    *,
    state: str,
    code: str,
    now: datetime,
) -> Connected:
    """Check the state, exchange the code, link, verify and store (the caller commits)."""
    settings = context.settings
    _require_configured(settings, platform)
    attempt = spend_state(session, settings, user, session_id, platform, state, now)
    cipher = tokens.TokenCipher(settings.secret_key)
    verifier = (
        cipher.decrypt(attempt.verifier, platform=platform.value) if attempt.verifier else None
    )
    # The state stays spent whatever happens next: the linking is a savepoint of its own.
    with session.begin_nested():
        uri = redirect_uri(settings, platform)
        identities = _identities(context, platform, code, uri, verifier)
        accounts: list[PlatformAccount] = []
        for identity in identities:
            account = _account_for(session, platform, identity.profile, now)
            claims.verify_by_platform_sign_in(session, user, account, now)
            connection = tokens.save_connection(session, cipher, account, identity.tokens)
            connection.user_id = user.id
            connection.connected_at = now
            accounts.append(account)
        session.flush()
    errors = [e for e in (_first_capture(session, context, a, now) for a in accounts) if e]
    return Connected(platform, [a.handle for a in accounts], errors)


def _identities(
    context: ConnectorContext, platform: Platform, code: str, uri: str, verifier: str | None
) -> list[Identity]:
    if platform is Platform.INSTAGRAM:
        instagram = InstagramConnector(context)
        issued = instagram.exchange_code(code, uri, context.clock())
        linked = instagram.linked_accounts(issued.access_token)
        if not linked:
            raise AccountNotFound(
                platform.value,
                "no Instagram professional (business or creator) account is linked to the "
                "Facebook Pages you shared: switch the account to professional, link it to a "
                "Page, and connect again",
            )
        return [
            Identity(ProfileData(external_id=ig_id, handle=username), _with_user(issued, ig_id))
            for ig_id, username in linked
        ]
    if verifier is None:
        raise StateError(STATE_MISMATCH, field="state")
    if platform is Platform.YOUTUBE:
        youtube = YouTubeConnector(context)
        issued = youtube.exchange_code(code, uri, verifier)
        channel = youtube.own_channel(issued.access_token)
        return [Identity(channel, _with_user(issued, channel.external_id))]
    tiktok = TikTokConnector(context)
    issued = tiktok.exchange_code(code, uri, verifier)
    user = tiktok.profile(AccountRef(handle="", access_token=issued.access_token))
    return [Identity(user, _with_user(issued, user.external_id))]


def _with_user(issued: TokenSet, external_id: str) -> TokenSet:
    return TokenSet(
        access_token=issued.access_token,
        expires_at=issued.expires_at,
        refresh_token=issued.refresh_token,
        refresh_expires_at=issued.refresh_expires_at,
        scopes=issued.scopes,
        external_user_id=issued.external_user_id or external_id,
    )


def _account_for(
    session: Session, platform: Platform, profile: ProfileData, now: datetime
) -> PlatformAccount:
    """The stored account this sign-in is, added when microreach does not track it yet."""
    handle = profile.handle.lstrip("@").lower()
    account = repository.account_by_identity(session, platform, profile.external_id, handle)
    if account is None:
        creator = Creator(
            name=profile.display_name or handle, kind=CreatorKind.PERSON, source=DataSource.API
        )
        return repository.add_account(
            session,
            creator,
            PlatformAccount(
                platform=platform,
                handle=handle,
                external_id=profile.external_id,
                display_name=profile.display_name,
                bio=profile.bio,
                first_seen_at=now,
                source=DataSource.API,
            ),
        )
    if account.external_id and account.external_id != profile.external_id:
        raise ConflictError(
            f"@{account.handle} on microreach is another {platform.value} account (id "
            f"{account.external_id}, you signed in as {profile.external_id}): nothing was "
            "connected",
            field="platform",
        )
    account.external_id = profile.external_id
    return account


def _first_capture(
    session: Session, context: ConnectorContext, account: PlatformAccount, now: datetime
) -> str | None:
    """Capture the account once now; the error text when the platform refused."""
    connector = _connector(context, account.platform)
    try:
        with session.begin_nested():
            refresh_account(session, connector, context.settings, account.id, now)
    except ConnectorError as exc:
        retry = next_attempt(exc, 1, now)
        repository.record_attempt(session, account.id, now, error=str(exc), next_attempt_at=retry)
        return str(exc)
    return None


def _connector(
    context: ConnectorContext, platform: Platform
) -> InstagramConnector | YouTubeConnector | TikTokConnector:
    if platform is Platform.INSTAGRAM:
        return InstagramConnector(context)
    if platform is Platform.YOUTUBE:
        return YouTubeConnector(context)
    return TikTokConnector(context)


@dataclass(frozen=True)
class ConnectionView:
    """One connection as the portal shows it."""

    account_id: uuid.UUID
    handle: str
    status: str  # active, expired, revoked
    connected_at: datetime | None
    last_captured_at: datetime | None
    expires_at: datetime | None
    scopes: Sequence[str]
    last_error: str | None  # why the token stopped working
    refresh_error: str | None  # why the last capture failed, if it did


@dataclass(frozen=True)
class PlatformState:
    platform: Platform
    configured: bool
    connections: list[ConnectionView]


def connection_states(
    session: Session, settings: Settings, user: User, now: datetime
) -> list[PlatformState]:
    """Each connectable platform: configured or not, and the person's connections on it."""
    claims.list_claims(session, user)  # creators only
    rows = repository.connections_of_user(session, user.id)
    return [
        PlatformState(
            platform,
            settings_allow(settings, platform),
            [_view(session, c, a, now) for c, a in rows if a.platform is platform],
        )
        for platform in OAUTH_PLATFORMS
    ]


def _view(
    session: Session, connection: PlatformConnection, account: PlatformAccount, now: datetime
) -> ConnectionView:
    state = repository.refresh_state(session, account.id)
    status = connection.status.value
    lapsed = connection.expires_at is not None and connection.expires_at <= now
    if status == "active" and lapsed and connection.refresh_token is None:
        status = "expired"
    return ConnectionView(
        account_id=account.id,
        handle=account.handle,
        status=status,
        connected_at=connection.connected_at or connection.created_at,
        last_captured_at=account.last_captured_at,
        expires_at=connection.expires_at,
        scopes=list(connection.scopes),
        last_error=connection.last_error,
        refresh_error=state.last_error if state else None,
    )


def disconnect(
    session: Session,
    context: ConnectorContext,
    user: User,
    platform: Platform,
    account_id: uuid.UUID,
) -> tuple[str, str | None]:
    """Revoke at the platform and delete the stored tokens: the handle, and the platform's
    refusal when revoking failed (the tokens are deleted all the same)."""
    claims.list_claims(session, user)  # creators only
    connection = repository.user_connection(session, user.id, account_id)
    account = repository.get_account(session, account_id)
    if connection is None or account is None or account.platform is not platform:
        raise NotFoundError(f"You have no {platform.value} connection for this account.")
    problem: str | None = None
    try:
        cipher = tokens.TokenCipher(context.settings.secret_key)
        access = cipher.decrypt(connection.access_token, platform=platform.value)
        if settings_allow(context.settings, platform):
            _connector(context, platform).revoke(access)
    except ConnectorError as exc:
        problem = str(exc)
    repository.delete_connection(session, connection)
    return account.handle, problem
