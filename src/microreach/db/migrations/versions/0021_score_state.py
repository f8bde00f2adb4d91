"""The scoring job remembers what its last peer pass saw, to skip the pass when nothing changed.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 10:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "score_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("scores", sa.BigInteger(), nullable=False),
        sa.Column("computed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("peer_groups", sa.Integer(), nullable=False),
        sa.Column("ranked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_score_state")),
    )


def downgrade() -> None:
    op.drop_table("score_state")
