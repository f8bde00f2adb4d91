"""Jobs of the reports domain: the daily click read model, kept up with click_rollups.

`refresh_click_days` follows the links rollup job: it finds the (link, hour) pairs of the
clicks recorded since its own watermark and before the rollup job's (so click_rollups already
hold them) from the click writers' marks (links.models.ClickMark), deletes the marks both jobs
have now read, and rebuilds the (link, day) and (campaign, day) rows of those days from
click_rollups. Like the rollup job it rebuilds rather than adds, so running it twice changes
nothing. The first run builds everything with one statement per table. Every run that changed
something moves the read model's version, which is part of every report's cache key.

The job `reports.refresh_click_days` runs it; the scheduler enqueues it right after the links
rollup, at the same interval. `python -m microreach.reports.tasks` runs the links rollup and then
this, by hand or from cron.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from microreach.jobs.registry import JobContext, NoArgs, job
from microreach.links import repository as links_repository
from microreach.links.service import ROLLUP_NAME
from microreach.links.tasks import MARKS_KEPT
from microreach.reports import repository


@dataclass(frozen=True)
class RefreshResult:
    link_days: int
    recorded_until: datetime | None


def refresh_click_days(session: Session) -> RefreshResult:
    until = links_repository.rollup_watermark(session, ROLLUP_NAME)
    since = repository.clicks_until(session)
    if until is None or (since is not None and since >= until):
        return RefreshResult(0, since)
    if since is None or since <= until - MARKS_KEPT:  # never run, or its marks may be gone
        repository.rebuild_all(session)
        repository.set_state(session, until, changed=True)
        links_repository.delete_marks_before(session, until)
        return RefreshResult(-1, until)
    pairs = links_repository.touched_link_hours(session, since, until)
    link_days = {(link_id, hour.date()) for link_id, hour in pairs}
    repository.rebuild_days(session, link_days)
    repository.set_state(session, until, changed=bool(link_days))
    # Both jobs have read the marks recorded before `until` (the rollup job first).
    links_repository.delete_marks_before(session, until)
    return RefreshResult(len(link_days), until)


@job("reports.refresh_click_days", NoArgs)
def refresh_click_days_job(context: JobContext, _args: NoArgs) -> RefreshResult:
    """The scheduled run of `refresh_click_days`, in its own transaction."""
    with context.database.transaction() as session:
        return refresh_click_days(session)


def main() -> None:
    """One links rollup run, then one refresh of the report read model."""
    from microreach.config import get_settings
    from microreach.db.session import Database
    from microreach.kit.clock import utcnow
    from microreach.links.tasks import rollup_clicks

    settings = get_settings()
    database = Database.from_settings(settings)
    with database.transaction() as session:
        rolled = rollup_clicks(session, settings, utcnow())
        result = refresh_click_days(session)
    database.engine.dispose()
    print(
        f"rolled up {rolled.link_hours} link-hours; report read model rebuilt "
        f"{'everything' if result.link_days < 0 else f'{result.link_days} link-days'}"
    )


if __name__ == "__main__":
    main()
