"""Jobs of the connectors domain: the periodic refresh of due accounts.

`refresh_due` is what `microreach refresh` runs, and what a scheduler calls every few minutes
(cron in the embedded profile; a worker once the jobs runner exists). It is safe to run twice:
see `connectors.refresh`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from microreach.config import Settings
from microreach.connectors import refresh
from microreach.connectors.base import Connector, ConnectorContext, build_connectors
from microreach.connectors.quota import DatabaseQuotaLedger
from microreach.creators.enums import Platform
from microreach.db.session import Database


def connectors_for(
    database: Database, settings: Settings, platforms: Sequence[str] | None = None
) -> dict[Platform, Connector]:
    """The configured connectors, spending YouTube quota from the shared daily ledger."""
    ledger = DatabaseQuotaLedger(database, {Platform.YOUTUBE: settings.youtube_daily_quota})
    return build_connectors(ConnectorContext(settings=settings, quota=ledger), platforms)


def refresh_due(
    database: Database,
    settings: Settings,
    *,
    platforms: Sequence[str] | None = None,
    connectors: Mapping[Platform, Connector] | None = None,
    force: AbstractSet[uuid.UUID] = frozenset(),
    limit: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> refresh.RefreshResult:
    # Campaign members and shortlisted accounts will be passed here as priority_groups.
    return refresh.run(
        database,
        settings,
        connectors if connectors is not None else connectors_for(database, settings, platforms),
        force=force,
        limit=limit,
        progress=progress,
    )
