"""Every query of discovery: reading the source tables to build the index, writing it, and the
search, facet, lookalike and planner reads over it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Connection

from microreach.creators.models import AudienceShare, Creator, PlatformAccount, Post
from microreach.discovery.models import DiscoveryAudience, DiscoveryNiche, DiscoveryProfile
from microreach.discovery.search.fts import KeywordMatch
from microreach.scores.models import AccountScore

RECENT_POSTS = 12
P = DiscoveryProfile
PROFILES = cast(sa.Table, DiscoveryProfile.__table__)
NICHES = cast(sa.Table, DiscoveryNiche.__table__)
AUDIENCE = cast(sa.Table, DiscoveryAudience.__table__)

# --- reading the sources --------------------------------------------------------------------


def account_batches(connection: Connection, size: int) -> Iterator[list[sa.Row[Any]]]:
    """Accounts in id order with their creator and stored score columns, ``size`` at a time."""
    a, c, s = PlatformAccount, Creator, AccountScore
    columns = (
        a.id, a.creator_id, c.name, a.platform, a.handle, a.display_name, a.followers,
        a.country, a.language, a.bio, c.contact_email, s.tier_scheme, s.tier, s.niches,
        s.er_typical, s.er_low, s.er_high, s.er_percentile, s.authenticity, s.relationship,
        s.follower_growth_30d, s.sponsored_posts,
    )  # fmt: skip
    after: uuid.UUID | None = None
    while True:
        stmt = (
            sa.select(*columns)
            .join(c, c.id == a.creator_id)
            .outerjoin(s, s.account_id == a.id)
            .order_by(a.id)
            .limit(size)
        )
        if after is not None:
            stmt = stmt.where(a.id > after)
        rows = list(connection.execute(stmt))
        if not rows:
            return
        yield rows
        after = rows[-1].id


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


def write_index(
    connection: Connection,
    profiles: Sequence[dict[str, Any]],
    niches: Sequence[dict[str, Any]],
    audience: Sequence[dict[str, Any]],
) -> None:
    if profiles:
        connection.execute(sa.insert(DiscoveryProfile), list(profiles))
    if niches:
        connection.execute(sa.insert(DiscoveryNiche), list(niches))
    if audience:
        connection.execute(sa.insert(DiscoveryAudience), list(audience))


def next_doc_id(connection: Connection) -> int:
    return int(connection.execute(sa.select(sa.func.max(P.doc_id))).scalar() or 0) + 1


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
        stmt = stmt.join(matches.join, matches.join.c.doc_id == P.doc_id)
    if matches.clause is not None:
        stmt = stmt.where(matches.clause)
    return stmt


# --- search -----------------------------------------------------------------------------------

RESULT_COLUMNS = (
    P.doc_id, P.account_id, P.creator_id, P.creator_name, P.platform, P.handle, P.display_name,
    P.followers, P.tier, P.primary_niche, P.niche_vector, P.country, P.language, P.audience,
    P.er_typical, P.er_low, P.er_high, P.er_percentile, P.authenticity, P.relationship,
    P.follower_growth_30d, P.sponsored_share, P.last_post_at, P.has_email, P.mentions,
)  # fmt: skip


def sort_column(sort: str, matches: KeywordMatch | None) -> sa.ColumnElement[Any]:
    if sort == "relevance" and matches is not None:
        return matches.rank
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
) -> list[sa.Row[Any]]:
    """Up to ``limit`` rows matching ``clauses`` (and ``matches``) in ``sort`` order, highest
    first, after the keyset ``after`` (sort key, doc_id); each row ends with its sort key."""
    return list(connection.execute(search_statement(clauses, matches, sort, after, limit)))


def search_statement(
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
    sort: str,
    after: tuple[float, int] | None,
    limit: int,
) -> sa.Select[Any]:
    key = sort_column(sort, matches)
    stmt = sa.select(*RESULT_COLUMNS, key.label("sort_key")).where(*clauses)
    stmt = keyword(stmt, matches)
    if after is not None:
        stmt = stmt.where(sa.or_(key < after[0], sa.and_(key == after[0], P.doc_id < after[1])))
    return stmt.order_by(key.desc(), P.doc_id.desc()).limit(limit)


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
) -> list[sa.Row[Any]]:
    """The ``cap`` matching rows ranked best by engagement percentile then authenticity, for
    ranking in the process (fit, planner); ``columns`` default to the result columns."""
    stmt = candidates_statement(clauses, matches, cap, with_doc, columns)
    return list(connection.execute(stmt))


def candidates_statement(
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
    cap: int,
    with_doc: bool,
    columns: Sequence[Any] = RESULT_COLUMNS,
) -> sa.Select[Any]:
    selected = [*columns, P.search_doc] if with_doc else list(columns)
    stmt = sa.select(*selected).where(*clauses)
    stmt = keyword(stmt, matches)
    order = (P.sort_engagement.desc(), P.sort_authenticity.desc(), P.doc_id.desc())
    return stmt.order_by(*order).limit(cap)


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


def facet(
    connection: Connection,
    column: str,
    clauses: Sequence[sa.ColumnElement[bool]],
    matches: KeywordMatch | None,
    limit: int = 20,
) -> list[tuple[str, int]]:
    """(value, count) of ``column`` over the matching rows, most frequent first."""
    target = PROFILES.c[column]
    counted = sa.func.count().label("n")
    stmt = (
        sa.select(target, counted)
        .where(*clauses, target.is_not(None))
        .group_by(target)
        .order_by(counted.desc(), target)
        .limit(limit)
    )
    stmt = keyword(stmt, matches)
    return [(str(value), int(n)) for value, n in connection.execute(stmt)]


def niche_clause(
    niches: Sequence[str], platforms: Sequence[str], tiers: Sequence[str], countries: Sequence[str]
) -> sa.ColumnElement[bool]:
    """Accounts confident in any of ``niches``; the other lists narrow the index range."""
    n = DiscoveryNiche
    inner = sa.select(n.doc_id).where(n.niche.in_(niches))
    if platforms:
        inner = inner.where(n.platform.in_(platforms))
    if tiers:
        inner = inner.where(n.tier.in_(tiers))
    if countries:
        inner = inner.where(n.country.in_(countries))
    return P.doc_id.in_(inner)


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
