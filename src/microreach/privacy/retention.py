"""Retention of metric snapshots (`MICROREACH_SNAPSHOT_RETENTION_DAYS`), run by the scheduler.

Snapshots older than the retention are deleted, except the newest one of each account and post,
so every series keeps its latest value and the scores can still be computed. Raw clicks have
their own retention in the click rollup job (`MICROREACH_CLICK_RETENTION_DAYS`), which deletes
them only after they are rolled up. A run that deletes something writes one `privacy_events`
row with the counts; running it twice deletes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from microreach.db import models as _models  # noqa: F401  (every table in the metadata)
from microreach.db.base import Base
from microreach.privacy.models import PrivacyEvent

SERIES = {"account_snapshots": "account_id", "post_snapshots": "post_id"}


@dataclass(frozen=True)
class RetentionResult:
    cutoff: datetime | None
    deleted: dict[str, int]


def apply_retention(session: Session, retention_days: int, now: datetime) -> RetentionResult:
    """Delete snapshots captured before `now - retention_days`, keeping each series' newest."""
    if retention_days <= 0:
        return RetentionResult(None, {})
    cutoff = now - timedelta(days=retention_days)
    deleted: dict[str, int] = {}
    for name, key in SERIES.items():
        table = Base.metadata.tables[name]
        newer = table.alias("newer")
        has_newer = (
            sa.select(sa.literal(1))
            .where(newer.c[key] == table.c[key], newer.c.captured_at > table.c.captured_at)
            .exists()
        )
        result = session.execute(sa.delete(table).where(table.c.captured_at < cutoff, has_newer))
        deleted[name] = max(int(cast("CursorResult[Any]", result).rowcount), 0)
    if any(deleted.values()):
        session.add(
            PrivacyEvent(
                kind="retention",
                subject=None,
                actor="scheduler",
                details={
                    "cutoff": cutoff.isoformat(),
                    "retention_days": retention_days,
                    "deleted": deleted,
                },
            )
        )
        session.flush()
    return RetentionResult(cutoff, deleted)
