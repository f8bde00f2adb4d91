"""Connecting an account: state check, code exchange with PKCE, tokens stored encrypted."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.connectors import service, tokens
from microreach.connectors.enums import ConnectionStatus
from microreach.connectors.oauth import code_challenge
from microreach.creators.enums import Platform
from microreach.kit.errors import ForbiddenError
from tests.connectors.conftest import ContextFor
from tests.connectors.replay import Replay, Step
from tests.factories import make_account

CALLBACK = "https://mr.example/portal/connect/tiktok/callback"


def test_tiktok_connection_from_button_to_stored_tokens(
    session: Session, settings: Settings, context_for: ContextFor
) -> None:
    replay = Replay(Step("POST", "/v2/oauth/token/", "tiktok/oauth_token.json"))
    context = context_for(replay)
    account = make_account(session, platform=Platform.TIKTOK, handle="nora.climbs")
    pending = service.start_connection(context, Platform.TIKTOK, CALLBACK)
    query = parse_qs(urlparse(pending.url).query)
    assert query["state"] == [pending.state]
    assert pending.verifier is not None
    assert query["code_challenge"] == [code_challenge(pending.verifier)]

    connection = service.finish_connection(
        session, context, account, pending, state=pending.state, code="c0de", redirect_uri=CALLBACK
    )
    assert connection.status is ConnectionStatus.ACTIVE
    assert connection.external_user_id == "723f24d7-e717-40f8-a2b6-cb8464cd23b4"
    assert connection.access_token.startswith("gAAAAA")  # Fernet, not the token
    cipher = tokens.TokenCipher(settings.secret_key)
    stored = tokens.load_tokens(cipher, connection, "@nora.climbs")
    assert stored.access_token.startswith("act.1d1021d2")
    assert parse_qs(replay.requests[0].content.decode())["code_verifier"] == [pending.verifier]
    assert service.settings_allow(settings, Platform.TIKTOK)


def test_a_callback_with_another_state_is_refused(
    session: Session, context_for: ContextFor
) -> None:
    replay = Replay()
    context = context_for(replay)
    account = make_account(session, platform=Platform.TIKTOK)
    pending = service.start_connection(context, Platform.TIKTOK, CALLBACK)
    with pytest.raises(ForbiddenError):
        service.finish_connection(
            session, context, account, pending, state="forged", code="c", redirect_uri=CALLBACK
        )
    assert replay.requests == []
