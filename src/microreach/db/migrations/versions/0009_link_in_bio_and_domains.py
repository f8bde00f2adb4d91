"""Short domain verification and enabling; link-in-bio pages and their items.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("short_domains", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    op.create_table(
        "bio_pages",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("handle", sa.String(length=30), nullable=False),
        sa.Column("bio", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_bio_pages_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bio_pages")),
        sa.UniqueConstraint("handle", name=op.f("uq_bio_pages_handle")),
        sa.UniqueConstraint("user_id", name=op.f("uq_bio_pages_user_id")),
    )
    op.create_table(
        "bio_page_items",
        sa.Column("page_id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["links.id"],
            name=op.f("fk_bio_page_items_link_id_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["bio_pages.id"],
            name=op.f("fk_bio_page_items_page_id_bio_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("page_id", "link_id", name=op.f("pk_bio_page_items")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("bio_page_items")
    op.drop_table("bio_pages")
    with op.batch_alter_table("short_domains", schema=None) as batch_op:
        batch_op.drop_column("enabled")
        batch_op.drop_column("verified_at")
