"""The scoring job: every account's tier, niches, engagement, growth, authenticity,
relationship and disclosure, stored with the formula versions and the data time.

It runs in two passes (docs/metrics.md, "Scores stored for every creator"):

1. **Account pass.** The accounts whose score is missing, made with other formula versions,
   or older than their newest capture are read in id spans and scored one by one (in worker
   processes when asked). Engagement intervals and the authenticity engagement expectation use
   the peer groups measured by the previous run, or the published defaults on the first run.
2. **Peer pass.** Peer groups (platform x tier x niche) are measured again from every stored
   account's per-post log-rates; every engagement interval is recomputed under its group's
   prior and every account is ranked within its group. Rows whose figures did not change are
   not written.

Run again with no new captures, the job scores nothing and the peer pass changes nothing
(then it is skipped: see peer_pass). The periodic job `scores.rescore` (scores/tasks.py) runs
the same job for a limited number of accounts at a time.
"""

from __future__ import annotations

import gc
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from microreach.creators.models import PlatformAccount
from microreach.db.engine import json_dumps, make_engine
from microreach.kit.clock import as_utc, utcnow
from microreach.kit.errors import ConflictError, NotFoundError
from microreach.science import tiers
from microreach.science.authenticity import AUTHENTICITY_VERSION, GrowthAnomaly, authenticity_score
from microreach.science.comments import COMMENTS_VERSION
from microreach.science.disclosure import DISCLOSURE_VERSION, disclosure_summary
from microreach.science.engagement import (
    ENGAGEMENT_VERSION,
    EngagementSummary,
    account_engagement,
    posterior_figures,
)
from microreach.science.growth import GROWTH_VERSION, growth_summary
from microreach.science.niches import NICHES_VERSION, classify_niches
from microreach.science.niches import load_model as load_niche_model
from microreach.science.peers import (
    GroupKey,
    PeerLookup,
    PeerStats,
    build_peer_table_from,
    percentile_rank,
)
from microreach.science.relationship import RELATIONSHIP_VERSION, relationship_score
from microreach.scores import repository
from microreach.scores.models import AccountScore, ScoreState
from microreach.scores.repository import AccountRecord, Span, iter_id_batches, load_span
from microreach.scores.schemas import AccountScoresOut as AccountScoresOut
from microreach.scores.schemas import (
    DisclosureOut,
    EngagementOut,
    GrowthOut,
    NicheOut,
    ScoreOut,
    ScoreTierOut,
)

BATCH = 1000
# A stored figure is rewritten by the peer pass only when it moved by more than this share.
TOLERANCE = 1e-9

PeerTable = dict[GroupKey, PeerStats]
SCORES = cast(sa.Table, AccountScore.__table__)
STATE = cast(sa.Table, ScoreState.__table__)
PEER_PASS = "peer_pass"  # the score_state row of the peer pass
ACCOUNTS = cast(sa.Table, PlatformAccount.__table__)
Progress = Callable[[int], None]


def score_version(tier_scheme: str) -> str:
    """Every formula's version in one string: a change of any of them rescores the account.
    The tiers part is the scheme key, followed by a digest of the per-platform overrides when
    there are any."""
    return (
        f"tiers={tier_scheme}{tiers.overrides_tag()};"
        f"engagement={ENGAGEMENT_VERSION};growth={GROWTH_VERSION};"
        f"authenticity={AUTHENTICITY_VERSION};relationship={RELATIONSHIP_VERSION};"
        f"disclosure={DISCLOSURE_VERSION};niches={NICHES_VERSION};comments={COMMENTS_VERSION}"
    )


@dataclass(frozen=True, slots=True)
class ScoreResult:
    scored: int  # accounts scored in the account pass
    up_to_date: int  # accounts whose stored score was current
    reranked: int  # rows the peer pass changed
    peer_groups: int  # groups with enough accounts to rank against
    version: str
    pending: int = 0  # accounts that needed scoring beyond ``limit``, left for a later run


@dataclass(frozen=True, slots=True)
class _Job:
    """What a worker needs to score one span (picklable)."""

    span: Span
    only: frozenset[uuid.UUID] | None  # score only these ids of the span (None: all)
    tier_scheme: str
    now: datetime


# --- the account pass -------------------------------------------------------------------


