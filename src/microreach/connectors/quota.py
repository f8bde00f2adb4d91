"""Daily API quotas kept in the database, so every process spends from the same budget.

YouTube charges units per call (list 1, search 100) against a daily quota that resets at
midnight Pacific time; `spend` is called before each request (Google charges failed calls
too) and refuses, without calling, once the day's budget would be exceeded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from microreach.connectors import repository
from microreach.connectors.errors import QuotaExceeded
from microreach.creators.enums import Platform
from microreach.db.session import Database
from microreach.kit.clock import utcnow

PACIFIC = ZoneInfo("America/Los_Angeles")


def quota_day(platform: Platform, now: datetime) -> date:
    """The platform's quota day containing `now` (YouTube: the Pacific-time date)."""
    return now.astimezone(PACIFIC).date() if platform is Platform.YOUTUBE else now.date()


def quota_resets_at(platform: Platform, now: datetime) -> datetime:
    day = quota_day(platform, now) + timedelta(days=1)
    zone = PACIFIC if platform is Platform.YOUTUBE else now.tzinfo
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(now.tzinfo)


class DatabaseQuotaLedger:
    """Spends units in short transactions of their own: a failed capture still used them."""

    def __init__(
        self,
        database: Database,
        limits: Mapping[Platform, int],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._limits = dict(limits)
        self._clock = clock

    def spend(self, platform: Platform, units: int, *, account: str | None = None) -> None:
        limit = self._limits.get(platform)
        if limit is None:
            return
        now = self._clock()
        day = quota_day(platform, now)
        with self._database.transaction() as session:
            spent = repository.try_spend_quota(session, platform, day, units, limit, now)
        if not spent:
            resets = quota_resets_at(platform, now)
            raise QuotaExceeded(
                platform.value,
                f"the daily quota of {limit:,} units is spent (this call needs {units}); "
                f"it resets at {resets:%Y-%m-%d %H:%M} UTC",
                account=account,
                resets_at=resets,
            )

    def used(self, platform: Platform) -> int:
        with self._database.sessions() as session:
            return repository.quota_used(session, platform, quota_day(platform, self._clock()))


class SessionQuotaLedger:
    """Spends units in the caller's transaction: for a web request, whose own transaction
    would otherwise wait on a second writer (SQLite allows one at a time)."""

    def __init__(
        self,
        session: Session,
        limits: Mapping[Platform, int],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._session = session
        self._limits = dict(limits)
        self._clock = clock

    def spend(self, platform: Platform, units: int, *, account: str | None = None) -> None:
        limit = self._limits.get(platform)
        if limit is None:
            return
        now = self._clock()
        day = quota_day(platform, now)
        if not repository.try_spend_quota(self._session, platform, day, units, limit, now):
            resets = quota_resets_at(platform, now)
            raise QuotaExceeded(
                platform.value,
                f"the daily quota of {limit:,} units is spent (this call needs {units}); "
                f"it resets at {resets:%Y-%m-%d %H:%M} UTC",
                account=account,
                resets_at=resets,
            )
