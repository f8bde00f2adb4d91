"""Reports are query objects; a runner executes them, a cache keeps the results.

A query names what is asked (`CampaignReportQuery`, `OrgTierComparisonQuery`) and nothing
about how. `SqlRunner` answers them from the rollup read model through SQLAlchemy (SQLite or
PostgreSQL); another engine (a column store, a warehouse) is another class with the same `run`
and `data_version`. `CachedRunner` keeps results in an in-process LRU keyed by the query and
its data version, a tuple of cheap aggregates that moves when clicks are rolled up, snapshots
or conversions arrive, or the campaign, its members, deliverables or EMV table change; a
changed version is a miss, so new data is never hidden. Each process has its own cache.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from microreach.reports import repository


@dataclass(frozen=True, slots=True)
class CampaignReportQuery:
    organisation_id: uuid.UUID
    campaign_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class OrgTierComparisonQuery:
    organisation_id: uuid.UUID
    currency: str


Query = CampaignReportQuery | OrgTierComparisonQuery


class Runner(Protocol):
    def run(self, session: Session, query: Query) -> Any: ...

    def data_version(self, session: Session, query: Query) -> Hashable: ...


class SqlRunner:
    """Executes queries with the functions registered for their type (reports.service)."""

    def __init__(self) -> None:
        self._handlers: dict[type, Callable[[Session, Any], Any]] = {}

    def register(self, kind: type, handler: Callable[[Session, Any], Any]) -> None:
        self._handlers[kind] = handler

    def run(self, session: Session, query: Query) -> Any:
        return self._handlers[type(query)](session, query)

    def data_version(self, session: Session, query: Query) -> Hashable:
        if isinstance(query, CampaignReportQuery):
            return repository.data_version(session, query.organisation_id, query.campaign_id)
        return tuple(
            (campaign.id, repository.data_version(session, query.organisation_id, campaign.id))
            for campaign in repository.campaigns_of(session, query.organisation_id)
        )


class CachedRunner:
    """An LRU of results in front of a runner, keyed by (query, data version)."""

    def __init__(self, runner: Runner, size: int = 64) -> None:
        self.runner = runner
        self.size = size
        self._entries: OrderedDict[tuple[Query, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def run(self, session: Session, query: Query) -> Any:
        key: tuple[Query, Hashable] = (query, self.runner.data_version(session, query))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
        result = self.runner.run(session, query)
        with self._lock:
            self.misses += 1
            # Older versions of the same query can never be asked again: drop them.
            for stale in [k for k in self._entries if k[0] == query]:
                del self._entries[stale]
            self._entries[key] = result
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
