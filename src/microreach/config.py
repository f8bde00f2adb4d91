"""Typed settings read from MICROREACH_* environment variables, safe defaults for a laptop."""

from __future__ import annotations

import difflib
import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from microreach.kit.errors import ConfigError
from microreach.kit.mail import check_smtp_url

ENV_PREFIX = "MICROREACH_"
SECRET_FILE_NAME = "secret_key"
DEFAULT_SQLITE_NAME = "microreach.db"
# Values that must never reach production: a key copied from docs or left empty.
INSECURE_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development"})
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting of microreach; each field maps to MICROREACH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    env: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="development, test or production; production refuses insecure values.",
    )
    debug: bool = Field(default=False, description="Show tracebacks in error pages.")
    data_dir: Path = Field(
        default=Path(".microreach"),
        description="Directory for the SQLite database, the development secret key and files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/microreach.db. "
        "postgresql+psycopg://user@host/db selects PostgreSQL.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key for signing and hashing; generated once into <data_dir>/secret_key "
        "outside production.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for the scale profile; unset means jobs run inline."
    )
    host: str = Field(default="127.0.0.1", description="Address the web server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the web server binds to.")
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    log_format: Literal["json", "text"] | None = Field(
        default=None,
        description="json (one object per line) or text; default json in production, "
        "text otherwise.",
    )
    metrics_enabled: bool = Field(
        default=True, description="Serve Prometheus metrics at /metrics and record them."
    )
    tier_scheme: str = Field(default="brief", description="Default follower tier scheme.")
    tier_overrides: str = Field(
        default="",
        description="Per-platform tier ladders as JSON, used under every scheme: a scheme key "
        'or tier lower bounds per platform, e.g. {"youtube": "later-fohr-2021", "tiktok": '
        '{"nano": 0, "micro": 5000, "mid": 100000}} (docs/metrics.md, Follower tiers).',
    )
    public_url: str | None = Field(
        default=None,
        description="Address people use to reach microreach, for links in emails; "
        "default http://<host>:<port>.",
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="Send cookies over HTTPS only (Secure flag); default on in production.",
    )
    session_idle_days: int = Field(
        default=14, ge=1, le=365, description="A session ends after this many days unused."
    )
    session_max_days: int = Field(
        default=30, ge=1, le=365, description="A session ends this many days after sign-in."
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins per email within the window before 429."
    )
    login_max_client_failures: int = Field(
        default=20, ge=1, description="Failed sign-ins per client within the window before 429."
    )
    login_window_minutes: int = Field(
        default=15, ge=1, description="The window failed sign-ins are counted over."
    )
    smtp_url: str | None = Field(
        default=None,
        description="smtp://user:password@host:587 or smtps://host:465; unset writes mail to "
        "<data_dir>/mail/*.eml.",
    )
    mail_from: str = Field(
        default="microreach <no-reply@localhost>",
        description="Sender of the mail microreach sends.",
    )

    link_cache_size: int = Field(
        default=100_000, ge=1, description="Slugs each redirect process keeps in memory."
    )
    link_cache_preload: int = Field(
        default=10_000,
        ge=0,
        description="Newest links each redirect process reads into its cache before its first "
        "request (about 0.04 s per 1,000 links); 0 fills the cache on demand only.",
    )
    link_cache_check_ms: int = Field(
        default=250,
        ge=0,
        description="How often (ms) a redirect process checks links_version for changed links; "
        "0 checks on every request.",
    )
    click_batch_size: int = Field(
        default=4096, ge=1, description="Most clicks the click writer commits in one transaction."
    )
    click_batch_wait_ms: float = Field(
        default=0,
        ge=0,
        description="How long (ms) the click writer waits for more clicks before committing.",
    )
    click_transport: Literal["database", "redis"] = Field(
        default="database",
        description="Where the redirect hands clicks: the database (group-commit writer) or "
        "the Redis stream that `microreach click-worker` processes write to the database.",
    )
    click_retention_days: int = Field(
        default=0,
        ge=0,
        description="Delete raw clicks older than this many days once rolled up; 0 keeps them.",
    )
    snapshot_retention_days: int = Field(
        default=0,
        ge=0,
        description="Delete metric snapshots older than this many days (each series keeps its "
        "newest); 0 keeps them.",
    )
    destination_allow_private: bool = Field(
        default=False,
        description="Let links point at private, loopback and link-local addresses "
        "(development only).",
    )
    destination_check_dns: bool = Field(
        default=True,
        description="Resolve destination hosts when a link is saved and refuse private answers.",
    )
    destination_blocklist: str = Field(
        default="",
        description="Comma-separated domains (and their subdomains) no link may point to.",
    )

    # Conversions (microreach.conversions): attribution of orders, see docs/metrics.md.
    attribution_window_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="Days after a click within which an order may be credited to it.",
    )
    attribution_rule: Literal[
        "promo_code_first_then_last_click",
        "last_click_first_then_promo_code",
        "promo_code_only",
        "last_click_only",
    ] = Field(
        default="promo_code_first_then_last_click",
        description="Which evidence credits an order: a promo code, the last click, or both "
        "in the given order.",
    )
    shopify_webhook_secret: str | None = Field(
        default=None,
        description="The Shopify app's client secret (or the store's webhook signing key); "
        "orders/create webhooks are refused until it is set.",
    )

    # Platform connectors (microreach.connectors); a platform without credentials is skipped.
    instagram_app_id: str | None = Field(
        default=None, description="Meta app id, for Facebook Login (creators connecting)."
    )
    instagram_app_secret: str | None = Field(default=None, description="Meta app secret.")
    instagram_user_id: str | None = Field(
        default=None,
        description="Instagram professional account id that asks Business Discovery.",
    )
    instagram_access_token: str | None = Field(
        default=None, description="Long-lived token of MICROREACH_INSTAGRAM_USER_ID."
    )
    instagram_graph_version: str = Field(
        default="v21.0", description="Graph API version in request paths."
    )
    youtube_api_key: str | None = Field(
        default=None, description="YouTube Data API v3 key for public channel data."
    )
    youtube_client_id: str | None = Field(
        default=None, description="Google OAuth client id, for creators connecting YouTube."
    )
    youtube_client_secret: str | None = Field(
        default=None, description="Google OAuth client secret."
    )
    youtube_daily_quota: int = Field(
        default=10_000, ge=0, description="YouTube quota units microreach may spend per day."
    )
    tiktok_client_key: str | None = Field(
        default=None, description="TikTok app client key (Login Kit and Display API)."
    )
    tiktok_client_secret: str | None = Field(default=None, description="TikTok client secret.")
    connector_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Timeout of one platform API request."
    )
    refresh_stale_hours: float = Field(
        default=24.0, gt=0, description="Refresh an account when its last capture is older."
    )
    refresh_priority_stale_hours: float = Field(
        default=6.0, gt=0, description="The same for priority accounts (campaign members)."
    )
    refresh_posts: int = Field(
        default=24, ge=1, le=200, description="Recent posts read per account and refresh."
    )

    # Campaigns (microreach.campaigns): content drafts and creator invitations.
    upload_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1,
        description="Largest media file (bytes) a creator may upload with a content draft.",
    )
    upload_media_types: str = Field(
        default="image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime",
        description="Comma-separated media types accepted for drafts (checked on the bytes).",
    )
    campaign_invitation_days: int = Field(
        default=14, ge=1, le=90, description="Days a campaign invitation link stays valid."
    )

    # Jobs (microreach.jobs): the periodic jobs and the scheduler that enqueues them.
    scheduler_in_process: bool = Field(
        default=True,
        description="Without Redis, `microreach serve` and `demo` run the periodic jobs in a "
        "background thread; off leaves them to cron or `microreach scheduler`.",
    )
    scheduler_lease_seconds: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        description="TTL of the scheduler's Redis lease; a dead leader is replaced after it.",
    )
    schedule_rollup_seconds: int = Field(
        default=300, ge=0, description="Seconds between click rollups; 0 turns them off."
    )
    schedule_missed_deliverables_seconds: int = Field(
        default=3600,
        ge=0,
        description="Seconds between marking overdue deliverables missed; 0 turns it off.",
    )
    schedule_retention_seconds: int = Field(
        default=86400,
        ge=0,
        description="Seconds between retention runs (snapshots older than "
        "MICROREACH_SNAPSHOT_RETENTION_DAYS); 0 turns it off.",
    )
    schedule_refresh_seconds: int = Field(
        default=900,
        ge=0,
        description="Seconds between refreshes of due accounts (then rescoring); 0 turns it off.",
    )
    schedule_score_seconds: int = Field(
        default=300,
        ge=0,
        description="Seconds between scoring runs (`scores.rescore`: accounts with no score, "
        "a stale one or one of older formulas); 0 turns it off.",
    )
    schedule_discovery_seconds: int = Field(
        default=900,
        ge=0,
        description="Seconds between checks of the discovery index (`discovery.refresh_index`), "
        "rebuilt when accounts, creators or scores changed since; 0 turns it off.",
    )

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        allowed = ("debug", "info", "warning", "error")
        if value.lower() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value.lower()

    @field_validator("tier_overrides")
    @classmethod
    def _valid_tier_overrides(cls, value: str) -> str:
        from microreach.creators.enums import Platform
        from microreach.science.tiers import parse_overrides

        parse_overrides(value, [p.value for p in Platform])
        return value

    @property
    def tier_ladders(self) -> dict[str, Any]:
        """MICROREACH_TIER_OVERRIDES parsed: platform -> tiers (science.tiers.Tier)."""
        from microreach.creators.enums import Platform
        from microreach.science.tiers import parse_overrides

        return parse_overrides(self.tier_overrides, [p.value for p in Platform])

    @field_validator("tier_scheme")
    @classmethod
    def _known_tier_scheme(cls, value: str) -> str:
        from microreach.science.tiers import SCHEMES

        if value not in SCHEMES:
            raise ValueError(f"must be one of {', '.join(sorted(SCHEMES))}")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _known_smtp(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        check_smtp_url(value)
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / DEFAULT_SQLITE_NAME).resolve()}"

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def resolved_log_format(self) -> str:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.is_production else "text"

    @property
    def resolved_public_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def cookies_secure(self) -> bool:
        return self.is_production if self.secure_cookies is None else self.secure_cookies


