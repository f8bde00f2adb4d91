"""Jobs of the connectors domain: the periodic refresh of due accounts, then their rescoring.

`refresh_due` is what `microreach refresh` runs; the job `connectors.refresh_due` is what the
scheduler enqueues every MICROREACH_SCHEDULE_REFRESH_SECONDS. Accounts go by priority:
creators invited to or working in draft and active campaigns first, then shortlisted
creators (`shortlisted_account_ids`), then every other stale account, oldest capture first.
After a run that refreshed anything, the job rescores through `scores.tasks.rescore`, which
scores exactly the accounts whose capture is newer than their score (the ones the refresh
changed, and any other stale ones) and re-ranks peers. Safe to run twice: see
`connectors.refresh`; a second rescoring finds nothing stale.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from microreach.campaigns import service as campaigns_service
from microreach.config import Settings
from microreach.connectors import refresh
from microreach.connectors.base import Connector, ConnectorContext, build_connectors
from microreach.connectors.quota import DatabaseQuotaLedger
from microreach.creators.enums import Platform
from microreach.db.session import Database
from microreach.jobs import JobContext, job
from microreach.lists import service as lists_service
from microreach.scores.tasks import rescore


def connectors_for(
    database: Database, settings: Settings, platforms: Sequence[str] | None = None
) -> dict[Platform, Connector]:
    """The configured connectors, spending YouTube quota from the shared daily ledger."""
    ledger = DatabaseQuotaLedger(database, {Platform.YOUTUBE: settings.youtube_daily_quota})
    return build_connectors(ConnectorContext(settings=settings, quota=ledger), platforms)


def shortlisted_account_ids(session: Session) -> frozenset[uuid.UUID]:
    """The accounts on any organisation's shortlist, the second priority group."""
    return lists_service.shortlisted_account_ids(session)


def priority_groups(session: Session) -> list[frozenset[uuid.UUID]]:
    """Campaign members first, then shortlisted creators."""
    members = frozenset(campaigns_service.working_account_ids(session))
    return [members, shortlisted_account_ids(session) - members]


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
    with database.sessions() as session:
        groups = priority_groups(session)
    return refresh.run(
        database,
        settings,
        connectors if connectors is not None else connectors_for(database, settings, platforms),
        priority_groups=groups,
        force=force,
        limit=limit,
        progress=progress,
    )


class RefreshArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(default=1000, ge=1, le=100_000)
    platforms: list[Platform] | None = None


@job("connectors.refresh_due", RefreshArgs, retries=1, backoff=(300,))
def refresh_job(ctx: JobContext, args: RefreshArgs) -> str:
    platforms = [p.value for p in args.platforms] if args.platforms else None
    connectors = connectors_for(ctx.database, ctx.settings, platforms)
    if not connectors:
        return "no platform is configured"
    result = refresh_due(ctx.database, ctx.settings, connectors=connectors, limit=args.limit)
    scored = rescore(ctx.database, ctx.settings, ctx.now()).scored if result.refreshed else 0
    return (
        f"{result.refreshed} refreshed, {result.failed} failed, {result.skipped} skipped; "
        f"{scored} rescored"
    )
