"""Jobs of the links domain: hourly click rollups, built incrementally and safe to run twice.

`rollup_clicks` reads the (link, UTC hour) marks the click writers recorded since its watermark
(links.models.ClickMark: written with the clicks, at most every `writer.MARK_EVERY_S` per
link-hour and writer) and rebuilds those rollup rows from the raw clicks, an hour at a time
(the hour's clicks read once, from the primary key's range of UUIDv7 ids). Rebuilding (rather
than adding) makes a rerun, an overlap or a replayed click harmless: the result depends only on
the raw clicks. Marks recorded in the last `SETTLE` are left for the next run, so a batch still
committing is never half counted; and since SETTLE is far longer than MARK_EVERY_S, every click
a writer committed without a mark of its own (its link-hour was marked a moment before) is
committed by the time the run that reads that earlier mark reads the hour's clicks. The reports
job (reports.tasks) deletes the marks once it has read them too.

It also forgets visitor hashes of days before yesterday (they can no longer make a click
unique) and, when MICROREACH_CLICK_RETENTION_DAYS is set, raw clicks older than that; their
rollups stay (unless a click of such an old hour is replayed later, which rebuilds that hour
from what is left). The scheduler enqueues it as the job `links.rollup_clicks` every
MICROREACH_SCHEDULE_ROLLUP_SECONDS; `python -m microreach.links.tasks` runs it once (cron).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.jobs import JobContext, NoArgs, job
from microreach.links import repository
from microreach.links.service import ROLLUP_NAME
from microreach.links.visitors import utc_day

# Far longer than writer.MARK_EVERY_S: see the module's docstring (tests/links/test_writer.py
# checks it).
SETTLE = timedelta(seconds=30)
# Marks older than this before the watermark are deleted here too, in case the reports job (which
# deletes the marks as soon as it has read them) does not run; it rebuilds everything when its
# own watermark is older than this.
MARKS_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class RollupResult:
    link_hours: int
    recorded_until: datetime


def rollup_clicks(session: Session, settings: Settings, now: datetime) -> RollupResult:
    """Bring click_rollups up to the clicks recorded before `now - SETTLE`."""
    since = repository.rollup_watermark(session, ROLLUP_NAME)
    until = now - SETTLE
    if since is not None and since >= until:
        return RollupResult(0, since)
    pairs = set(repository.touched_link_hours(session, since, until))
    hours: dict[datetime, list[uuid.UUID]] = defaultdict(list)
    for link_id, hour in pairs:
        hours[hour].append(link_id)
    for hour in sorted(hours):
        repository.rebuild_rollups(session, hour, hours[hour])
    repository.set_rollup_watermark(session, ROLLUP_NAME, until)
    repository.delete_marks_before(session, until - MARKS_KEPT)
    repository.delete_visitors_before(session, utc_day(now) - timedelta(days=1))
    if settings.click_retention_days:
        repository.delete_clicks_before(
            session, now - timedelta(days=settings.click_retention_days)
        )
    return RollupResult(len(pairs), until)


@job("links.rollup_clicks", NoArgs)
def rollup_job(ctx: JobContext, _args: NoArgs) -> str:
    with ctx.database.transaction() as session:
        result = rollup_clicks(session, ctx.settings, ctx.now())
    return f"{result.link_hours} link-hours rolled up until {result.recorded_until.isoformat()}"


def main() -> None:
    """`python -m microreach.links.tasks`: one rollup run (cron, without the scheduler)."""
    from microreach.config import get_settings
    from microreach.db.session import Database
    from microreach.kit.clock import utcnow

    settings = get_settings()
    database = Database.from_settings(settings)
    with database.transaction() as session:
        result = rollup_clicks(session, settings, utcnow())
    database.engine.dispose()
    print(
        f"rolled up {result.link_hours} link-hours; clicks recorded before {result.recorded_until}"
    )


if __name__ == "__main__":
    main()