def _check_unknown_variables(environ: dict[str, str]) -> None:
    """Refuse MICROREACH_* variables that name no setting: a typo must not pass silently."""
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    # Variables the tests and tools use; they are not application settings. SHARED_DATA is read
    # by microreach.evaluation.data (where `microreach eval` finds the research datasets).
    known |= {
        f"{ENV_PREFIX}TEST_DATABASE_URL",
        f"{ENV_PREFIX}BENCH_DATABASE_URL",
        f"{ENV_PREFIX}SHARED_DATA",
    }
    for key in sorted(environ):
        if key.startswith(ENV_PREFIX) and key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(key, f"is not a microreach setting{hint}")


def _first_error(exc: ValidationError) -> ConfigError:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    value = error.get("input")
    message = str(error["msg"]).removeprefix("Value error, ")
    shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
    return ConfigError(f"{ENV_PREFIX}{field.upper()}", f"{message}{shown}")


def _ensure_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"{ENV_PREFIX}DATA_DIR", f"{path} is not a writable directory ({exc.strerror})"
        ) from exc


def _development_secret(data_dir: Path) -> str:
    """Read the per-installation key, creating it on first use (mode 0600)."""
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _check_production(settings: Settings) -> None:
    if not settings.is_production:
        return
    if settings.debug:
        raise ConfigError(f"{ENV_PREFIX}DEBUG", "must be off when MICROREACH_ENV=production")
    key = settings.secret_key or ""
    if key.lower() in INSECURE_SECRETS or len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{ENV_PREFIX}SECRET_KEY",
            f"must be set to a random value of at least {MIN_SECRET_LENGTH} characters "
            "in production (for example: python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')",
        )


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build and check settings; raise ConfigError naming the setting at fault."""
    env = dict(os.environ if environ is None else environ)
    _check_unknown_variables(env)
    try:
        settings = Settings(**overrides) if environ is None else _from_mapping(env, overrides)
    except ValidationError as exc:
        raise _first_error(exc) from None
    _check_production(settings)
    if settings.click_transport == "redis" and not settings.redis_url:
        raise ConfigError(
            f"{ENV_PREFIX}CLICK_TRANSPORT", "is redis, so MICROREACH_REDIS_URL must be set"
        )
    _ensure_data_dir(settings.data_dir)
    configure_tiers(settings)
    if settings.secret_key is None:
        settings = settings.model_copy(
            update={"secret_key": _development_secret(settings.data_dir)}
        )
    return settings


def configure_tiers(settings: Settings) -> None:
    """Put the settings' per-platform tier ladders in force in this process (every tier
    computed here, by the scores, discovery or the API, then uses them)."""
    from microreach.science.tiers import configure_overrides

    configure_overrides(settings.tier_ladders)


def _from_mapping(env: dict[str, str], overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        name: env[f"{ENV_PREFIX}{name.upper()}"]
        for name in Settings.model_fields
        if f"{ENV_PREFIX}{name.upper()}" in env
    }
    values.update(overrides)
    # Build from explicit values only, so the real process environment does not leak in.
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    return load_settings()
