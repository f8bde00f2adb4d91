"""The redirect hot path: `GET|HEAD /{slug}` from an in-process cache, click recorded, 302.

No ORM and no FastAPI on this path: a cached lookup, a click handed to the group-commit writer
(links.writer: committed, or journaled while a commit runs), and a raw ASGI response. The same
`Redirector` serves the slug route of the full web app (`slug_route`, registered last so every
app route wins) and the standalone app `create_redirect_app` (`uvicorn --factory
microreach.links.redirect: create_redirect_app --workers N`), which answers only redirects and
`/healthz`, and sends `/@handle` (link-in-bio pages, drawn by the web app) to the web app's
public URL.

Cache: slug (and short-domain host) -> the link's id, tagged destination, enabled flag,
expiry and fallback; unknown slugs are cached as misses. Invalidation: every transaction
that changes a link bumps the `links_version` row; each process reads that row at most every
`MICROREACH_LINK_CACHE_CHECK_MS` (one indexed one-row read, off the event loop) and drops its
whole cache when the number moved. This works the same for one process on SQLite and for
many processes on many machines on PostgreSQL, with no broker; a Redis pub/sub notifier can
call `LinkCache.clear` for sub-millisecond propagation, but correctness never depends on it.
A lookup that started before a clear is not stored after it (generation counter), so a stale
row cannot outlive the next check.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any, Final, NamedTuple
from urllib.parse import quote, urlsplit

import redis
import redis.asyncio as aioredis
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from microreach.config import Settings, get_settings
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.links import agents, repository
from microreach.links.clickids import ClickIds
from microreach.links.destinations import with_click_id
from microreach.links.geo import country_for
from microreach.links.service import tagged_destination
from microreach.links.slugs import RESERVED_PREFIXES, RESERVED_SLUGS
from microreach.links.stream import StreamWriter
from microreach.links.visitors import visitor_hash
from microreach.links.writer import ClickRecord, ClickWriter, OrphanRecord
from microreach.observability import metrics

CLICK_ID_MARK = "MRCLICKIDMARK"
CHANNEL = "microreach:links-changed"
JOURNAL_DIR = "click-journal"
# The click writer's thread retakes the GIL after each SQLite call; with Python's default 5 ms
# switch interval it waits behind the busy event loop and every commit (so every redirect)
# takes longer. 0.5 ms gave the standalone redirect process about a quarter more redirects
# per second in bench/redirect.py; the web app keeps the default.
SWITCH_INTERVAL_S = 0.0005
TIMINGS_FLUSH_S = 1.0
# The clicks waiting for a batch commit (thousands under load, for up to the writer's journaled
# commit interval) are container objects that outlive the young generation: with Python's
# default thresholds (700, 10, 10) they set off a collection every few hundred requests and a
# full one every second or two (10 ms with the loop stopped, the redirect's p99). Nothing on
# the redirect path makes reference cycles, so the standalone process collects far less often.
GC_THRESHOLDS = (50_000, 20, 100)
logger = logging.getLogger(__name__)
NOT_FOUND_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Link not found</title>"
    b"<h1>Link not found</h1><p>This short link does not exist or was turned off.</p></html>"
)
GONE_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Link expired</title>"
    b"<h1>Link expired</h1><p>This short link has expired.</p></html>"
)
HTML_HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-store"),
]
UNAVAILABLE_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Try again</title>"
    b"<h1>One moment</h1><p>This link could not be opened just now. Please try again.</p></html>"
)
UNAVAILABLE_HEADERS = [*HTML_HEADERS, (b"retry-after", b"1")]


@dataclass(frozen=True, slots=True)
class CachedLink:
    link_id: uuid.UUID
    # The tagged destination split around where the click id goes.
    location_head: str
    location_tail: str
    plain_location: bytes
    enabled: bool
    expires_at: datetime | None
    fallback_url: bytes | None

    def location(self, click_id: str) -> bytes:
        return f"{self.location_head}{click_id}{self.location_tail}".encode()

    @classmethod
    def of(cls, target: repository.RedirectTarget) -> CachedLink:
        url = tagged_destination(target.destination, target.utm)
        head, _, tail = with_click_id(url, CLICK_ID_MARK).partition(CLICK_ID_MARK)
        return cls(
            link_id=target.link_id,
            location_head=head,
            location_tail=tail,
            plain_location=url.encode(),
            enabled=target.enabled,
            expires_at=target.expires_at,
            fallback_url=target.fallback_url.encode() if target.fallback_url else None,
        )


Key = repository.SlugKey  # (short-domain host or None for the app host, slug)


class Miss(Enum):
    """Not answerable from the cache right now (absent, or a version check is due)."""

    MISS = 0


# A module constant: reading an enum member through its class costs a descriptor call.
MISS: Final = Miss.MISS
# Most slugs one statement reads when the cache loads links.
LOAD_BATCH = repository.SLUGS_PER_STATEMENT


class LinkCache:
    """Slug -> CachedLink (or None for a known miss), dropped when `links_version` moves.

    Reads are batched: every slug that misses while a read is running waits for the next one,
    which reads them all in one statement (at most LOAD_BATCH), so a cold or just-cleared cache
    facing many links costs a few statements instead of one session per slug. `warm` fills the
    cache with the newest links before the first request."""

    def __init__(self, database: Database, *, size: int, check_interval_s: float) -> None:
        self._database = database
        self._size = size
        self._interval = check_interval_s
        self._entries: dict[Key, CachedLink | None] = {}
        self._loading: dict[Key, asyncio.Future[CachedLink | None]] = {}
        self._queued: list[Key] = []
        self._loader: asyncio.Task[None] | None = None
        self._hosts: frozenset[str] = frozenset()
        self._version: int | None = None
        self._generation = 0
        self._next_check = 0.0
        self._checking: asyncio.Future[None] | None = None
        self._executor = ThreadPoolExecutor(2, thread_name_prefix="link-cache")
        self.loads = 0  # statements that read links (warming and misses)

    def clear(self) -> None:
        self._entries.clear()
        self._generation += 1

    def close(self) -> None:
        if self._loader is not None:
            self._loader.cancel()
        self._executor.shutdown(wait=False)

    def cached(self, host: str, slug: str) -> CachedLink | Miss | None:
        """The cached answer without a coroutine, or Miss.MISS when `get` has to run."""
        if time.monotonic() >= self._next_check:
            return MISS
        return self._entries.get((host if host in self._hosts else None, slug), MISS)

    async def warm(self, limit: int) -> int:
        """Load the ``limit`` newest links (at most the cache's size) in one statement; how
        many were stored. Links changed meanwhile are left to be read on demand."""
        count = min(self._size, limit)
        if count <= 0:
            return 0
        loop = asyncio.get_running_loop()
        await self._check(loop)
        generation = self._generation
        entries = await loop.run_in_executor(self._executor, self._load_newest, count)
        if generation != self._generation:
            return 0
        for key, entry in entries:
            if key not in self._entries:
                self._store(key, entry)
        return len(entries)

    async def get(self, host: str, slug: str) -> CachedLink | None:
        """The link `slug` names on `host` when it is a short domain, else on the app host."""
        if time.monotonic() >= self._next_check:
            await self._check(asyncio.get_running_loop())
        domain = host if host in self._hosts else None
        key = (domain, slug)
        try:
            return self._entries[key]
        except KeyError:
            pass
        pending = self._loading.get(key)
        if pending is None:
            pending = self._loading[key] = asyncio.get_running_loop().create_future()
            self._queued.append(key)
            if self._loader is None:
                self._loader = asyncio.create_task(self._load_queued(), name="link-cache-load")
        return await asyncio.shield(pending)

    async def _load_queued(self) -> None:
        """Read every queued slug, LOAD_BATCH per statement, until none is left."""
        loop = asyncio.get_running_loop()
        try:
            while self._queued:
                keys = self._queued[:LOAD_BATCH]
                del self._queued[:LOAD_BATCH]
                generation = self._generation
                try:
                    found = await loop.run_in_executor(self._executor, self._load_keys, keys)
                except Exception as exc:
                    for key in keys:
                        future = self._loading.pop(key)
                        future.set_exception(exc)
                        future.exception()  # waiters re-raise it; this one is retrieved here
                    continue
                for key in keys:
                    entry = found.get(key)
                    if generation == self._generation:
                        self._store(key, entry)
                    self._loading.pop(key).set_result(entry)
        finally:
            self._loader = None

    async def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        """Compare links_version with the cache's; one check at a time, others go on."""
        if self._checking is not None:
            if self._version is None:
                await asyncio.shield(self._checking)
            return
        self._checking = loop.create_future()
        try:
            version = await loop.run_in_executor(self._executor, self._read_version)
            if version != self._version:
                hosts = await loop.run_in_executor(self._executor, self._read_hosts)
                self.clear()
                self._hosts = hosts
                self._version = version
            self._next_check = time.monotonic() + self._interval
            self._checking.set_result(None)
        except Exception as exc:
            if self._version is None:
                self._checking.set_exception(exc)
                self._checking.exception()
                raise
            # The database is unreachable (restarting, failing over): keep answering from the
            # cache, whose staleness grows only by the outage, and check again later.
            logger.warning("links_version check failed (%s); serving from the cache", exc)
            self._next_check = time.monotonic() + self._interval
            self._checking.set_result(None)
        except BaseException as exc:
            self._checking.set_exception(exc)
            self._checking.exception()
            raise
        finally:
            self._checking = None

    def _store(self, key: Key, entry: CachedLink | None) -> None:
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = entry

    def _read_version(self) -> int:
        with self._database.sessions() as session:
            return repository.links_version(session.connection())

    def _read_hosts(self) -> frozenset[str]:
        with self._database.sessions() as session:
            return repository.all_domain_hosts(session.connection())

    def _load_keys(self, keys: list[Key]) -> dict[Key, CachedLink]:
        """The links among ``keys`` (runs in the executor, CachedLink built there too)."""
        self.loads += 1
        with self._database.sessions() as session:
            targets = repository.redirect_targets(session.connection(), keys)
        return {key: CachedLink.of(target) for key, target in targets.items()}

    def _load_newest(self, limit: int) -> list[tuple[Key, CachedLink]]:
        self.loads += 1
        with self._database.sessions() as session:
            targets = repository.newest_redirect_targets(session.connection(), limit)
        return [(key, CachedLink.of(target)) for key, target in targets]


class RedisInvalidation:
    """Scale profile: drop every process's cache as soon as a link change commits.

    After a commit whose session bumped `links_version`, this process publishes on
    `CHANNEL`; every redirect process subscribes and clears its cache. Messages lost while a
    subscriber reconnects only delay the drop until the next `links_version` check.
    """

    def __init__(self, url: str, cache: LinkCache, sessions: sessionmaker[Session]) -> None:
        self._url = url
        self._cache = cache
        self._sessions = sessions
        self._publisher = redis.Redis.from_url(url, socket_timeout=1)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        event.listen(self._sessions, "after_commit", self._after_commit)
        event.listen(self._sessions, "after_rollback", self._after_rollback)
        subscribed = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._listen(subscribed), name="link-invalidation")
        try:
            await asyncio.wait_for(asyncio.shield(subscribed), timeout=5)
        except TimeoutError:
            logger.warning("Redis unreachable; link caches rely on polling until it answers")

    async def stop(self) -> None:
        event.remove(self._sessions, "after_commit", self._after_commit)
        event.remove(self._sessions, "after_rollback", self._after_rollback)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._publisher.close()

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(repository.LINKS_CHANGED, False):
            try:
                self._publisher.publish(CHANNEL, b"links")
            except redis.RedisError:
                logger.warning("could not publish a link change; caches catch up by polling")

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(repository.LINKS_CHANGED, None)

    async def _listen(self, subscribed: asyncio.Future[None]) -> None:
        while True:
            client = aioredis.Redis.from_url(self._url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self._cache.clear()  # whatever was missed while (re)connecting
                    if not subscribed.done():
                        subscribed.set_result(None)
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._cache.clear()
            except (redis.RedisError, OSError):
                logger.warning("link invalidation channel lost; reconnecting in 1 s")
                await asyncio.sleep(1)
            finally:
                await client.aclose()


@dataclass(slots=True)  # not frozen: a frozen dataclass is slow to build, once per request
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""


class Redirector:
    """Answers one slug request: looks the link up, records the click, says where to go."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.cache = LinkCache(
            database,
            size=settings.link_cache_size,
            check_interval_s=settings.link_cache_check_ms / 1000,
        )
        self.writer: ClickWriter | StreamWriter = (
            StreamWriter(settings.redis_url, batch_size=settings.click_batch_size)
            if settings.click_transport == "redis" and settings.redis_url
            else ClickWriter(
                database,
                batch_size=settings.click_batch_size,
                max_wait_s=settings.click_batch_wait_ms / 1000,
                # SQLite commits in WAL mode with synchronous=NORMAL are not fsynced either, so
                # the journal (safe from a killed process, not from a power loss) promises as
                # much as a commit; a PostgreSQL commit promises more, so there clicks wait.
                journal_dir=settings.data_dir / JOURNAL_DIR
                if database.engine.dialect.name == "sqlite"
                else None,
            )
        )
        self._secret = settings.secret_key or ""
        self._timed = settings.metrics_enabled
        self._metrics_timer: asyncio.Task[None] | None = None
        self.invalidation = (
            RedisInvalidation(settings.redis_url, self.cache, database.sessions)
            if settings.redis_url
            else None
        )

    async def start(self) -> None:
        agents.warm_up()
        await self.writer.start()
        if self.invalidation is not None:
            await self.invalidation.start()
        # The newest links, read before the first request: a restart under load then does not
        # send every slug's first click to the database.
        try:
            loaded = await self.cache.warm(self.settings.link_cache_preload)
        except Exception as exc:  # the cache fills on demand instead
            logger.warning("could not preload links into the cache (%s)", exc)
        else:
            logger.info("link cache: %d links preloaded", loaded)
        if self._timed:
            self._metrics_timer = asyncio.create_task(_flush_timings(), name="redirect-timings")

    async def stop(self) -> None:
        if self._metrics_timer is not None:
            self._metrics_timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._metrics_timer
            self._metrics_timer = None
            metrics.REDIRECT_TIMES.flush()
        if self.invalidation is not None:
            await self.invalidation.stop()
        await self.writer.stop()
        self.cache.close()

    async def answer(self, scope: Scope) -> Answer:
        """The answer to one slug request, timed into `microreach_redirect_duration_seconds`
        when metrics are on (in this coroutine, not in a wrapper around it: one frame less per
        request on the hot path)."""
        started = time.perf_counter()
        try:
            method: str = scope["method"]
            slug: str = scope["path"][1:]
            headers = dict(scope["headers"])
            host = _host(headers.get(b"host", b""))
            link = self.cache.cached(host, slug)
            if link is MISS:
                try:
                    link = await self.cache.get(host, slug) if _plausible(slug) else None
                except Exception:
                    # Not in the cache and the database cannot say: a moment's outage, not a 404.
                    logger.warning("link lookup failed; answering 503", exc_info=True)
                    return Answer(503, UNAVAILABLE_HEADERS, UNAVAILABLE_PAGE)
            if link is None or not link.enabled:
                if link is None and method == "GET":
                    await self._record_orphan(host, slug, headers)
                return Answer(404, HTML_HEADERS, NOT_FOUND_PAGE)
            now = utcnow()
            if link.expires_at is not None and link.expires_at <= now:
                if link.fallback_url is not None:
                    return _redirect(link.fallback_url)
                return Answer(410, HTML_HEADERS, GONE_PAGE)
            if method != "GET":
                return _redirect(link.plain_location)
            click_id = _click_ids.next()
            try:
                await self.writer.record(self._click(click_id, link, now, headers, scope))
            except Exception:
                # Not durable, so not accepted: the visitor retries; the link still works.
                logger.warning("click not recorded; answering 503", exc_info=True)
                return Answer(503, UNAVAILABLE_HEADERS, UNAVAILABLE_PAGE)
            return _redirect(link.location(click_id.hex))
        finally:
            if self._timed:
                ended = time.perf_counter()
                metrics.REDIRECT_TIMES.observe(ended - started, ended)

    def _click(
        self,
        click_id: uuid.UUID,
        link: CachedLink,
        now: datetime,
        headers: dict[bytes, bytes],
        scope: Scope,
    ) -> ClickRecord:
        agent = _agent(headers.get(b"user-agent", b""))
        client = scope.get("client")
        ip = client[0] if client else ""
        day = now.date()  # `now` is UTC
        # Positional: keyword arguments cost a third of building the record.
        return ClickRecord(
            click_id,
            link.link_id,
            now,
            _referrer_domain(headers.get(b"referer", b"")),
            _country(ip),
            agent.device,
            agent.os,
            agent.browser,
            agent.is_bot,
            agent.bot_name,
            "GET",
            _visitor(self._secret, day, ip, agent.user_agent),
            day,
        )

    async def _record_orphan(self, host: str, slug: str, headers: dict[bytes, bytes]) -> None:
        agent = _agent(headers.get(b"user-agent", b""))
        await self.writer.record(
            OrphanRecord(uuid.uuid4(), host[:253], slug[:200], utcnow(), agent.is_bot)
        )


async def _flush_timings() -> None:
    """Redirect timings reach the Histogram within a second, also after traffic stops (under
    load the observations flush themselves; see metrics.BatchedHistogram)."""
    while True:
        await asyncio.sleep(TIMINGS_FLUSH_S)
        metrics.REDIRECT_TIMES.flush()


_click_ids = ClickIds()


class ClickAgent(NamedTuple):
    """What a click stores about its user agent, cut to the columns' lengths."""

    user_agent: str
    device: str
    os: str
    browser: str
    is_bot: bool
    bot_name: str | None


@lru_cache(maxsize=agents.CACHE_SIZE)
def _agent(raw: bytes) -> ClickAgent:
    user_agent = raw.decode("latin-1")
    info = agents.classify(user_agent, method="GET")
    bot_name = info.bot_name[:64] if info.bot_name else None
    return ClickAgent(
        user_agent, info.device.value, info.os[:64], info.browser[:64], info.is_bot, bot_name
    )


def _redirect(location: bytes) -> Answer:
    return Answer(
        302, [(b"location", location), (b"cache-control", b"no-store"), (b"content-length", b"0")]
    )


def _plausible(slug: str) -> bool:
    return 0 < len(slug) <= 64 and "/" not in slug


@lru_cache(maxsize=1024)
def _host(raw: bytes) -> str:
    host = raw.decode("latin-1").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


@lru_cache(maxsize=4096)
def _referrer_domain(raw: bytes) -> str | None:
    if not raw:
        return None
    try:
        host = urlsplit(raw.decode("latin-1").strip()).hostname
    except ValueError:
        return None
    return host[:253] if host else None


# Repeat clicks of one visitor (reloads, double taps, one office behind NAT) skip the work.
@lru_cache(maxsize=16384)
def _visitor(secret: str, day: date, ip: str, user_agent: str) -> str:
    return visitor_hash(secret, day, ip, user_agent)


@lru_cache(maxsize=65536)
def _country(ip: str) -> str | None:
    return country_for(ip) if ip else None


async def send_answer(answer: Answer, send: Send, *, head: bool) -> None:
    """Send an answer, after letting the other requests of this event-loop turn be answered
    too: their responses then leave in one burst at the next turn instead of one at a time.

    Each response written to a client that sleeps waiting for it wakes that client, and on a
    virtual machine a wake-up costs the writer several microseconds of kernel time (an
    inter-processor interrupt through the hypervisor): in bench/redirect.py that was a fifth of
    the event loop's time. Responses written back to back mostly find the client awake. The
    yield costs one more turn of the loop per request; it raised the redirect's throughput by
    about a tenth and lowered its p99."""
    await asyncio.sleep(0)
    headers = answer.headers
    if answer.body:
        headers = [*headers, (b"content-length", str(len(answer.body)).encode())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else answer.body})


