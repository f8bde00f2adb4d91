"""OAuth tokens at rest: encrypted with a key derived from the installation's secret key.

Fernet (AES-128-CBC with HMAC-SHA256) under a key derived by HKDF-SHA256 from
MICROREACH_SECRET_KEY with a purpose label, so the token key is never the key used for
signing or hashing. Rotating the secret key makes stored tokens unreadable: the connection
is then marked revoked and the creator is asked to connect again.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from microreach.connectors import repository
from microreach.connectors.base import TokenSet
from microreach.connectors.enums import ConnectionStatus
from microreach.connectors.errors import TokenRevoked
from microreach.connectors.models import PlatformConnection
from microreach.creators.models import PlatformAccount
from microreach.kit.errors import ConfigError

PURPOSE = b"microreach platform tokens v1"
SALT = b"microreach.connectors.tokens"
# Refresh this long before expiry so a token does not lapse mid-capture.
REFRESH_MARGIN = timedelta(minutes=10)


class TokenCipher:
    """Encrypts and decrypts token strings; the ciphertext is URL-safe text."""

    def __init__(self, secret_key: str | None) -> None:
        if not secret_key:
            raise ConfigError("MICROREACH_SECRET_KEY", "is needed to store platform tokens")
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=PURPOSE)
        self._fernet = Fernet(base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str, *, platform: str = "", account: str | None = None) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except InvalidToken:
            raise TokenRevoked(
                platform or "connector",
                "the stored token cannot be read (was MICROREACH_SECRET_KEY changed?); "
                "reconnect the account",
                account=account,
            ) from None


def save_connection(
    session: Session, cipher: TokenCipher, account: PlatformAccount, tokens: TokenSet
) -> PlatformConnection:
    """Create or replace the account's connection with these tokens, marked active."""
    connection = repository.connection_for(session, account.id)
    if connection is None:
        connection = PlatformConnection(account_id=account.id, platform=account.platform)
        session.add(connection)
    connection.external_user_id = tokens.external_user_id or account.external_id or ""
    _store(connection, cipher, tokens)
    session.flush()
    return connection


def _store(connection: PlatformConnection, cipher: TokenCipher, tokens: TokenSet) -> None:
    connection.access_token = cipher.encrypt(tokens.access_token)
    if tokens.refresh_token is not None:
        connection.refresh_token = cipher.encrypt(tokens.refresh_token)
        connection.refresh_expires_at = tokens.refresh_expires_at
    connection.expires_at = tokens.expires_at
    if tokens.scopes:
        connection.scopes = list(tokens.scopes)
    connection.status = ConnectionStatus.ACTIVE
    connection.last_error = None


def load_tokens(cipher: TokenCipher, connection: PlatformConnection, label: str) -> TokenSet:
    platform = connection.platform.value
    refresh = connection.refresh_token
    return TokenSet(
        access_token=cipher.decrypt(connection.access_token, platform=platform, account=label),
        expires_at=connection.expires_at,
        refresh_token=cipher.decrypt(refresh, platform=platform, account=label)
        if refresh
        else None,
        refresh_expires_at=connection.refresh_expires_at,
        scopes=tuple(connection.scopes),
        external_user_id=connection.external_user_id,
    )


def needs_refresh(tokens: TokenSet, now: datetime) -> bool:
    return tokens.expires_at is not None and tokens.expires_at - REFRESH_MARGIN <= now


def store_refreshed(connection: PlatformConnection, cipher: TokenCipher, tokens: TokenSet) -> None:
    _store(connection, cipher, tokens)


def mark_failed(connection: PlatformConnection, error: Exception) -> None:
    connection.status = (
        ConnectionStatus.REVOKED if isinstance(error, TokenRevoked) else ConnectionStatus.EXPIRED
    )
    connection.last_error = str(error)[:1000]
