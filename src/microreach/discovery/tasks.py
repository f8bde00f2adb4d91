"""Jobs of the discovery domain: keeping the search index up to date.

`discovery.refresh_index` rebuilds the index (service.rebuild_index) when service.index_outdated
finds anything newer than it: an account added, deleted or changed, a creator edited, a
capture, a score written or peers re-ranked. The scheduler enqueues it every
MICROREACH_SCHEDULE_DISCOVERY_SECONDS, so creators imported or added in the web app, once the
scoring job has scored them, are found by search without anyone running
`microreach discovery index`. With nothing newer it runs a few queries and writes nothing.
"""

from __future__ import annotations

from microreach.discovery import service
from microreach.jobs import JobContext, NoArgs, job


@job("discovery.refresh_index", NoArgs, retries=1, backoff=(300,))
def refresh_index_job(ctx: JobContext, _args: NoArgs) -> str:
    with ctx.database.engine.connect() as connection:
        outdated = service.index_outdated(connection)
    if not outdated:
        return "the index is up to date"
    result = service.rebuild_index(ctx.database.engine, ctx.settings)
    return f"{result.profiles} accounts indexed"
