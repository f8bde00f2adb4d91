"""The connect service's pure parts: which platforms are offered, the redirect URI, names."""

from __future__ import annotations

import pytest

from microreach.config import Settings
from microreach.connectors import service
from microreach.creators.enums import Platform
from microreach.kit.errors import NotFoundError


def test_a_platform_is_offered_only_with_both_credentials(settings: Settings) -> None:
    assert all(service.settings_allow(settings, p) for p in service.OAUTH_PLATFORMS)
    half = settings.model_copy(update={"tiktok_client_secret": None})
    assert not service.settings_allow(half, Platform.TIKTOK)
    assert not service.settings_allow(settings, Platform.X)


def test_the_redirect_uri_is_built_on_the_public_url(settings: Settings) -> None:
    public = settings.model_copy(update={"public_url": "https://mr.example/"})
    assert (
        service.redirect_uri(public, Platform.YOUTUBE)
        == "https://mr.example/portal/connections/callback/youtube"
    )


@pytest.mark.parametrize("name", ["x", "facebook", "TikTok", ""])
def test_only_the_oauth_platforms_can_be_named(name: str) -> None:
    with pytest.raises(NotFoundError, match="cannot be connected"):
        service.oauth_platform(name)
    assert service.oauth_platform("tiktok") is Platform.TIKTOK
