"""Keyword reads on PostgreSQL from posting lists kept in doc id blocks.

A search wants the best matches only: the highest doc ids holding every query word (doc ids
follow engagement, docs/discovery.md "The index"). GIN answers "which rows hold these words"
with a bitmap of every match in no order, and for a prefix (``trav*``) it first gathers the
postings of every word with that prefix: at a million documents that is tens of milliseconds
however few rows the search keeps, and as much again for each key range asked.

``discovery_fts_postings`` keeps, for each word and each block of 2**BLOCK_BITS doc ids, the
documents of that block holding the word: one ``bytea`` of 2-byte offsets in the block
(``int2send(offset - 32768)``, big-endian). A read takes blocks from the top: it fetches the
rows of the query's words (a prefix is a range of the primary key, ``word`` being in the C
collation) for a few blocks, marks each term's documents in a block-sized mask, ANDs the
masks, and hands out the doc ids highest first, reading further blocks only when the caller
wants more. The statement that returns the rows then reads them by primary key.

The table is built by PostgreSQL itself from ``discovery_fts_terms`` (the words
``to_tsvector('simple', ...)`` made for the GIN index), so both read the same words: written by
``rebuild`` after the profiles (the indexer, migration 0018, the bench's copy). A profile
deleted later (``privacy.forget``) leaves its postings behind; reads join the profiles, so
it does not come back."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy import Connection

from microreach.discovery.search.tokens import Term

TABLE = "discovery_fts_postings"
BLOCK_BITS = 16  # blocks of 65,536 doc ids (offsets fit 2 bytes)
_OFFSET_BIAS = 32768  # offsets 0..65535 stored as int2 (-32768..32767)
# Blocks read by the next statement: enough for this many times the ids still wanted at the
# density seen so far.
READ_AHEAD = 1.5


def _build_statement() -> str:
    return (
        f"INSERT INTO {TABLE} (word, block, docs) SELECT t.word, %(block)s, "
        f"string_agg(int2send(((p.doc_id & {(1 << BLOCK_BITS) - 1}) - {_OFFSET_BIAS})::int2), "
        "''::bytea) FROM discovery_profiles AS p, "
        "unnest(tsvector_to_array(p.discovery_fts_terms)) AS t(word) "
        "WHERE p.doc_id >= %(low)s AND p.doc_id < %(high)s GROUP BY t.word"
    )


def rebuild(connection: Connection) -> int:
    """Replace the posting lists by those of the profiles now stored, one block of doc ids per
    statement (the caller commits); the number of (word, block) rows written."""
    connection.exec_driver_sql(f"DELETE FROM {TABLE}")
    high = connection.exec_driver_sql("SELECT max(doc_id) FROM discovery_profiles").scalar()
    written, statement = 0, _build_statement()
    for block in range((int(high) >> BLOCK_BITS) + 1 if high is not None else 0):
        low = block << BLOCK_BITS
        params = {"block": block, "low": low, "high": low + (1 << BLOCK_BITS)}
        written += connection.exec_driver_sql(statement, params).rowcount
    connection.exec_driver_sql(f"ANALYZE {TABLE}")
    return written


def _like_prefix(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


class Matches:
    """The doc ids at or below ``top`` holding every term, highest first, read on demand."""

    def __init__(self, connection: Connection, terms: Sequence[Term], top: int) -> None:
        if not terms:
            raise ValueError("a keyword read needs at least one term")
        self._connection = connection
        self._terms = tuple(terms)
        self._top = top
        self._next_block = top >> BLOCK_BITS if top >= 0 else -1
        self._blocks_read = 0
        self._matched = 0
        self._pending: list[NDArray[np.int64]] = []
        self._pending_count = 0
        exact = sorted({t.word for t in terms if not t.prefix})
        word = sa.column("word", sa.Text)
        tests: list[sa.ColumnElement[bool]] = []
        if exact:
            tests.append(word.in_(exact))
        tests.extend(word.like(_like_prefix(t.word), escape="\\") for t in terms if t.prefix)
        self._statement = (
            sa.select(word, sa.column("block", sa.Integer), sa.column("docs", sa.LargeBinary))
            .select_from(sa.table(TABLE))
            .where(sa.or_(*tests))
        )

    def take(self, wanted: int) -> list[int]:
        """The next (at most) ``wanted`` matching doc ids, highest first."""
        while self._pending_count < wanted and self._next_block >= 0:
            self._read(self._blocks_for(wanted - self._pending_count))
        if not self._pending:
            return []
        ids = np.concatenate(self._pending)
        out, rest = ids[:wanted], ids[wanted:]
        self._pending = [rest] if len(rest) else []
        self._pending_count = len(rest)
        ids_out: list[int] = out.tolist()
        return ids_out

    def _blocks_for(self, wanted: int) -> int:
        left = self._next_block + 1
        if self._blocks_read == 0:
            return 1
        if self._matched == 0:
            return left
        per_block = self._matched / self._blocks_read
        return max(1, min(left, math.ceil(wanted * READ_AHEAD / per_block)))

    def _read(self, blocks: int) -> None:
        high_block = self._next_block
        low_block = high_block - blocks + 1
        block = sa.column("block", sa.Integer)
        stmt = self._statement.where(block >= low_block, block <= high_block)
        by_block: dict[int, list[tuple[str, bytes]]] = {}
        for word, number, docs in self._connection.execute(stmt):
            by_block.setdefault(number, []).append((word, docs))
        for number in range(high_block, low_block - 1, -1):
            ids = self._block_matches(number, by_block.get(number, []))
            if len(ids):
                self._pending.append(ids)
                self._pending_count += len(ids)
                self._matched += len(ids)
        self._blocks_read += blocks
        self._next_block = low_block - 1

    def _block_matches(self, number: int, rows: list[tuple[str, bytes]]) -> NDArray[np.int64]:
        """The doc ids of block ``number`` holding every term, highest first."""
        masks = [np.zeros(1 << BLOCK_BITS, dtype=np.bool_) for _ in self._terms]
        seen = [False] * len(self._terms)
        for word, docs in rows:
            offsets = np.frombuffer(docs, dtype=">i2").astype(np.int64) + _OFFSET_BIAS
            for index, term in enumerate(self._terms):
                if word == term.word or (term.prefix and word.startswith(term.word)):
                    masks[index][offsets] = True
                    seen[index] = True
        if not all(seen):
            return np.empty(0, dtype=np.int64)
        both = masks[0]
        for mask in masks[1:]:
            both &= mask
        ids = np.flatnonzero(both)[::-1] + (number << BLOCK_BITS)
        if number == self._top >> BLOCK_BITS:
            ids = ids[ids <= self._top]
        return ids.astype(np.int64)
