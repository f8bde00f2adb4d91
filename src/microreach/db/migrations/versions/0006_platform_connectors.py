"""platform connectors: OAuth connections (encrypted tokens), daily API quota, refresh state

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 01:52:18.611350
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_quota_usage",
        sa.Column("platform", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "day", name=op.f("pk_api_quota_usage")),
    )
    op.create_table(
        "account_refresh_state",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_account_refresh_state_account_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_refresh_state")),
    )
    with op.batch_alter_table("account_refresh_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_refresh_state_next_attempt_at"),
            ["next_attempt_at"],
            unique=False,
        )

    op.create_table(
        "platform_connections",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("platform", sa.String(length=24), nullable=False),
        sa.Column("external_user_id", sa.String(length=100), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_platform_connections_account_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_connections")),
        sa.UniqueConstraint("account_id", name=op.f("uq_platform_connections_account_id")),
    )


def downgrade() -> None:
    op.drop_table("platform_connections")
    with op.batch_alter_table("account_refresh_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_refresh_state_next_attempt_at"))

    op.drop_table("account_refresh_state")
    op.drop_table("api_quota_usage")