def score_record(
    record: AccountRecord,
    *,
    tier_scheme: str,
    table: PeerTable,
    now: datetime,
    lookup: PeerLookup | None = None,
) -> dict[str, Any]:
    """The score row of one account (pure: everything it reads is in its arguments).

    ``lookup`` (a PeerLookup on ``table``) lets a span of accounts share its group choices.
    The JSON columns hold the science's result objects as they are; the engine's JSON
    serializer (db.engine.json_dumps) writes them."""
    lookup = lookup or PeerLookup(table)
    obs = record.observation
    tier = tiers.tier_for(obs.followers, obs.platform, tier_scheme).name
    niches = classify_niches(
        obs.bio, [p.caption for p in obs.posts], [t for p in obs.posts for t in p.hashtags]
    )
    primary = niches[0].niche if niches else None
    prior = lookup.prior(obs.platform, tier, primary, obs.followers)
    engagement = account_engagement(obs, prior)
    growth = growth_summary(obs.series)
    anomalies = [
        GrowthAnomaly(str(a.kind), a.start, a.end, abs(a.magnitude_pct) / 100.0)
        for a in growth.anomalies.anomalies
    ]
    series_analysed = growth.anomalies.reason is None or bool(anomalies)
    typical = engagement.interval.typical if engagement.interval else None
    authenticity = authenticity_score(
        obs,
        typical_rate=typical,
        expected_rate=math.exp(prior.mean),
        anomalies=anomalies if series_analysed else None,
    )
    relationship = relationship_score(obs.comments)
    disclosure = disclosure_summary(obs.posts, own_handles=(record.handle,))
    windows = growth.windows
    thirty = windows.get(30)
    return {
        "account_id": record.id,
        "computed_at": now,
        "version": score_version(tier_scheme),
        "data_captured_at": record.last_captured_at,
        "platform": obs.platform,
        "followers": obs.followers,
        "tier_scheme": tier_scheme,
        "tier": tier,
        "primary_niche": primary,
        "niches": [{"niche": n.niche, "confidence": round(n.confidence, 4)} for n in niches],
        **_engagement_columns(engagement),
        "follower_growth_30d": thirty.change_pct if thirty else None,
        "anomalies": len(growth.anomalies.anomalies),
        "growth": growth,
        "authenticity": authenticity.score,
        "authenticity_confidence": str(authenticity.confidence),
        "authenticity_detail": authenticity,
        "relationship": relationship.score,
        "relationship_confidence": str(relationship.confidence),
        "relationship_detail": relationship,
        "sponsored_posts": disclosure.sponsored,
        "undisclosed_posts": disclosure.likely_undisclosed,
        "disclosure": disclosure,
    }


def _engagement_columns(summary: EngagementSummary) -> dict[str, Any]:
    rate, interval = summary.rate, summary.interval
    # The interval and the log-rates live in their own columns, which the peer pass updates.
    # (Built directly: dataclasses.replace costs more than all the engagement arithmetic.)
    document = EngagementSummary(
        summary.version, summary.followers, rate, summary.excluded, summary.by_type,
        summary.by_views, summary.by_reach, summary.comments, None, (), summary.reason,
    )  # fmt: skip
    return {
        "er_posts": rate.posts if rate else 0,
        "er_median": rate.median if rate else None,
        "er_mean": rate.mean if rate else None,
        "er_typical": interval.typical if interval else None,
        "er_low": interval.low if interval else None,
        "er_high": interval.high if interval else None,
        "er_prior": interval.prior_source if interval else None,
        "er_percentile": None,
        "er_peer_group": None,
        "er_log_rates": [round(x, 6) for x in summary.log_rates],
        "engagement": document,
    }


def _score_span(connection: Connection, job: _Job, table: PeerTable) -> list[dict[str, Any]]:
    records = load_span(connection, job.span)
    lookup = PeerLookup(table)
    return [
        score_record(r, tier_scheme=job.tier_scheme, table=table, now=job.now, lookup=lookup)
        for r in records
        if job.only is None or r.id in job.only
    ]


@contextmanager
def _without_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a span is read, scored and written: that
    allocates a great many small objects without cycles (reference counting frees them), and
    the collector's passes over them cost about a sixth of the time. Whatever cycles do form
    are collected once it resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Worker processes: one engine and one peer table each, set once by the pool initializer.
_worker: dict[str, Any] = {}


def _init_worker(url: str, table: PeerTable, ladders: tiers.Ladders) -> None:
    tiers.configure_overrides(ladders)  # the parent's per-platform tier ladders
    _worker["engine"] = make_engine(url)
    _worker["table"] = table


