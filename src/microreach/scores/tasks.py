"""Jobs of the scores domain: scoring whatever new data made stale.

`scores.rescore` runs `service.score_all` in this process, in one transaction: it scores up
to LIMIT of the accounts with no score, a score of other formula versions or a capture newer
than their score, then re-ranks peers when anything changed. The limit keeps a run to a few
seconds, so on SQLite the other writers (the click writer among them) never wait long for
its write lock; the next runs score the accounts beyond it, and `microreach score` scores any
number at once, in parallel (after an upgrade that changes a formula, say).

The scheduler enqueues it every MICROREACH_SCHEDULE_SCORE_SECONDS, so accounts that arrive by
import, through the API or from the creator pages get their scores without anyone running
`microreach score`; the connectors' refresh job calls `rescore` after a refresh. With nothing
stale it only reads which accounts are stale and writes nothing (the peer pass is skipped while the
stored scores are those it last ranked), so it is cheap to run often and safe to run twice.
"""

from __future__ import annotations

from datetime import datetime

from microreach.config import Settings
from microreach.db.session import Database
from microreach.jobs import JobContext, NoArgs, job
from microreach.scores import service
from microreach.scores.service import ScoreResult

# Accounts one run scores at most: about 2-3 s of work on a 2-CPU machine.
LIMIT = 2000


def rescore(
    database: Database, settings: Settings, now: datetime | None = None, limit: int | None = None
) -> ScoreResult:
    """Score up to ``limit`` (default LIMIT) accounts that need it (see service.stale_ids) in
    one transaction, then re-rank peers; the rest are left for the next run."""
    with database.transaction() as session:
        return service.score_all(
            session.connection(),
            tier_scheme=settings.tier_scheme,
            now=now,
            limit=LIMIT if limit is None else limit,
        )


@job("scores.rescore", NoArgs, retries=1, backoff=(300,))
def rescore_job(ctx: JobContext, _args: NoArgs) -> str:
    result = rescore(ctx.database, ctx.settings, ctx.now())
    return (
        f"{result.scored} scored, {result.pending} left for the next run, "
        f"{result.up_to_date} up to date, {result.reranked} re-ranked in "
        f"{result.peer_groups} peer groups"
    )
