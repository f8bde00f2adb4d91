"""The keyword match on each engine: FTS5 over ``discovery_fts`` on SQLite, the generated
``discovery_fts_vector`` (``to_tsvector('simple', search_doc)``) with its GIN index on
PostgreSQL. Both read documents and queries made by ``tokens``, so they match the same rows.

Relevance differs by engine (FTS5 ``bm25``, PostgreSQL ``ts_rank``): the same documents come
back, their relevance order may differ where the two formulas disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from microreach.discovery.models import DiscoveryProfile
from microreach.discovery.search.tokens import Term, fts5_query, tsquery

FTS_TABLE = "discovery_fts"
FTS_VECTOR = "discovery_fts_vector"


@dataclass(frozen=True, slots=True)
class KeywordMatch:
    """How a statement over discovery_profiles keeps the matching rows: join ``join`` on
    doc_id when set, add ``clause`` when set; ``rank`` is higher for more relevant rows."""

    join: sa.Subquery | None
    clause: sa.ColumnElement[bool] | None
    rank: sa.ColumnElement[Any]


def matches(dialect: str, terms: tuple[Term, ...], ranked: bool) -> KeywordMatch:
    """The rows holding every term; ``ranked`` computes a relevance rank (else rank is 0)."""
    if dialect == "sqlite":
        fts = sa.table(FTS_TABLE, sa.column("rowid"))
        where = sa.literal_column(FTS_TABLE).op("MATCH")(fts5_query(terms))
        if not ranked:
            inner = sa.select(fts.c.rowid).where(where)
            clause = DiscoveryProfile.doc_id.in_(inner)
            return KeywordMatch(None, clause, sa.literal(0.0))
        bm25 = (-sa.func.bm25(sa.literal_column(FTS_TABLE))).label("rank")
        join = sa.select(fts.c.rowid.label("doc_id"), bm25).where(where).subquery("matches")
        return KeywordMatch(join, None, join.c.rank)
    # Not in the metadata (made by the migration), so named by hand; it adds no FROM entry.
    vector: sa.ColumnElement[Any] = sa.literal_column(f"discovery_profiles.{FTS_VECTOR}")
    query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), tsquery(terms))
    rank: sa.ColumnElement[Any] = sa.literal(0.0)
    if ranked:
        rank = sa.cast(sa.func.ts_rank(vector, query), sa.Float)
    return KeywordMatch(None, vector.op("@@")(query), rank)
