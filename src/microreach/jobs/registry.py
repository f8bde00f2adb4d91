"""The one registry of named jobs: each name maps to a function and the model of its arguments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from microreach.config import Settings
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError

A = TypeVar("A", bound=BaseModel)

# Seconds between attempts after a failure (the last value repeats); three retries by default.
DEFAULT_BACKOFF = (10, 60, 300)


class NoArgs(BaseModel):
    """The arguments of a job that takes none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class JobContext:
    """What a job run gets besides its arguments: settings, the database and the clock."""

    settings: Settings
    database: Database
    request_id: str
    clock: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        return self.clock()


@dataclass(frozen=True)
class JobSpec(Generic[A]):
    """A named job: its function, the model of its arguments and its retry policy."""

    name: str
    args: type[A]
    func: Callable[[JobContext, A], object]
    retries: int = len(DEFAULT_BACKOFF)
    backoff: tuple[int, ...] = DEFAULT_BACKOFF
    timeout_seconds: int = 3600

    def payload(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The arguments checked against the model and made JSON-ready (for Redis)."""
        return self.parse(kwargs).model_dump(mode="json")

    def parse(self, payload: dict[str, Any]) -> A:
        try:
            return self.args.model_validate(payload)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "arguments"
            raise InvalidError(
                f"job {self.name}: {error['msg']} (got {error.get('input')!r})",
                field=where,
            ) from None

    def run(self, context: JobContext, payload: dict[str, Any]) -> object:
        return self.func(context, self.parse(payload))


_REGISTRY: dict[str, JobSpec[Any]] = {}


def job(
    name: str,
    args: type[A],
    *,
    retries: int = len(DEFAULT_BACKOFF),
    backoff: tuple[int, ...] = DEFAULT_BACKOFF,
    timeout_seconds: int = 3600,
) -> Callable[[Callable[[JobContext, A], object]], JobSpec[A]]:
    """Register ``func`` under ``name``; the decorated name becomes the JobSpec to enqueue."""

    def register(func: Callable[[JobContext, A], object]) -> JobSpec[A]:
        spec = JobSpec(name, args, func, retries, backoff, timeout_seconds)
        known = _REGISTRY.get(name)
        if known is not None and known.func is not func and _origin(known) != _origin(spec):
            raise ValueError(f"job {name!r} is registered twice ({_origin(known)})")
        _REGISTRY[name] = spec
        return spec

    return register


def _origin(spec: JobSpec[Any]) -> str:
    return f"{spec.func.__module__}.{spec.func.__qualname__}"


def get(name: str) -> JobSpec[Any]:
    """The job registered under ``name``; InvalidError naming the known ones otherwise."""
    from microreach.jobs import catalog

    catalog.load()
    spec = _REGISTRY.get(name)
    if spec is None:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise InvalidError(f"no job named {name!r} (known: {known})", field="job")
    return spec


def names() -> list[str]:
    from microreach.jobs import catalog

    catalog.load()
    return sorted(_REGISTRY)


def unregister(name: str) -> None:
    """Forget a job (tests register their own and remove them afterwards)."""
    _REGISTRY.pop(name, None)
