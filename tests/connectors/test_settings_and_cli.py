"""Connector settings are documented, and `microreach refresh` runs as a user runs it."""

from __future__ import annotations

from pathlib import Path

from microreach.config import Settings
from tests.test_cli import run

CONNECTOR_SETTINGS = (
    "instagram_app_id",
    "instagram_app_secret",
    "instagram_user_id",
    "instagram_access_token",
    "instagram_graph_version",
    "youtube_api_key",
    "youtube_client_id",
    "youtube_client_secret",
    "youtube_daily_quota",
    "tiktok_client_key",
    "tiktok_client_secret",
    "connector_timeout_seconds",
    "refresh_stale_hours",
    "refresh_priority_stale_hours",
    "refresh_posts",
)


def test_the_connector_settings_are_described_and_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name in CONNECTOR_SETTINGS:
        assert Settings.model_fields[name].description, name
        assert f"`MICROREACH_{name.upper()}`" in readme, name


def test_refresh_without_any_platform_configured_says_so(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path)}
    assert run(["db", "upgrade"], env).returncode == 0
    result = run(["refresh"], env)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: MICROREACH_YOUTUBE_API_KEY: no platform is configured")


def test_refresh_with_nothing_due_refreshes_nothing(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_YOUTUBE_API_KEY": "AIzaExample"}
    assert run(["db", "upgrade"], env).returncode == 0
    result = run(["refresh", "--platform", "youtube"], env)
    assert result.returncode == 0, result.stderr
    assert "0 accounts refreshed" in result.stderr and "platforms: youtube" in result.stderr
