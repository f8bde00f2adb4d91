"""OAuth tokens at rest: encrypted under a key derived from the installation secret."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.connectors import tokens
from microreach.connectors.base import TokenSet
from microreach.connectors.errors import TokenRevoked
from microreach.connectors.models import PlatformConnection
from microreach.creators.enums import Platform
from tests.connectors.conftest import NOW
from tests.factories import make_account

SECRET = "s" * 48


def test_round_trip_and_the_ciphertext_is_not_the_token() -> None:
    cipher = tokens.TokenCipher(SECRET)
    stored = cipher.encrypt("act.secret-token")
    assert "act.secret-token" not in stored and "secret-token" not in stored
    assert cipher.decrypt(stored) == "act.secret-token"
    assert cipher.encrypt("act.secret-token") != stored  # a fresh IV every time


def test_another_secret_key_cannot_read_the_token() -> None:
    stored = tokens.TokenCipher(SECRET).encrypt("act.secret-token")
    with pytest.raises(TokenRevoked, match="MICROREACH_SECRET_KEY changed"):
        tokens.TokenCipher("t" * 48).decrypt(stored, platform="tiktok", account="@nora")


def test_a_saved_connection_keeps_only_ciphertext(session: Session) -> None:
    account = make_account(session, platform=Platform.TIKTOK, handle="nora.climbs")
    cipher = tokens.TokenCipher(SECRET)
    issued = TokenSet(
        access_token="act.plain",
        refresh_token="rft.plain",
        expires_at=NOW + timedelta(hours=24),
        scopes=("user.info.basic", "video.list"),
        external_user_id="open-id-1",
    )
    connection = tokens.save_connection(session, cipher, account, issued)
    raw = session.execute(
        sa.select(PlatformConnection.access_token, PlatformConnection.refresh_token).where(
            PlatformConnection.id == connection.id
        )
    ).one()
    assert "act.plain" not in raw[0] and "rft.plain" not in raw[1]
    loaded = tokens.load_tokens(cipher, connection, "@nora.climbs")
    assert loaded == issued
    assert not tokens.needs_refresh(loaded, NOW)
    assert tokens.needs_refresh(loaded, NOW + timedelta(hours=23, minutes=55))
