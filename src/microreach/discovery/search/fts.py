"""The keyword match on each engine: FTS5 over ``discovery_fts`` on SQLite; on PostgreSQL the
generated ``discovery_fts_terms`` (``strip(to_tsvector('simple', search_doc))``: the distinct
words without positions, kept inline in the row) with its GIN index for the match (and the
posting lists of ``postings``, made from those words, for reads of the best matches), and the
generated ``discovery_fts_vector`` (every word with its positions, mostly TOASTed) for the
relevance rank of the rows a search keeps. Both engines read documents and queries made by
``tokens``, so they match the same rows.

Relevance differs by engine (FTS5 ``bm25``, PostgreSQL ``ts_rank``): the same documents come
back, their relevance order may differ where the two formulas disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa

from microreach.discovery.models import DiscoveryProfile
from microreach.discovery.search.tokens import Term, fts5_query, tsquery

FTS_TABLE = "discovery_fts"
PROFILES = cast(sa.Table, DiscoveryProfile.__table__)
FTS_TERMS = "discovery_fts_terms"  # the words without positions: the match tests them
FTS_VECTOR = "discovery_fts_vector"  # every word with its positions: the rank reads it


@dataclass(frozen=True, slots=True)
class KeywordMatch:
    """How a statement over discovery_profiles keeps the matching rows: join ``join`` (the
    FTS5 table) on its rowid when set, and add ``clause``; ``rank`` is higher for more
    relevant rows; ``doc_key`` is the doc_id to order by, so that on SQLite FTS5 walks its
    documents in that order itself and a LIMIT stops it early; ``terms`` are the query's
    words, which PostgreSQL's best-first reads look up in ``postings``."""

    join: sa.TableClause | None
    clause: sa.ColumnElement[bool]
    rank: sa.ColumnElement[Any]
    doc_key: sa.ColumnElement[int]
    terms: tuple[Term, ...] = ()


def matches(dialect: str, terms: tuple[Term, ...], ranked: bool) -> KeywordMatch:
    """The rows holding every term; ``ranked`` computes a relevance rank (else rank is 0)."""
    if dialect == "sqlite":
        fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
        where = sa.literal_column(FTS_TABLE).op("MATCH")(fts5_query(terms))
        bm25 = -sa.func.bm25(sa.literal_column(FTS_TABLE), type_=sa.Float)
        rank: sa.ColumnElement[Any] = bm25 if ranked else sa.literal(0.0)
        return KeywordMatch(fts, where, rank, fts.c.rowid, terms)
    # Not in the metadata (made by the migrations), so named by hand; they add no FROM entry.
    words: sa.ColumnElement[Any] = sa.literal_column(f"discovery_profiles.{FTS_TERMS}")
    vector: sa.ColumnElement[Any] = sa.literal_column(f"discovery_profiles.{FTS_VECTOR}")
    query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), tsquery(terms))
    rank = sa.literal(0.0)
    if ranked:
        rank = sa.cast(sa.func.ts_rank(vector, query), sa.Float)
    return KeywordMatch(None, words.op("@@")(query), rank, PROFILES.c.doc_id, terms)
