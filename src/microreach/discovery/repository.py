"""Every query of discovery: reading the source tables to build the index, writing it, and the
search, facet, lookalike and planner reads over it."""

from __future__ import annotations

import itertools
import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql

from microreach.creators.models import AudienceShare, Creator, PlatformAccount, Post
from microreach.discovery.models import DiscoveryAudience, DiscoveryNiche, DiscoveryProfile
from microreach.discovery.search import postings
from microreach.discovery.search.fts import KeywordMatch
from microreach.scores.models import AccountScore

RECENT_POSTS = 12
P = DiscoveryProfile
PROFILES = cast(sa.Table, DiscoveryProfile.__table__)
NICHES = cast(sa.Table, DiscoveryNiche.__table__)
AUDIENCE = cast(sa.Table, DiscoveryAudience.__table__)

# --- reading the sources --------------------------------------------------------------------


def accounts_in_rank_order(connection: Connection) -> list[uuid.UUID]:
    """Every account to index, worst first by (engagement percentile, authenticity, id) with
    -1 for "not measured": the indexer numbers doc_ids in this order (see ``DOC_ORDER``)."""
    a, s = PlatformAccount, AccountScore
    stmt = (
        sa.select(a.id)
        .join(Creator, Creator.id == a.creator_id)
        .outerjoin(s, s.account_id == a.id)
        .order_by(
            sa.func.coalesce(s.er_percentile, -1.0), sa.func.coalesce(s.authenticity, -1), a.id
        )
    )
    return list(connection.execute(stmt).scalars())


def accounts_by_id(connection: Connection, ids: Sequence[uuid.UUID]) -> list[sa.Row[Any]]:
    """The accounts ``ids`` in that order, with their creator and stored score columns."""
    a, c, s = PlatformAccount, Creator, AccountScore
    columns = (
        a.id, a.creator_id, c.name, a.platform, a.handle, a.display_name, a.followers,
        a.country, a.language, a.bio, c.contact_email, s.tier_scheme, s.tier, s.niches,
        s.er_typical, s.er_low, s.er_high, s.er_percentile, s.authenticity, s.relationship,
        s.follower_growth_30d, s.sponsored_posts,
    )  # fmt: skip
    stmt = (
        sa.select(*columns)
        .join(c, c.id == a.creator_id)
        .outerjoin(s, s.account_id == a.id)
        .where(a.id.in_(ids))
    )
    found = {row.id: row for row in connection.execute(stmt)}
    return [found[i] for i in ids if i in found]


def recent_posts(
    connection: Connection, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[sa.Row[Any]]]:
    """(caption, hashtags, mentions, posted_at) of each account's newest posts not deleted."""
    rank = (
        sa.func.row_number()
        .over(partition_by=Post.account_id, order_by=(Post.posted_at.desc(), Post.id.desc()))
        .label("rank")
    )
    ranked = (
        sa.select(Post.account_id, Post.caption, Post.hashtags, Post.mentions, Post.posted_at, rank)
        .where(Post.account_id.in_(account_ids), Post.deleted_at.is_(None))
        .subquery()
    )
    stmt = sa.select(ranked).where(ranked.c.rank <= RECENT_POSTS).order_by(ranked.c.rank)
    out: dict[uuid.UUID, list[sa.Row[Any]]] = defaultdict(list)
    for row in connection.execute(stmt):
        out[row.account_id].append(row)
    return out


