"""Discovery: a narrow index in doc_id order for reading the best matches first.

Doc ids are numbered in engagement order, so a search reads its best matches by walking doc
ids down. This index holds, per doc_id, the columns the usual filters test and the facets
count, so that walk (and the facet counts over it) reads narrow index pages instead of the
wide profile rows, and a row is only read for the matches that pass.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 08:05:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "doc_id", "platform", "tier", "country", "primary_niche", "sort_engagement",
    "sort_authenticity",
]  # fmt: skip


def upgrade() -> None:
    op.create_index("ix_discovery_profiles_best", "discovery_profiles", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_discovery_profiles_best", table_name="discovery_profiles")
