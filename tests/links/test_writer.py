"""The click writer and the rollup job: exactly-once clicks, uniques, group commit, rollups."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.config import Settings
from microreach.db.session import Database
from microreach.kit.clock import as_utc
from microreach.links import repository, service
from microreach.links.clickids import click_id_at
from microreach.links.models import Click, ClickMark, ClickRollup, Link, OrphanVisit
from microreach.links.tasks import SETTLE, rollup_clicks
from microreach.links.visitors import utc_day, visitor_hash
from microreach.links.writer import (
    MARK_EVERY_S,
    ClickRecord,
    ClickWriter,
    OrphanRecord,
    Record,
    WriterMemory,
    _utc_text,
    encode,
    uuid_of_text,
    write_lines_pg,
    write_records,
)
from tests.links.conftest import Tenant

SECRET = "test-secret-key"
DAY_ONE = datetime(2026, 3, 1, 23, 50, tzinfo=UTC)


def make_link(session: Session, settings: Settings, tenant: Tenant) -> Link:
    """A link row made directly (the writer and rollups need no API)."""
    link = Link(
        organisation_id=tenant.organisation.id,
        slug=f"w{uuid.uuid4().hex[:8]}",
        destination="https://shop.example.com/",
        created_at=DAY_ONE,
        updated_at=DAY_ONE,
    )
    session.add(link)
    session.flush()
    return link


def click(
    link: Link,
    at: datetime = DAY_ONE,
    *,
    ip: str = "203.0.113.7",
    agent: str = "Mozilla/5.0 test",
    click_id: uuid.UUID | None = None,
    is_bot: bool = False,
    country: str | None = "FR",
) -> ClickRecord:
    day = utc_day(at)
    return ClickRecord(
        id=click_id or click_id_at(at),
        link_id=link.id,
        occurred_at=at,
        referrer_domain="instagram.com",
        country=country,
        device="mobile",
        os="iOS",
        browser="Mobile Safari",
        is_bot=is_bot,
        bot_name="x" if is_bot else None,
        method="GET",
        visitor_hash=visitor_hash(SECRET, day, ip, agent),
        day=day,
    )


def stored(session: Session, link: Link) -> list[Click]:
    session.expire_all()
    query = sa.select(Click).where(Click.link_id == link.id).order_by(Click.occurred_at)
    return list(session.scalars(query))


def write(session: Session, records: list[ClickRecord]) -> None:
    write_records(session.connection(), list(records), DAY_ONE)


def test_replayed_click_id_is_stored_once(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    first = click(link)
    write(session, [first, first])
    write(session, [first])
    rows = stored(session, link)
    assert [row.id for row in rows] == [first.id]
    assert rows[0].is_unique is True


def test_unique_once_per_visitor_and_day_across_key_rotation(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    next_day = DAY_ONE + timedelta(minutes=20)  # 00:10 the next UTC day
    write(session, [click(link), click(link, DAY_ONE + timedelta(minutes=5))])
    write(session, [click(link, next_day), click(link, next_day + timedelta(minutes=1))])
    write(session, [click(link, next_day + timedelta(minutes=2), ip="198.51.100.1")])
    flags = [row.is_unique for row in stored(session, link)]
    assert flags == [True, False, True, False, True]
    # The daily key rotates: the same person has unrelated hashes on the two days.
    assert visitor_hash(SECRET, DAY_ONE.date(), "203.0.113.7", "a") != visitor_hash(
        SECRET, next_day.date(), "203.0.113.7", "a"
    )


def test_orphans_are_written(session: Session) -> None:
    orphan = OrphanRecord(uuid.uuid4(), "go.example.com", "typo", DAY_ONE, False)
    write_records(session.connection(), [orphan, orphan], DAY_ONE)
    count = session.scalar(sa.text("SELECT count(*) FROM orphan_visits WHERE slug = 'typo'"))
    assert count == 1


def test_group_commit_resolves_every_click_after_commit(
    session: Session, database: Database, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    records = [click(link, ip=f"203.0.113.{n % 250}") for n in range(300)]

    async def run() -> None:
        writer = ClickWriter(database, batch_size=64, max_wait_s=0.001)
        await writer.start()
        await asyncio.gather(*(writer.record(record) for record in records))
        await writer.stop()

    asyncio.run(run())
    rows = stored(session, link)
    assert len(rows) == 300
    assert sum(row.is_unique for row in rows) == 250


class HeldWriter(ClickWriter):
    """A click writer whose commits start only when the test lets them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.go = threading.Event()
        self.writing = threading.Event()

    def _write(self, records: Sequence[Record]) -> None:
        self.writing.set()
        self.go.wait(10)
        super()._write(records)


