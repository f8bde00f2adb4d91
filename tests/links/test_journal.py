"""The click journal: clicks answered before their commit are journaled, committed, then the
journal is cleared; a dead process's journal is replayed once at start-up, a live one's never."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database
from microreach.links.journal import ClickJournal
from microreach.links.writer import ClickWriter, Record, encode, write_records
from tests.links.conftest import Tenant
from tests.links.test_writer import DAY_ONE, click, make_link, stored


class HeldWriter(ClickWriter):
    """A click writer whose commits wait until the test lets them go."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.go = threading.Event()

    def _write(self, records: Sequence[Record]) -> None:
        self.go.wait(10)
        super()._write(records)


def test_clicks_during_a_commit_are_journaled_then_committed_and_the_journal_cleared(
    session: Session, database: Database, link_settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    link = make_link(session, link_settings, tenant)
    records = [click(link, ip=f"203.0.113.{n % 250}") for n in range(300)]
    journal_dir = tmp_path / "journal"

    async def run() -> None:
        writer = HeldWriter(database, batch_size=64, max_wait_s=0, journal_dir=journal_dir)
        await writer.start()
        # The first click finds the writer idle and waits for its commit ...
        first = asyncio.create_task(writer.record(records[0]))
        while not writer.busy:
            await asyncio.sleep(0)
        # ... the others arrive while that commit runs and are answered from the journal.
        await asyncio.wait_for(asyncio.gather(*map(writer.record, records[1:])), timeout=5)
        assert not first.done() and stored(session, link) == []
        journaled = b"".join(path.read_bytes() for path in journal_dir.glob("*.journal"))
        assert all(encode(record) in journaled for record in records[1:])
        assert encode(records[0]) not in journaled
        writer.go.set()
        await first
        await writer.stop()

    asyncio.run(run())
    assert len(stored(session, link)) == 300
    assert list(journal_dir.iterdir()) == []


def test_a_dead_process_journal_is_replayed_once(
    session: Session, database: Database, link_settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    link = make_link(session, link_settings, tenant)
    committed, lost = click(link), click(link, ip="198.51.100.4")
    write_records(session.connection(), [committed], DAY_ONE)
    journal_dir = tmp_path / "journal"
    journal_dir.mkdir()
    # What a killed process leaves: whole lines, a line cut by the kill, then zeros.
    cut = encode(click(link, ip="198.51.100.5"))[:40]
    data = encode(committed) + encode(lost) + cut
    (journal_dir / "gone-123-abcd-0.journal").write_bytes(data + bytes(4096))
    live = ClickJournal(journal_dir)
    live.open()
    live.append(encode(click(link, ip="198.51.100.6")))

    async def run() -> int:
        writer = ClickWriter(database, batch_size=64, max_wait_s=0, journal_dir=journal_dir)
        await writer.start()
        await writer.stop()
        return writer.replayed

    assert asyncio.run(run()) == 2
    assert sorted(row.id for row in stored(session, link)) == sorted([committed.id, lost.id])
    # The live process's journal is locked: neither replayed nor deleted.
    assert [path.name.startswith("gone-") for path in journal_dir.glob("*.journal")] == [False]
    live.close()
    assert list(journal_dir.iterdir()) == []


def test_segments_rotate_and_go_once_committed(tmp_path: Path) -> None:
    journal = ClickJournal(tmp_path, segment_bytes=100)
    journal.open()
    line = b'["o","' + uuid.uuid4().hex.encode() + b'"]\n'
    segments = [journal.append(line) for _ in range(5)]
    assert segments == [0, 0, 1, 1, 2]
    assert len(list(tmp_path.glob("*.journal"))) == 3
    journal.committed_before(2)
    assert len(list(tmp_path.glob("*.journal"))) == 1
    journal.keep(2)
    assert journal.append(line) == 3  # a kept segment takes no more lines
    journal.all_committed()
    journal.close()
    assert [path.name.endswith("-2.journal") for path in tmp_path.iterdir()] == [True]
