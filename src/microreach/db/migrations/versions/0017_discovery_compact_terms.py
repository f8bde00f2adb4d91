"""Discovery on PostgreSQL: keyword matches tested on a compact, inline list of words.

A keyword search reads its best matches by walking doc ids down and testing each row for the
words. The full ``discovery_fts_vector`` (every word with its positions, about 1.2 KB) is
compressed or moved out of line by TOAST, so that test read about three pages a row. This
adds ``discovery_fts_terms``: the same words without positions (``strip``), about half the
size, kept in the row (``STORAGE MAIN``: the other wide columns leave the row first), which
the walk and the GIN index test instead; the full vector stays for the relevance rank
(``ts_rank`` counts each word's positions) of the rows a search keeps. Rows written before
this migration keep their old layout until the next ``microreach discovery index`` rewrites
them. SQLite (FTS5) is unchanged.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 10:50:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE discovery_profiles ADD COLUMN discovery_fts_terms tsvector "
        "GENERATED ALWAYS AS (strip(to_tsvector('simple'::regconfig, search_doc))) STORED"
    )
    op.execute("ALTER TABLE discovery_profiles ALTER COLUMN discovery_fts_terms SET STORAGE MAIN")
    op.execute(
        "CREATE INDEX discovery_fts_terms_gin ON discovery_profiles USING gin (discovery_fts_terms)"
    )
    op.execute("DROP INDEX discovery_fts_gin")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX discovery_fts_gin ON discovery_profiles USING gin (discovery_fts_vector)"
    )
    op.execute("DROP INDEX discovery_fts_terms_gin")
    op.execute("ALTER TABLE discovery_profiles DROP COLUMN discovery_fts_terms")