def _score_in_worker(job: _Job) -> int:
    """Score one span and write it in this process: rows never travel between processes.

    The read ends its transaction before the write begins, so on SQLite the write waits for
    the lock (busy timeout) instead of failing on a read snapshot another writer moved past."""
    with _without_gc(), _worker["engine"].connect() as connection:
        rows = _score_span(connection, job, _worker["table"])
        connection.rollback()
        write_scores(connection, rows)
        connection.commit()
    return len(rows)


# --- selecting the work -----------------------------------------------------------------


def stale_ids(connection: Connection, version: str) -> set[uuid.UUID]:
    """Accounts with no score, a score of other formula versions, or a newer capture."""
    a, s = ACCOUNTS, SCORES
    stmt = (
        sa.select(a.c.id)
        .select_from(a.outerjoin(s, s.c.account_id == a.c.id))
        .where(
            sa.or_(
                s.c.account_id.is_(None),
                s.c.version != version,
                sa.and_(
                    a.c.last_captured_at.is_not(None),
                    sa.or_(
                        s.c.data_captured_at.is_(None),
                        s.c.data_captured_at < a.c.last_captured_at,
                    ),
                ),
            )
        )
    )
    return set(connection.execute(stmt).scalars())


def plan_jobs(
    connection: Connection,
    stale: set[uuid.UUID],
    *,
    tier_scheme: str,
    now: datetime,
    batch: int = BATCH,
) -> Iterator[_Job]:
    """Spans to score: a whole id batch when most of it is stale, else runs of stale ids."""
    if not stale:
        return
    for ids in iter_id_batches(connection, batch):
        wanted = [i for i in ids if i in stale]
        if not wanted:
            continue
        if 2 * len(wanted) >= len(ids):
            only = None if len(wanted) == len(ids) else frozenset(wanted)
            yield _Job((ids[0], ids[-1]), only, tier_scheme, now)
            continue
        for run in _runs(ids, stale):
            yield _Job((run[0], run[-1]), None, tier_scheme, now)


