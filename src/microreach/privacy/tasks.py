"""The privacy domain's periodic job: snapshot retention (`privacy.apply_retention`)."""

from __future__ import annotations

from microreach.jobs.registry import JobContext, NoArgs, job
from microreach.privacy.retention import RetentionResult, apply_retention


@job("privacy.apply_retention", NoArgs)
def retention_job(context: JobContext, _args: NoArgs) -> RetentionResult:
    """Delete snapshots older than MICROREACH_SNAPSHOT_RETENTION_DAYS (each series keeps its
    newest); a no-op while the setting is 0."""
    with context.database.transaction() as session:
        return apply_retention(session, context.settings.snapshot_retention_days, context.now())