def test_journaled_clicks_wait_for_the_commit_interval_unless_a_request_waits(
    session: Session,
    database: Database,
    link_settings: Settings,
    tenant: Tenant,
    tmp_path: Path,
) -> None:
    link = make_link(session, link_settings, tenant)
    records = [click(link, ip=f"203.0.113.{n}") for n in range(7)]

    async def run() -> None:
        writer = HeldWriter(
            database,
            batch_size=64,
            max_wait_s=0,
            journal_dir=tmp_path / "journal",
            max_backlog=4,
            journaled_interval_s=60,
        )
        await writer.start()
        first = asyncio.create_task(writer.record(records[0]))
        while not writer.writing.is_set():
            await asyncio.sleep(0.001)
        for record in records[1:4]:
            await writer.record(record)  # journaled while records[0] commits
        writer.go.set()
        await first
        await asyncio.sleep(0.05)
        # Nobody waits for records 1-3 (their requests were answered): they wait for the
        # interval, so that more clicks share their commit.
        assert len(stored(session, link)) == 1 and writer.busy
        await writer.record(records[4])  # journaled too: the backlog has room
        # A full backlog makes the next request wait, and its commit takes everything queued.
        await writer.record(records[5])
        assert len(stored(session, link)) == 6
        await writer.record(records[6])  # the writer is idle again: committed at once
        assert len(stored(session, link)) == 7
        await writer.stop()  # commits what is left (nothing)

    asyncio.run(asyncio.wait_for(run(), timeout=20))
    assert sorted(row.id for row in stored(session, link)) == sorted(r.id for r in records)


