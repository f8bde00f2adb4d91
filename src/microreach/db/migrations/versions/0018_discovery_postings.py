"""Discovery on PostgreSQL: posting lists in doc id blocks for reading the best matches first.

A keyword search keeps the highest doc ids holding every word. The GIN index returns every
match in no order (and gathers every word of a prefix first), so at a million documents a
two-word search with a prefix read the whole posting list of each word once per key range.
``discovery_fts_postings`` holds, per word (C collation, so a prefix is a key range) and per
block of 65,536 doc ids, the block's documents holding the word as 2-byte offsets
(``int2send(offset - 32768)``), stored uncompressed out of line; ``discovery.search.postings``
reads it from the top block down. Built here from the rows already indexed, and again by each
``microreach discovery index``. SQLite (FTS5 walks its own doc lists in rowid order) is
unchanged.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26 14:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        'CREATE TABLE discovery_fts_postings (word text COLLATE "C" NOT NULL, '
        "block integer NOT NULL, docs bytea NOT NULL, "
        "CONSTRAINT discovery_fts_postings_pkey PRIMARY KEY (word, block))"
    )
    op.execute("ALTER TABLE discovery_fts_postings ALTER COLUMN docs SET STORAGE EXTERNAL")
    op.execute(
        "INSERT INTO discovery_fts_postings (word, block, docs) "
        "SELECT t.word, p.doc_id >> 16, "
        "string_agg(int2send(((p.doc_id & 65535) - 32768)::int2), ''::bytea) "
        "FROM discovery_profiles AS p, "
        "unnest(tsvector_to_array(p.discovery_fts_terms)) AS t(word) GROUP BY 1, 2"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE discovery_fts_postings")
