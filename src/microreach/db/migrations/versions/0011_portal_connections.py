"""Connectors: portal connections (who connected, when) and OAuth attempts (state, PKCE).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 04:06:22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_attempts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=24), nullable=False),
        sa.Column("verifier", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["user_sessions.id"],
            name=op.f("fk_oauth_attempts_session_id_user_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_attempts")),
    )
    with op.batch_alter_table("oauth_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_attempts_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_oauth_attempts_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("platform_connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_platform_connections_user_id"), ["user_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_platform_connections_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("platform_connections", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_platform_connections_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_platform_connections_user_id"))
        batch_op.drop_column("connected_at")
        batch_op.drop_column("user_id")

    with op.batch_alter_table("oauth_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_attempts_user_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_attempts_session_id"))

    op.drop_table("oauth_attempts")