class SlugEndpoint:
    """The web app's `/{slug}` route as a plain ASGI endpoint (no request object, no deps).

    Reserved paths (`/api`, ...) are not slugs, and a 404 or 410 is the app's own error page
    (or problem document), so the web app answers unknown paths one way.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        slug: str = scope["path"][1:]
        if slug.lower() in RESERVED_SLUGS or slug.startswith(RESERVED_PREFIXES):
            raise HTTPException(404)
        redirector: Redirector = scope["app"].state.redirector
        answer = await redirector.answer(scope)
        if answer.status == 404:
            raise HTTPException(404)
        if answer.status == 410:
            raise HTTPException(410, "This short link has expired.")
        await send_answer(answer, send, head=scope["method"] == "HEAD")


def slug_route() -> Route:
    """Register last: a slug is only what no app route matched."""
    return Route(
        "/{slug}", SlugEndpoint(), methods=["GET", "HEAD"], name="redirect", include_in_schema=False
    )


ASGIHandler = Callable[[Scope, Receive, Send], Awaitable[None]]


class RedirectApp:
    """A standalone ASGI app that answers only short links and `/healthz`."""

    def __init__(self, settings: Settings, database: Database, owns_database: bool) -> None:
        self.redirector = Redirector(settings, database)
        self._database = database
        self._owns_database = owns_database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["path"] == "/healthz":
                await send_answer(
                    Answer(200, [(b"content-type", b"text/plain")], b"ok"),
                    send,
                    head=scope["method"] == "HEAD",
                )
                return
            if scope["method"] not in ("GET", "HEAD"):
                await send_answer(Answer(405, [(b"allow", b"GET, HEAD")]), send, head=False)
                return
            if scope["path"].startswith("/@"):
                # Link-in-bio pages are drawn by the web app; a short domain served by this
                # process sends them there (no click: the page's links are the tracked ones).
                target = self.redirector.settings.resolved_public_url + quote(
                    scope["path"], safe="/@"
                )
                await send_answer(_redirect(target.encode()), send, head=scope["method"] == "HEAD")
                return
            answer = await self.redirector.answer(scope)
            await send_answer(answer, send, head=scope["method"] == "HEAD")
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message: dict[str, Any] = dict(await receive())
        previous = sys.getswitchinterval()
        previous_gc = gc.get_threshold()
        if message["type"] == "lifespan.startup":
            sys.setswitchinterval(SWITCH_INTERVAL_S)
            gc.set_threshold(*GC_THRESHOLDS)
            await self.redirector.start()
            # Everything loaded so far lives as long as the process: leave it out of the
            # collector's full passes, which otherwise stop the event loop for 50-100 ms.
            gc.freeze()
            await send({"type": "lifespan.startup.complete"})
            message = dict(await receive())
        if message["type"] == "lifespan.shutdown":
            await self.redirector.stop()
            sys.setswitchinterval(previous)
            gc.set_threshold(*previous_gc)
            if self._owns_database:
                self._database.engine.dispose()
            await send({"type": "lifespan.shutdown.complete"})


def create_redirect_app(
    settings: Settings | None = None, database: Database | None = None
) -> RedirectApp:
    """The redirect-only app; with no arguments it reads MICROREACH_* settings (uvicorn
    --factory)."""
    settings = settings or get_settings()
    owns_database = database is None
    return RedirectApp(settings, database or Database.from_settings(settings), owns_database)
