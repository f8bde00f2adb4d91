"""Connector tests: settings with every platform configured, and a context that replays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from microreach.config import Settings, load_settings
from microreach.connectors.base import ConnectorContext, QuotaLedger
from tests.conftest import TEST_DATABASE_URL
from tests.connectors.replay import Replay, Sleeps, no_jitter

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        environ={},
        data_dir=tmp_path / "data",
        env="test",
        database_url=TEST_DATABASE_URL or None,
        secret_key="k" * 48,
        instagram_app_id="1234567890",
        instagram_app_secret="ig-app-secret",
        instagram_user_id="17841405309211844",
        instagram_access_token="EAAGinstallationtoken",
        youtube_api_key="AIzaSyExampleKey",
        youtube_client_id="1234-abc.apps.googleusercontent.com",
        youtube_client_secret="google-secret",
        tiktok_client_key="awexamplekey",
        tiktok_client_secret="tiktok-secret",
    )


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


ContextFor = Callable[..., ConnectorContext]


@pytest.fixture
def context_for(settings: Settings, sleeps: Sleeps) -> ContextFor:
    def make(replay: Replay, quota: QuotaLedger | None = None) -> ConnectorContext:
        return ConnectorContext(
            settings=settings,
            transport=replay.transport,
            sleep=sleeps,
            jitter=no_jitter,
            clock=lambda: NOW,
            quota=quota,
        )

    return make
