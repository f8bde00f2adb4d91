"""What every platform connector returns and offers, and the registry that finds them.

A platform is one module with a `create(context) -> Connector | None` function (None when the
installation has not configured that platform). Built-in modules are listed in `BUILTIN`; a
package can add a platform through the `microreach.connectors` entry-point group, naming its
module, without any change here.
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

import httpx

from microreach.config import Settings
from microreach.creators.enums import AudienceDimension, Platform, PostType
from microreach.kit.clock import utcnow

ENTRY_POINT_GROUP = "microreach.connectors"
BUILTIN: Mapping[str, str] = {
    Platform.INSTAGRAM.value: "microreach.connectors.instagram",
    Platform.YOUTUBE.value: "microreach.connectors.youtube",
    Platform.TIKTOK.value: "microreach.connectors.tiktok",
}


@dataclass(frozen=True)
class AccountRef:
    """Whose data to fetch: the stored handle and id, and the person's token if they connected."""

    handle: str
    external_id: str | None = None
    access_token: str | None = None

    @property
    def label(self) -> str:
        return f"@{self.handle}"


@dataclass(frozen=True)
class ProfileData:
    external_id: str
    handle: str
    display_name: str | None = None
    bio: str | None = None
    followers: int | None = None
    following: int | None = None
    media_count: int | None = None
    verified: bool | None = None
    is_private: bool = False
    external_url: str | None = None
    country: str | None = None
    account_created_at: datetime | None = None


@dataclass(frozen=True)
class PostMetrics:
    """Counts of one post at one time; None means the platform hid or did not give it."""

    likes: int | None = None
    comments: int | None = None
    views: int | None = None
    shares: int | None = None
    saves: int | None = None
    reach: int | None = None
    impressions: int | None = None

    def merged(self, other: PostMetrics) -> PostMetrics:
        """These counts, with the ones `other` has filled in (insights on top of public counts)."""
        values = {
            name: getattr(other, name) if getattr(other, name) is not None else getattr(self, name)
            for name in self.__dataclass_fields__
        }
        return PostMetrics(**values)


@dataclass(frozen=True)
class PostData:
    platform_post_id: str
    post_type: PostType
    posted_at: datetime
    metrics: PostMetrics
    url: str | None = None
    caption: str | None = None
    is_paid_partnership: bool = False


@dataclass(frozen=True)
class CommentData:
    platform_comment_id: str
    platform_post_id: str
    text: str
    commented_at: datetime
    author_handle: str
    likes: int | None = None
    parent_platform_id: str | None = None


@dataclass(frozen=True)
class AudienceData:
    dimension: AudienceDimension
    key: str
    share: float


@dataclass(frozen=True)
class Insights:
    """What only an authorised account gives: per-post reach/saves and audience shares."""

    post_metrics: Mapping[str, PostMetrics] = field(default_factory=dict)
    audience: Sequence[AudienceData] = ()


@dataclass(frozen=True)
class AccountCapture:
    """Everything one refresh of one account brought back."""

    profile: ProfileData
    posts: Sequence[PostData] = ()
    comments: Sequence[CommentData] = ()
    audience: Sequence[AudienceData] = ()


@dataclass(frozen=True)
class TokenSet:
    """Tokens an OAuth exchange returned; expiry times are absolute (UTC)."""

    access_token: str
    expires_at: datetime | None = None
    refresh_token: str | None = None
    refresh_expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    external_user_id: str | None = None


@runtime_checkable
class Connector(Protocol):
    """One platform's API: public profile and posts, and insights when the person authorised."""

    platform: Platform
    # True when only accounts whose owner connected (OAuth) can be read.
    needs_connection: bool

    def profile(self, account: AccountRef) -> ProfileData: ...

    def recent_posts(self, account: AccountRef, limit: int) -> list[PostData]: ...

    def post_metrics(
        self, account: AccountRef, post_ids: Sequence[str]
    ) -> dict[str, PostMetrics]: ...

    def insights(self, account: AccountRef, post_ids: Sequence[str]) -> Insights: ...

    def capture(self, account: AccountRef, *, posts: int) -> AccountCapture: ...

    def refresh_token(self, tokens: TokenSet) -> TokenSet | None:
        """New tokens from the stored ones, or None when the platform offers no refresh."""
        ...


def _real_sleep(seconds: float) -> None:
    time.sleep(seconds)


@dataclass(frozen=True)
class ConnectorContext:
    """What a connector is built from; tests pass a replaying transport and a fake sleep."""

    settings: Settings
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = _real_sleep
    jitter: Callable[[], float] = random.random
    clock: Callable[[], datetime] = utcnow
    quota: QuotaLedger | None = None


class QuotaLedger(Protocol):
    """Counts units a platform charges per day; `spend` raises QuotaExceeded past the limit."""

    def spend(self, platform: Platform, units: int, *, account: str | None = None) -> None: ...


ConnectorFactory = Callable[[ConnectorContext], Connector | None]


def _factories() -> dict[str, ConnectorFactory]:
    """Built-in platforms, then plugins: an entry point names a module (its `create`) or a
    factory (`package.module:create`); a plugin may replace a built-in of the same name."""
    found: dict[str, ConnectorFactory] = {
        name: importlib.import_module(module).create for name, module in BUILTIN.items()
    }
    for point in entry_points(group=ENTRY_POINT_GROUP):
        loaded = point.load()
        found[point.name] = getattr(loaded, "create", loaded)
    return found


def build_connectors(
    context: ConnectorContext, platforms: Sequence[str] | None = None
) -> dict[Platform, Connector]:
    """The configured connectors, by platform (a platform without credentials is left out)."""
    built: dict[Platform, Connector] = {}
    for name, factory in _factories().items():
        if platforms is not None and name not in platforms:
            continue
        connector = factory(context)
        if connector is not None:
            built[connector.platform] = connector
    return built
