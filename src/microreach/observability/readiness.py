"""Readiness: the database answers, its schema is at the newest migration, Redis answers PING.

Liveness (`/healthz`) touches nothing; readiness (`/readyz`) is what a load balancer asks
before sending traffic, so each check has a short timeout and a failure says which check
failed without leaking addresses or credentials (those go to the log).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

import redis
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from microreach.db import migrate

CHECK_TIMEOUT_S = 2.0
VERSION_QUERY = "SELECT version_num FROM alembic_version"
logger = logging.getLogger(__name__)

CheckStatus = Literal["ok", "fail", "skip"]


@dataclass(frozen=True, slots=True)
class Check:
    status: CheckStatus
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Readiness:
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(check.status != "fail" for check in self.checks.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, check in self.checks.items() if check.status == "fail"]

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ready else "unavailable",
            "failed": self.failed,
            "checks": {
                name: {"status": c.status, "detail": c.detail} for name, c in self.checks.items()
            },
        }


class ReadinessProbe:
    """The checks of one process; the newest migration is read from the code once."""

    def __init__(self, engine: Engine, redis_url: str | None) -> None:
        self.engine = engine
        self.redis_url = redis_url
        self._head: str | None = None

    def head(self) -> str | None:
        if self._head is None:
            self._head = migrate.head_revision(self.engine)
        return self._head

    def run(self) -> Readiness:
        checks: dict[str, Check] = {}
        revision = _database_revision(self.engine)
        if isinstance(revision, Check):
            checks["database"] = revision
            checks["migrations"] = Check("skip", "the database did not answer")
        else:
            checks["database"] = Check("ok")
            checks["migrations"] = _migrations(revision, self.head())
        checks["redis"] = (
            Check("skip", "MICROREACH_REDIS_URL is not set")
            if not self.redis_url
            else redis_check(self.redis_url)
        )
        return Readiness(checks)


def _database_revision(engine: Engine) -> str | Check | None:
    """The schema revision, or a failed check when the database does not answer."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            return _revision(connection)
    except Exception as exc:
        logger.warning("readiness: database check failed: %s", exc)
        return Check("fail", f"the database did not answer ({type(exc).__name__})")


def _revision(connection: Connection) -> str | None:
    """alembic_version read directly (alembic's MigrationContext logs two lines per call)."""
    try:
        with connection.begin_nested():
            versions = connection.execute(text(VERSION_QUERY)).scalars().all()
    except DBAPIError:
        return None  # no alembic_version table: an empty database
    return ",".join(sorted(versions)) or None


def _migrations(current: str | None, head: str | None) -> Check:
    if current == head:
        return Check("ok", current)
    shown = current or "empty"
    return Check(
        "fail", f"the schema is at {shown}, the code needs {head}: run `microreach db upgrade`"
    )


def redis_check(url: str, timeout: float = CHECK_TIMEOUT_S) -> Check:
    """PING (after AUTH when the URL has a password) with a short timeout."""
    try:
        client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        logger.warning("readiness: redis check failed: %s", exc)
        return Check("fail", f"Redis did not answer PING ({type(exc).__name__})")
    return Check("ok")