def newest_audiences(
    connection: Connection, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, dict[str, float]]]:
    """Each account's audience shares of its newest capture: dimension -> key -> share."""
    stmt = (
        sa.select(
            AudienceShare.account_id, AudienceShare.captured_at, AudienceShare.dimension,
            AudienceShare.key, AudienceShare.share,
        )
        .where(AudienceShare.account_id.in_(account_ids))
        .order_by(AudienceShare.account_id, AudienceShare.captured_at.desc())
    )  # fmt: skip
    newest: dict[uuid.UUID, datetime] = {}
    out: dict[uuid.UUID, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for account_id, captured_at, dimension, key, share in connection.execute(stmt):
        if newest.setdefault(account_id, captured_at) != captured_at:
            continue
        out[account_id][str(dimension)][key] = share
    return {k: dict(v) for k, v in out.items()}


# --- writing the index ----------------------------------------------------------------------


def clear_index(connection: Connection) -> None:
    connection.execute(NICHES.delete())
    connection.execute(AUDIENCE.delete())
    connection.execute(PROFILES.delete())


def _staged(table: sa.Table) -> sa.Table:
    """A temporary table with ``table``'s columns and types, and no constraints."""
    columns = (sa.Column(c.name, c.type) for c in table.columns)
    return sa.Table(f"staged_{table.name}", sa.MetaData(), *columns, prefixes=["TEMPORARY"])


# The index tables and their staged copies, in the order they are filled (profiles first).
STAGED = tuple((table, _staged(table)) for table in (PROFILES, NICHES, AUDIENCE))


def start_staging(connection: Connection) -> None:
    """Empty temporary copies of the index tables, for write_index.

    Temporary tables belong to this connection: on SQLite, writing them takes no lock on the
    database file, so the long part of a rebuild never makes other writers wait."""
    for _, staged in STAGED:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {staged.name}")
        staged.create(connection)


def write_index(
    connection: Connection,
    profiles: Sequence[dict[str, Any]],
    niches: Sequence[dict[str, Any]],
    audience: Sequence[dict[str, Any]],
) -> None:
    """Add rows to the staged copies (see start_staging)."""
    for (_, staged), rows in zip(STAGED, (profiles, niches, audience), strict=True):
        if rows:
            connection.execute(staged.insert(), list(rows))


def publish_staged(connection: Connection) -> None:
    """Replace the index by its staged copies, then drop them."""
    clear_index(connection)
    for table, staged in STAGED:
        names = [c.name for c in table.columns]
        connection.execute(table.insert().from_select(names, sa.select(*staged.c)))
        connection.exec_driver_sql(f"DROP TABLE {staged.name}")


def write_postings(connection: Connection) -> int:
    """PostgreSQL: the keyword posting lists of the profiles now written (``postings``); how
    many (word, block) lists (0 on SQLite, whose FTS5 table keeps its own)."""
    if connection.dialect.name != "postgresql":
        return 0
    return postings.rebuild(connection)


def analyze(connection: Connection) -> None:
    """Fresh planner statistics, so both planners pick the narrow indexes."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("ANALYZE")
    else:
        for table in ("discovery_profiles", "discovery_niches", "discovery_audience"):
            connection.exec_driver_sql(f"ANALYZE {table}")


def keyword(stmt: sa.Select[Any], matches: KeywordMatch | None) -> sa.Select[Any]:
    """``stmt`` (over discovery_profiles) kept to the rows matching the keywords."""
    if matches is None:
        return stmt
    if matches.join is not None:
        stmt = stmt.select_from(PROFILES).join(matches.join, matches.join.c.rowid == P.doc_id)
    return stmt.where(matches.clause)


def doc_key(matches: KeywordMatch | None) -> sa.ColumnElement[int]:
    """The doc_id to order by (the FTS5 rowid when keywords drive the statement on SQLite)."""
    return PROFILES.c.doc_id if matches is None else matches.doc_key


def best_first(
    stmt: sa.Select[Any], matches: KeywordMatch | None, cap: int | None
) -> sa.Select[Any]:
    """``stmt`` in doc_id order, highest first, at most ``cap`` rows: the indexer numbers
    doc_ids by engagement percentile, then authenticity, so this is the best matches first,
    read from an index without sorting the matches."""
    stmt = keyword(stmt, matches).order_by(doc_key(matches).desc())
    return stmt if cap is None else stmt.limit(cap)


# Keyword reads on PostgreSQL take matching doc ids from the posting lists, highest first, and
# read their rows by primary key: first the rows wanted (FILTERED_START times as many when other
# filters may drop some), then as many as the share kept so far needs, a quarter more, at most
# BATCH_GROWTH times the last batch.
FILTERED_START = 3
BATCH_GROWTH = 4


def best_rows(
    connection: Connection,
    stmt: sa.Select[Any],
    matches: KeywordMatch | None,
    cap: int,
    *,
    counted: bool = False,
    below: int | None = None,
    niches: NicheFilter | None = None,
) -> list[sa.Row[Any]]:
    """The rows of ``stmt`` (over discovery_profiles, unordered, without the keywords) for the
    best ``cap`` matches with a doc_id under ``below``, highest doc_id first; ``counted``
    groups them instead, each distinct row once with its count ``n`` last (a row may come once
    per batch).

    ``niches``, the search's niche filter, is a clause of the statement, except on PostgreSQL
    without keywords where ``NicheIds`` reads it in doc_id order (``NicheFilter.ordered``).

    SQLite (FTS5 walks its rowids down) and other searches without keywords read ``best_first``.
    PostgreSQL's GIN index yields its matches in no order, every one of them: there the doc ids
    come from ``postings`` (the best first, reading no more blocks than needed), or from
    ``NicheIds``, and the rows by primary key, in batches until ``cap`` rows are kept."""
    filtered = stmt.whereclause is not None
    if below is not None:
        stmt = stmt.where(doc_key(matches) < below)
    source: postings.Matches | NicheIds | None = None
    if matches is None and niches is not None and niches.ordered(connection):
        source = NicheIds(connection, niches, below)
    elif niches is not None:
        stmt = stmt.where(niches.clause())
    if matches is not None and matches.join is None and matches.terms:
        top = connection.execute(sa.select(sa.func.max(P.doc_id))).scalar()
        if top is None:
            return []
        source = postings.Matches(connection, matches.terms, top if below is None else below - 1)
    if source is None:
        return list(connection.execute(_grouped(best_first(stmt, matches, cap), counted)))
    rows: list[sa.Row[Any]] = []
    found = offered = 0
    batch = FILTERED_START * cap if filtered else cap
    while found < cap:
        ids = source.take(batch)
        if not ids:
            break
        kept = P.doc_id == sa.any_(_id_array(ids))
        window = stmt.where(kept).order_by(P.doc_id.desc()).limit(cap - found)
        got = list(connection.execute(_grouped(window, counted)))
        rows.extend(got)
        found += sum(row.n for row in got) if counted else len(got)
        offered += len(ids)
        batch = _next_batch(offered, found, cap - found, batch)
    return rows


def _id_array(ids: Sequence[int]) -> sa.ColumnElement[Any]:
    """``ids`` as one PostgreSQL ``integer[]`` parameter, sent as its text form (a few
    thousand ids: a tenth of the cost of adapting a list of ints)."""
    text = "{" + ",".join(map(str, ids)) + "}"
    return sa.cast(sa.literal(text, sa.Text), postgresql.ARRAY(sa.Integer))


def _grouped(stmt: sa.Select[Any], counted: bool) -> sa.Select[Any]:
    """``stmt``, or with ``counted`` its distinct rows and how many of each (``n``)."""
    if not counted:
        return stmt
    window = stmt.subquery("window")
    columns = list(window.c)
    return sa.select(*columns, sa.func.count().label("n")).group_by(*columns)


def _next_batch(offered: int, found: int, wanted: int, batch: int) -> int:
    """The next batch of doc ids: a quarter more than the share of rows kept so far needs for
    ``wanted`` rows, at most BATCH_GROWTH times the last batch."""
    if found == 0:
        return batch * BATCH_GROWTH
    needed = math.ceil(wanted * offered / found * 1.25)
    return max(1, min(needed, batch * BATCH_GROWTH))


# --- search -----------------------------------------------------------------------------------

RESULT_COLUMNS = (
    P.doc_id, P.account_id, P.creator_id, P.creator_name, P.platform, P.handle, P.display_name,
    P.followers, P.tier, P.primary_niche, P.niche_vector, P.country, P.language, P.audience,
    P.er_typical, P.er_low, P.er_high, P.er_percentile, P.authenticity, P.relationship,
    P.follower_growth_30d, P.sponsored_share, P.last_post_at, P.has_email, P.mentions,
)  # fmt: skip
FACET_COLUMNS = ("platform", "tier", "primary_niche", "country")
BEST_INDEX = "ix_discovery_profiles_best"  # doc_id, then the filtered and faceted columns


def sort_column(sort: str) -> sa.ColumnElement[Any]:
    if sort == "authenticity":
        return PROFILES.c.sort_authenticity
    if sort == "followers":
        return PROFILES.c.followers
    return PROFILES.c.sort_engagement


def search(
    connection: Connection,
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
    sort: str,
    after: tuple[float, int] | None,
    limit: int,
    niches: NicheFilter | None = None,
) -> list[sa.Row[Any]]:
    """Up to ``limit`` rows matching ``clauses``, ``niches`` (and ``matches``) in ``sort`` order
    (engagement, authenticity or followers), highest first, after the keyset ``after`` (sort
    key, doc_id); each row ends with its sort key."""
    if sort == "engagement":
        # The doc_id order is the engagement order (then authenticity): doc_id alone is the key.
        stmt = sa.select(*RESULT_COLUMNS, P.sort_engagement.label("sort_key")).where(*clauses)
        below = None if after is None else after[1]
        return best_rows(connection, stmt, matches, limit, below=below, niches=niches)
    if niches is not None:
        clauses = [*clauses, niches.clause()]
    return list(connection.execute(search_statement(clauses, matches, sort, after, limit)))


def search_statement(
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
    sort: str,
    after: tuple[float, int] | None,
    limit: int,
) -> sa.Select[Any]:
    key, doc = sort_column(sort), doc_key(matches)
    stmt = sa.select(*RESULT_COLUMNS, key.label("sort_key")).where(*clauses)
    if sort == "engagement":
        if after is not None:
            stmt = stmt.where(doc < after[1])
        return best_first(stmt, matches, limit)
    stmt = keyword(stmt, matches)
    if after is not None:
        stmt = stmt.where(sa.or_(key < after[0], sa.and_(key == after[0], doc < after[1])))
    return stmt.order_by(key.desc(), doc.desc()).limit(limit)


def relevance_window(
    connection: Connection,
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch,
    cap: int,
    with_facets: bool = False,
) -> list[Any]:
    """(doc_id, rank) of the best ``cap`` matches by engagement percentile then authenticity,
    with their keyword relevance, computed for those rows only (FTS5 as the LIMIT lets them
    through; PostgreSQL as the windows return them, so the TOASTed full vector is read for the
    returned rows only); ``with_facets`` adds the FACET_COLUMNS, to count the facets over the same
    rows."""
    if matches.join is not None:
        stmt = relevance_statement(clauses, matches, cap, with_facets)
        return list(connection.execute(stmt))
    facets = [PROFILES.c[name] for name in FACET_COLUMNS] if with_facets else []
    stmt = sa.select(P.doc_id, *facets, matches.rank.label("rank")).where(*clauses)
    return best_rows(connection, stmt, matches, cap)


def relevance_statement(
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch,
    cap: int,
    with_facets: bool = False,
) -> sa.Select[Any]:
    """The single statement of ``relevance_window`` (SQLite; on PostgreSQL its first window)."""
    doc = doc_key(matches)
    facets = [PROFILES.c[name] for name in FACET_COLUMNS] if with_facets else []
    stmt = sa.select(doc.label("doc_id"), *facets).where(*clauses)
    if with_facets and matches.join is not None:
        stmt = stmt.with_hint(PROFILES, f"INDEXED BY {BEST_INDEX}", "sqlite")
    window = best_first(stmt, matches, cap)
    if matches.join is not None:  # SQLite: FTS5 computes bm25 for the rows the LIMIT keeps
        return window.add_columns(matches.rank.label("rank"))
    inner = window.subquery("window")
    return sa.select(P.doc_id, matches.rank.label("rank")).join(inner, inner.c.doc_id == P.doc_id)


FIT_COLUMNS = (
    P.doc_id, P.niche_vector, P.country, P.language, P.audience, P.er_percentile,
    P.authenticity, P.mentions,
)  # fmt: skip


def candidates(
    connection: Connection,
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
    cap: int,
    with_doc: bool,
    columns: Sequence[Any] = RESULT_COLUMNS,
    niches: NicheFilter | None = None,
) -> list[sa.Row[Any]]:
    """The ``cap`` matching rows ranked best by engagement percentile then authenticity, for
    ranking in the process (fit, planner); ``columns`` default to the result columns."""
    selected = [*columns, P.search_doc] if with_doc else list(columns)
    stmt = sa.select(*selected).where(*clauses)
    return best_rows(connection, stmt, matches, cap, niches=niches)


def candidates_statement(
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
    cap: int,
    with_doc: bool,
    columns: Sequence[Any] = RESULT_COLUMNS,
) -> sa.Select[Any]:
    selected = [*columns, P.search_doc] if with_doc else list(columns)
    return best_first(sa.select(*selected).where(*clauses), matches, cap)


def rows_by_doc(connection: Connection, doc_ids: Sequence[int]) -> dict[int, sa.Row[Any]]:
    stmt = sa.select(*RESULT_COLUMNS).where(P.doc_id.in_(doc_ids))
    return {row.doc_id: row for row in connection.execute(stmt)}


def count(
    connection: Connection,
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
) -> int:
    stmt = sa.select(sa.func.count()).select_from(P).where(*clauses)
    stmt = keyword(stmt, matches)
    return int(connection.execute(stmt).scalar() or 0)


def facet_rows(
    connection: Connection,
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
    cap: int,
    niches: NicheFilter | None = None,
) -> list[tuple[Any, ...]]:
    """(platform, tier, primary_niche, country, n) of the first ``cap`` matches in doc_id
    order (the best by engagement), counted by the database."""
    stmt = _facet_columns(clauses, matches)
    rows = best_rows(connection, stmt, matches, cap, counted=True, niches=niches)
    totals: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        totals[tuple(row)[:-1]] += row.n
    return [(*key, n) for key, n in totals.items()]


def facet_statement(
    clauses: Sequence[sa.ColumnElement[bool]], matches: KeywordMatch | None, cap: int
) -> sa.Select[Any]:
    """The single statement of ``facet_rows`` (SQLite, or without keywords)."""
    return _grouped(best_first(_facet_columns(clauses, matches), matches, cap), True)


def _facet_columns(
    clauses: Sequence[sa.ColumnElement[bool]], matches: KeywordMatch | None
) -> sa.Select[Any]:
    stmt = sa.select(*(PROFILES.c[name] for name in FACET_COLUMNS)).where(*clauses)
    if matches is not None and matches.join is not None:
        # SQLite would join FTS5 rows to the wide table rows; this index holds the facets.
        stmt = stmt.with_hint(PROFILES, f"INDEXED BY {BEST_INDEX}", "sqlite")
    return stmt


def engagement_floor(min_percentile: float) -> sa.ScalarSelect[Any]:
    """The lowest doc_id with an engagement percentile of at least ``min_percentile`` (NULL
    when none has): doc ids follow engagement, so ``doc_id >= floor`` is that filter as a range
    of the primary key, of the niche index and of the FTS5 rowids."""
    return (
        sa.select(P.doc_id)
        .where(P.sort_engagement >= min_percentile)
        .order_by(P.sort_engagement, P.doc_id)
        .limit(1)
        .scalar_subquery()
    )


def niche_clause(
    niches: Sequence[str],
    platforms: Sequence[str],
    tiers: Sequence[str],
    countries: Sequence[str],
    floor: sa.ScalarSelect[Any] | None = None,
) -> sa.ColumnElement[bool]:
    """Accounts confident in any of ``niches``; the other lists and the doc_id ``floor``
    narrow the index range."""
    n = DiscoveryNiche
    inner = sa.select(n.doc_id).where(n.niche.in_(niches))
    if platforms:
        inner = inner.where(n.platform.in_(platforms))
    if tiers:
        inner = inner.where(n.tier.in_(tiers))
    if countries:
        inner = inner.where(n.country.in_(countries))
    if floor is not None:
        inner = inner.where(n.doc_id >= floor)
    return P.doc_id.in_(inner)


# Niche filters read in doc_id order from the niche index on PostgreSQL when they name every
# key column and make at most this many (niche, platform, tier, country) ranges.
ORDERED_NICHE_RANGES = 16


@dataclass(frozen=True, slots=True)
class NicheFilter:
    """The niche filter of a search: accounts confident in any of ``niches``, narrowed by the
    other lists and the doc_id ``floor``."""

    niches: tuple[str, ...]
    platforms: tuple[str, ...]
    tiers: tuple[str, ...]
    countries: tuple[str, ...]
    floor: sa.ScalarSelect[Any] | None = None

    def clause(self) -> sa.ColumnElement[bool]:
        return niche_clause(self.niches, self.platforms, self.tiers, self.countries, self.floor)

    def ranges(self) -> list[tuple[str, str, str, str]]:
        return list(
            itertools.product(
                sorted(set(self.niches)),
                sorted(set(self.platforms)),
                sorted(set(self.tiers)),
                sorted(set(self.countries)),
            )
        )

    def ordered(self, connection: Connection) -> bool:
        """Whether ``NicheIds`` reads this filter: PostgreSQL, whose planner takes the niche
        rows and the other filters as independent and, for the common filters where they are
        not, hashes every matching profile row instead of walking the niche index down (SQLite
        walks it); every key column named, so each range of the index is in doc_id order."""
        return (
            connection.dialect.name == "postgresql"
            and bool(self.platforms and self.tiers and self.countries)
            and len(self.ranges()) <= ORDERED_NICHE_RANGES
        )


class NicheIds:
    """The doc ids of a niche filter, highest first, a batch at a time: one ordered statement
    per batch that merges the niche index ranges (an index-only read that a LIMIT stops)."""

    def __init__(self, connection: Connection, niches: NicheFilter, below: int | None) -> None:
        n = DiscoveryNiche
        branches = []
        for niche, platform, tier, country in niches.ranges():
            branch = sa.select(n.doc_id).where(
                n.niche == niche, n.platform == platform, n.tier == tier, n.country == country
            )
            if niches.floor is not None:
                branch = branch.where(n.doc_id >= niches.floor)
            branches.append(branch)
        self._ids = sa.union_all(*branches).subquery("niche_ids")
        self._connection = connection
        self._below = below
        self._done = False

    def take(self, wanted: int) -> list[int]:
        if self._done:
            return []
        doc_id = self._ids.c.doc_id
        stmt = sa.select(doc_id).distinct().order_by(doc_id.desc()).limit(wanted)
        if self._below is not None:
            stmt = stmt.where(doc_id < self._below)
        ids: list[int] = list(self._connection.execute(stmt).scalars().all())
        if len(ids) < wanted:
            self._done = True
        if ids:
            self._below = ids[-1]
        return ids


def audience_clause(dimension: str, key: str, min_share: float) -> sa.ColumnElement[bool]:
    a = DiscoveryAudience
    inner = sa.select(a.doc_id).where(a.dimension == dimension, a.key == key, a.share >= min_share)
    return P.doc_id.in_(inner)


def profiles_by_account(
    connection: Connection, account_ids: Sequence[uuid.UUID], with_doc: bool = False
) -> list[sa.Row[Any]]:
    columns = [*RESULT_COLUMNS, P.search_doc] if with_doc else list(RESULT_COLUMNS)
    stmt = sa.select(*columns, P.content_vector).where(P.account_id.in_(account_ids))
    return list(connection.execute(stmt))


def lookalike_candidates(
    connection: Connection,
    seed_doc: int,
    platform: str,
    tiers: Sequence[str],
    niches: Sequence[str],
    cap: int,
) -> list[sa.Row[Any]]:
    """Up to ``cap`` accounts on ``platform`` in ``tiers`` sharing a niche with the seed, most
    confident in those niches first, with their vectors."""
    n = DiscoveryNiche
    best = sa.func.max(n.confidence).label("best")
    shared = (
        sa.select(n.doc_id, best)
        .where(n.niche.in_(niches), n.platform == platform, n.tier.in_(tiers))
        .where(n.doc_id != seed_doc)
        .group_by(n.doc_id)
        .order_by(best.desc(), n.doc_id)
        .limit(cap)
        .subquery()
    )
    stmt = sa.select(*RESULT_COLUMNS, P.content_vector).join(shared, shared.c.doc_id == P.doc_id)
    return list(connection.execute(stmt))