def test_awkward_texts_are_stored_as_given(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    awkward = ['a "quoted" ua', "back\\slash\\", "NULL", "{x,y}", " spaced ", "Ünïcödé, ok"]
    records = [click(link, ip=f"203.0.113.{n}") for n in range(len(awkward))]
    for record, text in zip(records, awkward, strict=True):
        record.os = record.browser = record.referrer_domain = text
        record.bot_name = None
    write(session, records)
    rows = {row.id: row for row in stored(session, link)}
    for record, text in zip(records, awkward, strict=True):
        row = rows[record.id]
        assert (row.os, row.browser, row.referrer_domain, row.bot_name) == (text, text, text, None)
        assert as_utc(row.occurred_at) == record.occurred_at and row.is_unique


def test_uuids_read_from_text_are_checked() -> None:
    value = uuid.uuid4()
    assert uuid_of_text(value.hex) == value == uuid_of_text(str(value))
    assert uuid_of_text(value.hex).is_safe is uuid.UUID(hex=value.hex).is_safe
    for bad in ("", value.hex[:-1], value.hex + "0", "g" * 32, " " + value.hex[1:], "٣" * 32):
        with pytest.raises(ValueError):
            uuid_of_text(bad)


def test_times_are_stored_as_sqlalchemy_writes_them() -> None:
    for value in (
        datetime(2026, 3, 1, 23, 50, 7, 123456, tzinfo=UTC),
        datetime(2026, 3, 1, 23, 50, 7, tzinfo=UTC),
        datetime(2026, 3, 1, 23, 50, 7, 5),  # naive: taken as UTC
        datetime(2026, 3, 2, 1, 50, 7, 999999, tzinfo=timezone(timedelta(hours=2))),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    ):
        expected = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        assert _utc_text(value) == expected.strftime("%Y-%m-%d %H:%M:%S.%f")
        assert _utc_text(value) == _utc_text(value)  # the second answer comes from the cache


def test_a_bad_record_fails_alone(
    session: Session, database: Database, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    good = click(link)
    ghost = Link(id=uuid.uuid4())
    bad = click(ghost)
    outcomes: list[BaseException | None] = []

    async def run() -> None:
        writer = ClickWriter(database, batch_size=64, max_wait_s=0.01)
        await writer.start()
        results = await asyncio.gather(
            writer.record(good), writer.record(bad), return_exceptions=True
        )
        outcomes.extend(result if isinstance(result, BaseException) else None for result in results)
        await writer.stop()

    asyncio.run(run())
    assert outcomes[0] is None and isinstance(outcomes[1], Exception)
    assert [row.id for row in stored(session, link)] == [good.id]


def rollups(session: Session, link: Link) -> list[tuple[object, ...]]:
    session.expire_all()
    rows = session.scalars(sa.select(ClickRollup).where(ClickRollup.link_id == link.id))
    return sorted(
        (row.hour, row.country, row.device, row.referrer, row.is_bot, row.clicks, row.uniques)
        for row in rows
    )


def test_rollups_are_incremental_and_idempotent(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    hour = DAY_ONE.replace(minute=0)
    write(
        session,
        [
            click(link),
            click(link),
            click(link, is_bot=True, agent="bot"),
            click(link, country=None),
        ],
    )
    later = DAY_ONE + timedelta(hours=1)
    rollup_clicks(session, link_settings, later)
    expected = [
        (hour, "", "mobile", "instagram.com", False, 1, 0),
        (hour, "FR", "mobile", "instagram.com", False, 2, 1),
        (hour, "FR", "mobile", "instagram.com", True, 1, 1),
    ]
    assert rollups(session, link) == expected
    rollup_clicks(session, link_settings, later)
    rollup_clicks(session, link_settings, later + timedelta(minutes=5))
    assert rollups(session, link) == expected
    # A late click of the same hour (recorded after the watermark) is folded in.
    recorded = later + timedelta(minutes=6)
    write_records(session.connection(), [click(link, ip="198.51.100.9")], recorded)
    rollup_clicks(session, link_settings, later + timedelta(minutes=10))
    assert rollups(session, link)[1] == (hour, "FR", "mobile", "instagram.com", False, 3, 2)


def test_rollups_rebuild_only_the_touched_links_of_an_hour(
    session: Session, link_settings: Settings, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many links in one hour are rebuilt together, in chunks; a late click of one link
    rebuilds that link's hour only, so another link's rollups survive its raw clicks being
    deleted (retention)."""
    monkeypatch.setattr(repository, "ROLLUP_LINKS_PER_STATEMENT", 2)
    links = [make_link(session, link_settings, tenant) for _ in range(5)]
    hour = DAY_ONE.replace(minute=0)  # 23:00, the clicks below between 23:00 and 23:59
    next_hour = hour + timedelta(hours=1)
    records = [click(link, hour + timedelta(minutes=n)) for n, link in enumerate(links)]
    records += [click(links[0], next_hour + timedelta(minutes=5), ip="198.51.100.3")]
    records += [click(links[4], hour + timedelta(minutes=20), ip="198.51.100.4")]
    write(session, records)
    later = DAY_ONE + timedelta(hours=3)
    assert rollup_clicks(session, link_settings, later).link_hours == 6
    assert rollups(session, links[0]) == [
        (hour, "FR", "mobile", "instagram.com", False, 1, 1),
        (next_hour, "FR", "mobile", "instagram.com", False, 1, 1),
    ]
    for link in links[1:4]:
        assert rollups(session, link) == [(hour, "FR", "mobile", "instagram.com", False, 1, 1)]
    assert rollups(session, links[4]) == [(hour, "FR", "mobile", "instagram.com", False, 2, 2)]
    session.execute(sa.delete(Click).where(Click.link_id == links[1].id))
    late = click(links[2], hour + timedelta(minutes=30), ip="198.51.100.5")
    write_records(session.connection(), [late], later + timedelta(minutes=1))
    assert rollup_clicks(session, link_settings, later + timedelta(minutes=5)).link_hours == 1
    assert rollups(session, links[1]) == [(hour, "FR", "mobile", "instagram.com", False, 1, 1)]
    assert rollups(session, links[2]) == [(hour, "FR", "mobile", "instagram.com", False, 2, 2)]


def test_click_summary_reads_rollups(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    write(session, [click(link), click(link, ip="198.51.100.2"), click(link, is_bot=True)])
    rollup_clicks(session, link_settings, DAY_ONE + timedelta(hours=1))
    ctx = OrgContext(organisation=tenant.organisation)
    summary = service.click_summary(session, ctx, link.id)
    assert (summary.clicks, summary.uniques, summary.bot_clicks) == (2, 2, 1)
    assert [(row.key, row.clicks) for row in summary.by_country] == [("FR", 2)]
    assert summary.by_hour[0].hour == DAY_ONE.replace(minute=0)


def test_seen_visitors_skip_the_insert_and_keep_uniques_right(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    mine, theirs = WriterMemory(size=2), WriterMemory(size=2)
    first = click(link)
    mine.remember(write_records(session.connection(), [first], DAY_ONE, mine))
    # Known to this process: no insert, not unique.
    again = click(link, DAY_ONE + timedelta(minutes=1))
    write_records(session.connection(), [again], DAY_ONE, mine)
    # Unknown to another process: the table still says it is not new.
    elsewhere = click(link, DAY_ONE + timedelta(minutes=2))
    write_records(session.connection(), [elsewhere], DAY_ONE, theirs)
    assert [row.is_unique for row in stored(session, link)] == [True, False, False]
    mine.add_all([("a", "d", "1"), ("b", "d", "2")])
    assert ("a", "d", "1") in mine and (
        first.link_id.hex,
        "2026-03-01",
        first.visitor_hash,
    ) not in mine


def test_the_worker_line_path_stores_what_the_record_path_stores(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    """write_lines_pg (the click worker's path on PostgreSQL), inserting and copying, against
    write_records: the same rows, uniques and orphans from the same records, replays stored
    once by the insert and refused whole by the copy; a line that is not a record is refused
    as a whole batch (the worker then writes the lines one by one)."""
    if session.connection().dialect.name != "postgresql":
        pytest.skip("the line path is PostgreSQL's")
    by_records, by_insert, by_copy = (make_link(session, link_settings, tenant) for _ in "abc")

    def batch(link: Link) -> list[Record]:
        on_the_second = DAY_ONE.replace(microsecond=0)  # ISO text without a fraction
        quoted = ClickRecord(
            uuid.uuid4(), link.id, DAY_ONE, 'quo"te\\d.exa\tmple', None, "desktop",
            "Windows", "Edge", False, None, "GET", "f" * 32, DAY_ONE.date(),
        )  # fmt: skip
        return [
            click(link, DAY_ONE + timedelta(seconds=3), ip="198.51.100.1"),
            click(link, on_the_second, ip="198.51.100.1"),  # earlier: sorted before
            click(link, DAY_ONE + timedelta(minutes=20), ip="198.51.100.1"),  # next UTC day
            click(link, DAY_ONE, ip="198.51.100.2", is_bot=True, country=None),
            quoted,
            OrphanRecord(uuid.uuid4(), "go.example.com", f"nope-{link.slug}", DAY_ONE, False),
        ]

    records = batch(by_records)
    write_records(session.connection(), records, DAY_ONE)
    lines: dict[bool, list[bytes]] = {}
    for copy, link in ((False, by_insert), (True, by_copy)):
        mirrored = batch(link)
        for record, twin in zip(records, mirrored, strict=True):
            if isinstance(record, ClickRecord) and isinstance(twin, ClickRecord):
                twin.visitor_hash = record.visitor_hash
        lines[copy] = [encode(record) for record in mirrored]
        assert write_lines_pg(session.connection(), lines[copy], DAY_ONE, None, copy=copy)[0] == 5
    assert write_lines_pg(session.connection(), lines[False][:2], DAY_ONE, None)[0] == 2  # replay
    with pytest.raises(psycopg.errors.UniqueViolation), session.begin_nested():
        write_lines_pg(session.connection(), lines[True][:2], DAY_ONE, None, copy=True)

    def columns(link: Link) -> list[tuple[object, ...]]:
        rows = [
            (row.occurred_at, row.referrer_domain, row.country, row.device, row.os,
             row.browser, row.is_bot, row.bot_name, row.is_unique, row.method)
            for row in stored(session, link)
        ]  # fmt: skip
        return sorted(rows, key=repr)

    assert len(columns(by_records)) == 5
    assert columns(by_insert) == columns(by_records) == columns(by_copy)
    hours = {DAY_ONE.replace(minute=0), DAY_ONE.replace(minute=0) + timedelta(hours=1)}
    for link in (by_records, by_insert, by_copy):
        assert {hour for at, marked, hour in marks(session) if marked == link.id} == hours
    for link in (by_insert, by_copy):
        assert {row.id for row in stored(session, link)} == {
            uuid.UUID(orjson.loads(line)[1]) for line in lines[link is by_copy][:5]
        }
    orphans = session.scalars(
        sa.select(OrphanVisit.slug).where(OrphanVisit.slug.like("nope-%"))
    ).all()
    links = (by_records, by_insert, by_copy)
    assert sorted(orphans) == sorted(f"nope-{link.slug}" for link in links)
    with pytest.raises(ValueError, match="not a click record"):
        write_lines_pg(session.connection(), [lines[False][0], b'["x", 1]'], DAY_ONE, None)
    # A malformed id is one element PostgreSQL refuses, not a comma that shifts the arrays.
    line = lines[False][0]
    click_id = orjson.loads(line)[1]
    shifted = f"{click_id},{uuid.uuid4()}".encode()  # two ids if the comma were read as one
    forged = line.replace(click_id.encode(), shifted)
    with pytest.raises(psycopg.errors.DataError, match="uuid"), session.begin_nested():
        write_lines_pg(session.connection(), [forged], DAY_ONE, None)


def marks(session: Session) -> list[tuple[datetime, uuid.UUID, datetime]]:
    rows = session.execute(sa.select(ClickMark.recorded_at, ClickMark.link_id, ClickMark.hour))
    return sorted((as_utc(r), link_id, as_utc(h)) for r, link_id, h in rows)


def test_marks_are_written_every_few_seconds_per_link_hour_once_committed(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    """A writer marks each (link, hour) of a batch unless it committed a mark of it less than
    MARK_EVERY_S ago; a batch that did not commit (no `remember`) leaves nothing trusted."""
    first, second = (
        make_link(session, link_settings, tenant),
        make_link(session, link_settings, tenant),
    )
    hour = DAY_ONE.replace(minute=0)
    next_hour = hour + timedelta(hours=1)
    memory = WriterMemory(size=100)
    t0 = DAY_ONE + timedelta(seconds=1)
    written = write_records(
        session.connection(), [click(first), click(second), click(first, ip="198.51.100.1")],
        t0, memory,
    )  # fmt: skip
    assert sorted(written.marks) == sorted(
        (link.id.hex, "2026-03-01 23") for link in (first, second)
    )
    memory.remember(written)
    # A second later: nothing new to mark, except the link-hour never marked.
    t1 = t0 + timedelta(seconds=1)
    written = write_records(
        session.connection(), [click(first), click(first, next_hour + timedelta(minutes=1))],
        t1, memory,
    )  # fmt: skip
    assert written.marks == [(first.id.hex, "2026-03-02 00")]
    # Not remembered (as if its transaction had rolled back): the next batch marks it again.
    t2 = t1 + timedelta(seconds=1)
    written = write_records(
        session.connection(), [click(first, next_hour + timedelta(minutes=2))], t2, memory
    )
    assert written.marks == [(first.id.hex, "2026-03-02 00")]
    memory.remember(written)
    # MARK_EVERY_S after the first mark, the first hour is marked again.
    t3 = t0 + timedelta(seconds=MARK_EVERY_S)
    written = write_records(session.connection(), [click(second)], t3, memory)
    assert written.marks == [(second.id.hex, "2026-03-01 23")]
    assert marks(session) == sorted([
        (t0, first.id, hour), (t0, second.id, hour), (t1, first.id, next_hour),
        (t2, first.id, next_hour), (t3, second.id, hour),
    ])  # fmt: skip


def test_the_rollup_settles_far_longer_than_a_writer_waits_between_marks() -> None:
    assert SETTLE.total_seconds() > 4 * MARK_EVERY_S


def test_a_click_committed_just_after_its_link_hours_mark_is_rolled_up(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    """The second batch writes no mark (its link-hour was marked a second before), yet the
    rollup run that reads the first batch's mark counts it: the run reads the whole hour."""
    link = make_link(session, link_settings, tenant)
    memory = WriterMemory(size=100)
    t0 = DAY_ONE + timedelta(seconds=1)
    memory.remember(write_records(session.connection(), [click(link)], t0, memory))
    late = write_records(
        session.connection(), [click(link, ip="198.51.100.1")], t0 + timedelta(seconds=1), memory
    )
    assert late.marks == []
    rollup_clicks(session, link_settings, t0 + SETTLE + timedelta(seconds=1))
    assert rollups(session, link) == [
        (DAY_ONE.replace(minute=0), "FR", "mobile", "instagram.com", False, 2, 2)
    ]


def test_rollups_count_a_click_in_the_hour_it_occurred_whatever_its_id_says(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    """An hour's clicks are read by id range, widened by CLOCK_SLACK: a click whose id time
    (read a moment apart from `occurred_at`) is across the hour's edge counts in its hour."""
    link = make_link(session, link_settings, tenant)
    edge = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    ms = timedelta(milliseconds=1)
    last = edge + timedelta(minutes=59, seconds=59)
    write(
        session,
        [
            click(link, edge - timedelta(microseconds=1), click_id=click_id_at(edge + 2 * ms)),
            click(link, edge, click_id=click_id_at(edge - 2 * ms), ip="198.51.100.1"),
            # Within CLOCK_SLACK (a minute) past the hour's end.
            click(link, last, click_id=click_id_at(last + 30_000 * ms), ip="198.51.100.2"),
        ],
    )
    rollup_clicks(session, link_settings, edge + timedelta(hours=3))
    assert [(row[0], row[5]) for row in rollups(session, link)] == [
        (edge - timedelta(hours=1), 1),
        (edge, 2),
    ]


def test_retention_deletes_old_clicks_through_the_primary_key(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    cutoff = DAY_ONE
    ms = timedelta(milliseconds=1)
    write(
        session,
        [
            click(link, cutoff - timedelta(days=1)),
            click(link, cutoff - timedelta(microseconds=1), click_id=click_id_at(cutoff + ms)),
            click(link, cutoff, click_id=click_id_at(cutoff - ms)),
            click(link, cutoff + timedelta(hours=1)),
        ],
    )
    repository.delete_clicks_before(session, cutoff)
    assert [row.occurred_at for row in stored(session, link)] == [
        cutoff,
        cutoff + timedelta(hours=1),
    ]
