"""The registry: configured platforms only, and plugins through the entry-point group."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from microreach.config import Settings, load_settings
from microreach.connectors import base
from microreach.connectors.base import Connector, ConnectorContext, build_connectors
from microreach.creators.enums import Platform


def test_every_configured_platform_is_built(settings: Settings) -> None:
    context = ConnectorContext(settings=settings)
    built = build_connectors(context)
    assert set(built) == {Platform.INSTAGRAM, Platform.YOUTUBE, Platform.TIKTOK}
    assert all(isinstance(c, Connector) for c in built.values())
    assert not built[Platform.INSTAGRAM].needs_connection
    assert built[Platform.TIKTOK].needs_connection


def test_a_platform_without_credentials_is_left_out(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=tmp_path, youtube_api_key="AIzaExample")
    assert set(build_connectors(ConnectorContext(settings=settings))) == {Platform.YOUTUBE}


def test_a_plugin_adds_a_platform_through_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    point = EntryPoint("twitch", "tests.connectors.plugin_example:create", base.ENTRY_POINT_GROUP)

    def entry_points(group: str) -> list[EntryPoint]:
        assert group == "microreach.connectors"
        return [point]

    monkeypatch.setattr(base, "entry_points", entry_points)
    settings = load_settings(environ={}, data_dir=tmp_path)
    built = build_connectors(ConnectorContext(settings=settings))
    assert set(built) == {Platform.TWITCH}
