"""The scale profile's click path: the redirect appends to a Redis stream, click workers write to
the database and acknowledge after the commit; a crash between the two replays without double
counting, a bad entry goes to the dead letters, and a redirect whose click Redis did not take
answers 503."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import redis
from prometheus_client import REGISTRY
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database
from microreach.links import stream
from microreach.links.models import Link
from microreach.links.stream import (
    DEAD_LETTERS,
    GROUP,
    STREAM,
    ClickConsumer,
    ClickTransportError,
    StreamWriter,
    sender_name,
    volatility_warning,
)
from microreach.links.writer import OrphanRecord, decode, encode
from tests.links.conftest import Tenant
from tests.links.test_writer import DAY_ONE, click, make_link, stored

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    client.delete(STREAM, DEAD_LETTERS)
    yield REDIS_URL
    client.delete(STREAM, DEAD_LETTERS)
    client.close()


def _send(url: str, records: list[object]) -> None:
    async def run() -> None:
        writer = StreamWriter(url, batch_size=64)
        await writer.start()
        await asyncio.gather(*(writer.record(record) for record in records))  # type: ignore[arg-type]
        await writer.stop()

    asyncio.run(run())


def test_records_survive_the_round_trip_through_their_encoding(
    session: Session, link_settings: Settings, tenant: Tenant
) -> None:
    link = make_link(session, link_settings, tenant)
    record = click(link)
    assert decode(encode(record)) == record
    orphan = OrphanRecord(uuid.uuid4(), "go.example.com", "nope", DAY_ONE, True)
    assert decode(encode(orphan)) == orphan
    with pytest.raises(ValueError, match="not a click record"):
        decode(b'["x", 1]')
    # Lines written before ids were encoded in orjson's uuid form (plain hex) still read.
    old_line = orjson.dumps(["o", orphan.id.hex, "go.example.com", "nope", DAY_ONE, True])
    assert decode(old_line) == orphan


def test_clicks_go_through_the_stream_exactly_once(
    session: Session, database: Database, link_settings: Settings, tenant: Tenant, redis_url: str
) -> None:
    link = make_link(session, link_settings, tenant)
    records = [click(link, ip=f"203.0.113.{n % 50}") for n in range(120)]
    _send(redis_url, list(records))
    client = redis.Redis.from_url(redis_url)
    entries: Any = client.xrange(STREAM)
    assert sum(len(values[b"r"].splitlines()) for _, values in entries) == 120
    assert len(entries) < 120  # records waiting together share one entry (one XADD)

    consumer = ClickConsumer(redis_url, database, name="one", batch_size=50, block_ms=10)
    while consumer.step():
        pass
    rows = stored(session, link)
    assert sorted(row.id for row in rows) == sorted(record.id for record in records)
    assert sum(row.is_unique for row in rows) == 50
    assert client.xlen(STREAM) == 0
    assert client.xpending(STREAM, GROUP)["pending"] == 0
    assert REGISTRY.get_sample_value("microreach_click_stream_length") == 0
    consumer.close()


def test_a_caught_up_worker_lingers_and_writes_what_arrived_meanwhile_in_one_transaction(
    session: Session,
    database: Database,
    link_settings: Settings,
    tenant: Tenant,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = make_link(session, link_settings, tenant)
    first = click(link)
    later = [click(link, ip=f"203.0.113.{n}") for n in range(5)]
    _send(redis_url, [first])
    lingered: list[float] = []

    def clicks_arrive_while_lingering(seconds: float) -> None:
        lingered.append(seconds)
        _send(redis_url, list(later))

    monkeypatch.setattr(stream.time, "sleep", clicks_arrive_while_lingering)
    consumer = ClickConsumer(redis_url, database, name="patient", block_ms=10, linger_ms=25)
    assert consumer.step() == 6
    assert lingered == [0.025]
    assert consumer.stats.batches == 1
    assert len(stored(session, link)) == 6
    # Without linger the worker writes what one read brought.
    _send(redis_url, [click(link)])
    eager = ClickConsumer(redis_url, database, name="eager", block_ms=10, linger_ms=0)
    assert eager.step() == 1 and lingered == [0.025]
    consumer.close()
    eager.close()


def test_a_crash_between_commit_and_acknowledgement_replays_without_double_counting(
    session: Session,
    database: Database,
    link_settings: Settings,
    tenant: Tenant,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = make_link(session, link_settings, tenant)
    records = [click(link, ip=f"198.51.100.{n}") for n in range(30)]
    _send(redis_url, list(records))
    crashing = ClickConsumer(redis_url, database, name="crashing", block_ms=10)

    def crash(_ids: object) -> None:
        raise ConnectionError("worker killed after the commit")

    monkeypatch.setattr(crashing, "_ack", crash)
    with pytest.raises(ConnectionError):
        crashing.step()
    assert len(stored(session, link)) == 30  # committed, but still pending in Redis
    client = redis.Redis.from_url(redis_url)
    assert client.xpending(STREAM, GROUP)["pending"] == client.xlen(STREAM) > 0

    # Another worker takes the abandoned entries over (claim_idle 0 for the test).
    other = ClickConsumer(redis_url, database, name="other", block_ms=10, claim_idle_ms=0)
    while other.step():
        pass
    assert other.stats.replayed == 30
    rows = stored(session, link)
    assert len(rows) == 30 and len({row.id for row in rows}) == 30
    assert sum(row.is_unique for row in rows) == 30
    assert client.xpending(STREAM, GROUP)["pending"] == 0 and client.xlen(STREAM) == 0
    other.close()


def test_a_database_outage_keeps_clicks_in_the_stream_until_it_is_back(
    session: Session,
    database: Database,
    link_settings: Settings,
    tenant: Tenant,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = make_link(session, link_settings, tenant)
    records = [click(link, ip=f"192.0.2.{n}") for n in range(10)]
    _send(redis_url, list(records))
    consumer = ClickConsumer(redis_url, database, name="patient", block_ms=10)

    def down(_records: object) -> None:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    with monkeypatch.context() as outage:
        outage.setattr(consumer, "_commit_lines", down)
        outage.setattr(consumer, "_commit", down)
        with pytest.raises(OperationalError):
            consumer.step()
    assert stored(session, link) == []
    consumer._own_pending = True  # what run() does after a failed step
    while consumer.step():
        pass
    assert len(stored(session, link)) == 10
    consumer.close()


def test_an_entry_that_can_never_be_written_goes_to_the_dead_letters(
    session: Session, database: Database, link_settings: Settings, tenant: Tenant, redis_url: str
) -> None:
    link = make_link(session, link_settings, tenant)
    good = click(link)
    ghost = click(Link(id=uuid.uuid4()))  # its link does not exist: a foreign key error
    _send(redis_url, [good, ghost])
    client = redis.Redis.from_url(redis_url)
    client.xadd(STREAM, {b"r": b"garbage"})
    consumer = ClickConsumer(redis_url, database, name="sorter", block_ms=10)
    while consumer.step():
        pass
    assert [row.id for row in stored(session, link)] == [good.id]
    assert consumer.stats.dead == 2
    assert client.xlen(DEAD_LETTERS) == 2 and client.xlen(STREAM) == 0
    consumer.close()


def test_a_click_redis_did_not_take_is_refused() -> None:
    async def run() -> None:
        writer = StreamWriter("redis://127.0.0.1:1/0", batch_size=8, timeout_s=0.5)
        await writer.start()
        orphan = OrphanRecord(uuid.uuid4(), "h", "s", DAY_ONE, False)
        with pytest.raises(ClickTransportError):
            await writer.record(orphan)
        await writer.stop()

    asyncio.run(run())


def test_a_busy_worker_looks_for_abandoned_entries_only_now_and_then(
    session: Session, database: Database, link_settings: Settings, tenant: Tenant, redis_url: str
) -> None:
    link = make_link(session, link_settings, tenant)
    for n in range(6):  # six stream entries: one XADD each
        _send(redis_url, [click(link, ip=f"203.0.113.{n}")])
    consumer = ClickConsumer(
        redis_url, database, name="busy", entries_per_read=1, block_ms=10, claim_idle_ms=60_000
    )
    client = consumer._redis()
    claims: list[object] = []
    real_claim = client.xautoclaim

    def counting(*args: Any, **kwargs: Any) -> Any:
        claims.append(args)
        return real_claim(*args, **kwargs)

    client.xautoclaim = counting  # type: ignore[method-assign]
    steps = 0
    while consumer.step():
        steps += 1
    assert steps == 6 and len(stored(session, link)) == 6
    assert len(claims) == 1  # one look before the first read, not one per read
    assert consumer.step() == 0
    assert len(claims) == 2  # and once more as soon as the stream ran dry
    consumer.close()


def test_a_sender_whose_connection_dropped_reconnects(
    session: Session, link_settings: Settings, tenant: Tenant, redis_url: str
) -> None:
    link = make_link(session, link_settings, tenant)
    admin = redis.Redis.from_url(redis_url)
    outcomes: list[str] = []

    async def run() -> None:
        writer = StreamWriter(redis_url, batch_size=64, senders=1)
        await writer.start()
        await writer.record(click(link, ip="203.0.113.1"))  # the sender's connection is open
        senders = [c for c in admin.client_list() if c["name"] == sender_name()]
        assert len(senders) == 1
        admin.client_kill_filter(_id=senders[0]["id"])  # Redis drops it
        for n in range(3):
            try:
                await writer.record(click(link, ip=f"203.0.113.{n + 2}"))
                outcomes.append("stored")
            except ClickTransportError:
                outcomes.append("refused")
        await writer.stop()

    asyncio.run(run())
    # At most the click sent on the dead connection is refused (a 503: nothing accepted);
    # the next one goes on a new connection.
    assert outcomes[-2:] == ["stored", "stored"]
    entries: Any = admin.xrange(STREAM)
    lines = sum(len(values[b"r"].splitlines()) for _, values in entries)
    assert lines == 1 + outcomes.count("stored")
    admin.close()


def test_redis_settings_that_can_lose_accepted_clicks_are_named() -> None:
    assert volatility_warning({"appendonly": "yes", "appendfsync": "always"}) is None
    assert volatility_warning({"appendonly": "yes", "appendfsync": "everysec"}) is None
    memory_only = volatility_warning({"appendonly": "no", "appendfsync": "everysec"})
    assert memory_only is not None
    assert "appendonly no" in memory_only and "appendonly yes" in memory_only
    unflushed = volatility_warning({"appendonly": "yes", "appendfsync": "no"})
    assert unflushed is not None and "appendfsync no" in unflushed
    assert volatility_warning({}) is None  # a server that does not report them


def test_the_worker_and_the_redirect_warn_about_the_redis_they_find(
    database: Database, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    expected = volatility_warning(client.config_get("append*"))
    client.close()
    consumer = ClickConsumer(redis_url, database, name="careful", block_ms=10)
    assert consumer.volatility() == expected
    consumer.close()

    async def start_and_stop() -> None:
        writer = StreamWriter(redis_url, batch_size=8)
        await writer.start()
        await writer.stop()

    with caplog.at_level("INFO", logger="microreach.links.stream"):
        asyncio.run(start_and_stop())
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ([f"click stream: {expected}"] if expected else [])


def test_an_unreachable_redis_does_not_stop_the_redirect_from_starting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def start_and_stop() -> None:
        writer = StreamWriter("redis://127.0.0.1:1/0", batch_size=8, timeout_s=0.5)
        await writer.start()
        await writer.stop()

    with caplog.at_level("INFO", logger="microreach.links.stream"):
        asyncio.run(start_and_stop())
    assert any("persistence not checked" in r.getMessage() for r in caplog.records)


def test_clicks_delivered_twice_in_fresh_entries_are_stored_once(
    session: Session,
    database: Database,
    link_settings: Settings,
    tenant: Tenant,
    redis_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """First reads are copied on PostgreSQL (COPY, no ON CONFLICT); an entry whose clicks are
    already stored (delivered twice) rolls the copy back and is inserted instead."""
    link = make_link(session, link_settings, tenant)
    records = [click(link, ip=f"203.0.113.{n}") for n in range(8)]
    _send(redis_url, list(records))
    client = redis.Redis.from_url(redis_url)
    raw: Any = client.xrange(STREAM)
    consumer = ClickConsumer(redis_url, database, name="twice", block_ms=10, linger_ms=0)
    while consumer.step():
        pass
    for _, values in raw:  # the same clicks again, as new entries
        client.xadd(STREAM, values)
    extra = click(link, ip="203.0.113.99")
    _send(redis_url, [extra])  # a new click in a later entry of the same read
    with caplog.at_level("INFO", logger="microreach.links.stream"):
        while consumer.step():
            pass
    rows = stored(session, link)
    assert sorted(row.id for row in rows) == sorted(r.id for r in [*records, extra])
    assert sum(row.is_unique for row in rows) == 9
    assert consumer.stats.dead == 0 and client.xlen(STREAM) == 0
    if session.connection().dialect.name == "postgresql":
        assert any("held a stored id" in r.getMessage() for r in caplog.records)
    consumer.close()
    client.close()