def _runs(ids: Sequence[uuid.UUID], stale: set[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    """Maximal runs of consecutive stale ids in ``ids``."""
    run: list[uuid.UUID] = []
    for i in ids:
        if i in stale:
            run.append(i)
        elif run:
            yield run
            run = []
    if run:
        yield run


# --- writing ------------------------------------------------------------------------------


def write_scores(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Replace the stored scores of these accounts (delete, then one multi-row insert).

    The insert goes to the driver directly, each value converted as its column type would
    convert it (see _Driver): SQLAlchemy's per-value processing was a third of the write."""
    if not rows:
        return
    table = SCORES
    ids = [r["account_id"] for r in rows]
    for start in range(0, len(ids), 500):
        connection.execute(table.delete().where(table.c.account_id.in_(ids[start : start + 500])))
    driver = _Driver(connection)
    names = driver.columns
    convert = [driver.converters.get(name) for name in names]
    converted = [(i, c) for i, c in enumerate(convert) if c is not None]
    params = []
    for row in rows:
        values = [row[name] for name in names]
        for i, c in converted:
            values[i] = c(values[i])
        params.append(tuple(values))
    connection.exec_driver_sql(driver.insert, params)


class _Driver:
    """SQL and value conversions for writing account_scores through the DBAPI cursor, for
    SQLite and PostgreSQL: ids as the Uuid type stores them (hex text on SQLite), times as
    UTCDateTime does (naive ISO text on SQLite, aware on PostgreSQL), JSON documents through
    the engine's serializer (db.engine.json_dumps; cast to JSONB on PostgreSQL)."""

    __slots__ = ("columns", "converters", "insert", "mark")

    def __init__(self, connection: Connection) -> None:
        sqlite = connection.dialect.name == "sqlite"
        self.mark = _marker(connection)
        self.columns = tuple(column.name for column in SCORES.columns)
        json_columns = {c.name for c in SCORES.columns if isinstance(c.type, sa.JSON)}
        self.converters: dict[str, Callable[[Any], Any]] = dict.fromkeys(json_columns, json_dumps)
        self.converters |= dict.fromkeys(_TIME_COLUMNS, _sqlite_time if sqlite else _aware_time)
        if sqlite:
            self.converters[_ID_COLUMN] = _hex
        marks = ", ".join(
            f"CAST({self.mark} AS JSONB)" if name in json_columns and not sqlite else self.mark
            for name in self.columns
        )
        self.insert = f"INSERT INTO {SCORES.name} ({', '.join(self.columns)}) VALUES ({marks})"


def _marker(connection: Connection) -> str:
    """The driver's positional parameter marker (sqlite3: ?, psycopg: %s)."""
    style = connection.dialect.paramstyle
    if style == "qmark":
        return "?"
    if style in ("format", "pyformat"):
        return "%s"
    raise ValueError(  # pragma: no cover (microreach runs on sqlite3 and psycopg only)
        f"database driver parameter style {style!r} is not supported: use SQLite or PostgreSQL"
    )


_ID_COLUMN = "account_id"
_TIME_COLUMNS = ("computed_at", "data_captured_at")


def _hex(value: uuid.UUID) -> str:
    return value.hex


def _aware_time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: microreach stores aware UTC times")
    return as_utc(value)


def _sqlite_time(value: datetime | None) -> str | None:
    """As UTCDateTime then SQLAlchemy's SQLite DATETIME store it: naive UTC ISO text."""
    aware = _aware_time(value)
    return None if aware is None else aware.replace(tzinfo=None).isoformat(" ", "microseconds")


# --- the peer pass ------------------------------------------------------------------------


# One stored score's peer inputs: the driver's account id, platform, tier, niche, followers,
# per-post log-rates, median rate, then the ranked figures as stored (_RANKED order).
_Stored = tuple[Any, str, str, str | None, int, list[float], float | None, tuple[Any, ...]]

_RANKED = ("er_typical", "er_low", "er_high", "er_prior", "er_percentile", "er_peer_group")


def _stored(connection: Connection) -> list[_Stored]:
    """Every stored score's peer inputs, in account id order: the peer groups' sums then add
    up in the same order on every run, so the priors do not move in their last bits.

    Read as the driver gives it (plain tuples, the log-rates decoded here when the driver
    returns JSON text): the pass reads every stored row, and SQLAlchemy's per-row
    processing would be most of the read."""
    t = SCORES
    stmt = sa.select(
        _text(t.c.account_id), t.c.platform, t.c.tier, t.c.primary_niche, t.c.followers,
        _text(t.c.er_log_rates), t.c.er_median, *(t.c[name] for name in _RANKED),
    ).order_by(t.c.account_id)  # fmt: skip
    return [
        (r[0], r[1], r[2], r[3], r[4], _floats(r[5]), r[6], r[7:])
        for r in repository.fetch_tuples(connection, stmt)
    ]


def _text(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return sa.type_coerce(column, sa.types.NullType()).label(column.key)


def _floats(value: Any) -> list[float]:
    """A JSON list of numbers as the driver gives it (text on SQLite, decoded on PostgreSQL)."""
    if isinstance(value, (str, bytes)):
        decoded: list[float] = orjson.loads(value)
        return decoded
    return list(value or ())


def peer_table(members: Iterable[_Stored]) -> PeerTable:
    return build_peer_table_from((m[1], m[2], m[3], m[5], m[6]) for m in members)


def rank_all(connection: Connection) -> tuple[int, int]:
    """The peer pass: (rows changed, groups with enough accounts to rank against).

    The changed figures are written through the driver (one executemany): they are plain
    numbers and labels, keyed by the account id as the driver read it. Like the account pass
    it runs with the cyclic garbage collector paused (see _without_gc)."""
    with _without_gc():
        return _rank_all(connection)


def _rank_all(connection: Connection) -> tuple[int, int]:
    stored = _stored(connection)
    lookup = PeerLookup(peer_table(stored))
    changes: list[tuple[Any, ...]] = []
    groups: set[GroupKey] = set()
    # Per (platform, tier, niche): the ranking group and its label, chosen once.
    ranking: dict[tuple[str, str, str | None], tuple[PeerStats | None, str | None]] = {}
    for key, platform, tier, niche, followers, log_rates, median, old in stored:
        member = (platform, tier, niche)
        chosen = ranking.get(member)
        if chosen is None:
            group = lookup.ranking(platform, tier, niche)
            chosen = ranking[member] = (group, group.key.label if group else None)
            if group is not None:
                groups.add(group.key)
        group, label = chosen
        percentile = None
        if group is not None and median is not None:
            percentile = round(percentile_rank(median, group.sorted_values), 2)
        prior = lookup.prior(platform, tier, niche, followers)
        posterior = posterior_figures(log_rates, prior)
        if posterior is None:
            values: tuple[Any, ...] = (None, None, None, None, percentile, label)
        else:
            values = (posterior[0], posterior[1], posterior[2], prior.source, percentile, label)
        if values != old and not _same(values, old):
            changes.append((*values, key))
    if changes:
        mark = _marker(connection)
        assignments = ", ".join(f"{name} = {mark}" for name in _RANKED)
        connection.exec_driver_sql(
            f"UPDATE {SCORES.name} SET {assignments} WHERE account_id = {mark}", changes
        )
    return len(changes), len(groups)


def _same(new: Sequence[Any], old: Sequence[Any]) -> bool:
    for a, b in zip(new, old, strict=True):
        if isinstance(a, float) and isinstance(b, float):
            if not math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
                return False
        elif a != b:
            return False
    return True


# --- the job ------------------------------------------------------------------------------


def score_all(
    connection: Connection,
    *,
    tier_scheme: str,
    rescore: bool = False,
    workers: int = 0,
    database_url: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    commit_each: bool = False,
    limit: int | None = None,
) -> ScoreResult:
    """Score every account that needs it (at most ``limit``, lowest ids first, when given),
    then rank every account within its peers.

    ``workers`` > 0 scores spans in that many processes, each with its own connection to
    ``database_url``, reading committed data and writing its own spans; this needs
    ``commit_each``, which commits after every span so a long run can be interrupted and
    resumed (the CLI's mode; tests that keep one transaction score in this process).
    """
    tiers.get_scheme(tier_scheme)  # unknown schemes fail before any work
    now = now or utcnow()
    version = score_version(tier_scheme)
    if rescore:
        stale = set(connection.execute(sa.select(PlatformAccount.id)).scalars())
    else:
        stale = stale_ids(connection, version)
    total = connection.execute(sa.select(sa.func.count()).select_from(PlatformAccount)).scalar()
    up_to_date = int(total or 0) - len(stale)
    pending = 0
    if limit is not None and len(stale) > limit:
        pending = len(stale) - limit
        stale = set(sorted(stale)[:limit])
    table: PeerTable = {}
    if stale:  # the peer table reads every stored score: only when something needs scoring
        with _without_gc():
            table = peer_table(_stored(connection))
    jobs = plan_jobs(connection, stale, tier_scheme=tier_scheme, now=now)
    scored = 0
    for count in _run(connection, list(jobs), table, workers, database_url, commit_each):
        scored += count
        if progress is not None:
            progress(count)
    reranked, groups = peer_pass(connection, scored=scored)
    if commit_each:
        connection.commit()
    return ScoreResult(scored, up_to_date, reranked, groups, version, pending)


def peer_pass(connection: Connection, *, scored: int) -> tuple[int, int]:
    """rank_all, unless this run scored nothing and the stored scores are those the last
    peer pass ranked (as many rows, the same newest `computed_at`): the pass would then
    change nothing, and it reads every stored score. (rows changed, peer groups)

    The state's `ranked_at` is the clock time of the pass, not the run's ``now``: discovery
    compares it with the time its index was built (discovery.service.index_outdated)."""
    seen = _scores_seen(connection)
    last = connection.execute(
        sa.select(STATE.c.scores, STATE.c.computed_until, STATE.c.peer_groups).where(
            STATE.c.name == PEER_PASS
        )
    ).first()
    if scored == 0 and last is not None and (last.scores, last.computed_until) == seen:
        return 0, int(last.peer_groups)
    reranked, groups = rank_all(connection)
    values = {
        "scores": seen[0], "computed_until": seen[1], "peer_groups": groups, "ranked_at": utcnow(),
    }  # fmt: skip
    upsert = (sqlite.insert if connection.dialect.name == "sqlite" else postgresql.insert)(STATE)
    connection.execute(
        upsert.values(name=PEER_PASS, **values).on_conflict_do_update(
            index_elements=[STATE.c.name], set_=values
        )
    )
    return reranked, groups


def _scores_seen(connection: Connection) -> tuple[int, datetime | None]:
    """How many scores are stored, and the newest time one was computed."""
    count, newest = connection.execute(
        sa.select(sa.func.count(), sa.func.max(SCORES.c.computed_at)).select_from(SCORES)
    ).one()
    return int(count), newest


def _run(
    connection: Connection,
    jobs: list[_Job],
    table: PeerTable,
    workers: int,
    database_url: str | None,
    commit_each: bool,
) -> Iterator[int]:
    """Accounts scored and written per span: here, or in worker processes that write their
    own spans (only when each span may commit on its own)."""
    if workers <= 0 or database_url is None or not commit_each or len(jobs) < 2:
        for job in jobs:
            with _without_gc():
                rows = _score_span(connection, job, table)
                write_scores(connection, rows)
                if commit_each:
                    connection.commit()
            yield len(rows)
        return
    connection.commit()  # the workers must see everything this connection wrote
    # Compiled here once: forked workers inherit the niche model instead of each building it.
    load_niche_model()
    with ProcessPoolExecutor(
        max_workers=workers,
        initializer=_init_worker,
        initargs=(database_url, table, tiers.current_overrides()),
    ) as pool:
        yield from pool.map(_score_in_worker, jobs)


# --- reading the stored scores ------------------------------------------------------------

EXCERPT_CHARS = 200


def account_scores(
    session: Session, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AccountScoresOut]:
    """The stored scores of those of ``account_ids`` that were scored (one query)."""
    return {
        stored.account_id: scores_out(stored.score, stored.last_captured_at)
        for stored in repository.stored_scores(session, account_ids)
        if stored.score is not None
    }


def get_account_scores(session: Session, account_id: uuid.UUID) -> AccountScoresOut:
    """The account's stored scores; NotFoundError when there is no such account, and
    ConflictError (HTTP 409: the account exists, its scores do not yet) when the scoring job
    has not scored it."""
    found = repository.stored_scores(session, [account_id])
    if not found:
        raise NotFoundError(f"No account with id {account_id}.")
    stored = found[0]
    if stored.score is None:
        raise ConflictError(
            f"Account {account_id} has not been scored yet; the scoring job (`scores.rescore`) "
            "scores new accounts every few minutes, or run `microreach score` to score it now."
        )
    return scores_out(stored.score, stored.last_captured_at)


def scores_out(row: AccountScore, last_captured_at: datetime | None) -> AccountScoresOut:
    """A stored score row as the API shows it; stale when the account has a newer capture."""
    stale = last_captured_at is not None and (
        row.data_captured_at is None or row.data_captured_at < last_captured_at
    )
    return AccountScoresOut(
        account_id=row.account_id,
        computed_at=row.computed_at,
        version=row.version,
        data_captured_at=row.data_captured_at,
        stale=stale,
        followers=row.followers,
        tier=ScoreTierOut(scheme=row.tier_scheme, name=row.tier),
        niches=[NicheOut.model_validate(niche) for niche in row.niches or ()],
        engagement=_engagement_out(row),
        growth=_growth_out(row.growth or {}),
        authenticity=ScoreOut.model_validate(row.authenticity_detail),
        relationship=ScoreOut.model_validate(row.relationship_detail),
        disclosure=_disclosure_out(row.disclosure or {}),
    )


def _engagement_out(row: AccountScore) -> EngagementOut:
    document = row.engagement or {}
    return EngagementOut.model_validate(
        {
            "posts": row.er_posts,
            "median": row.er_median,
            "mean": row.er_mean,
            "typical": row.er_typical,
            "low": row.er_low,
            "high": row.er_high,
            "prior_source": row.er_prior,
            "percentile": row.er_percentile,
            "peer_group": row.er_peer_group,
            "by_type": document.get("by_type") or {},
            "by_views": document.get("by_views"),
            "excluded": document.get("excluded") or {},
            "reason": document.get("reason"),
        }
    )


def _growth_out(document: dict[str, Any]) -> GrowthOut:
    windows = document.get("windows") or {}
    report = document.get("anomalies") or {}
    return GrowthOut.model_validate(
        {
            "windows": [windows[key] for key in sorted(windows, key=int)],
            "anomalies": report.get("anomalies") or [],
            "baseline_weekly_pct": report.get("baseline_weekly_pct"),
            "reason": report.get("reason"),
        }
    )


def _disclosure_out(document: dict[str, Any]) -> DisclosureOut:
    examples = [
        {
            "posted_at": example["posted_at"],
            "caption_excerpt": excerpt(example.get("caption") or ""),
            "evidence": example.get("evidence") or [],
        }
        for example in document.get("examples") or ()
    ]
    return DisclosureOut.model_validate({**document, "examples": examples})


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return f"{cut}…"
