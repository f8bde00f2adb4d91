"""Conversions: one covering index for a campaign report's sales reads.

The report sums a campaign's conversions by creator and currency and by day, and reads their
count and newest times; with every column it reads in the index those are index-only scans
instead of a table lookup per sale. It replaces the (organisation_id, campaign_id) index, which
is its prefix.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 07:40:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "organisation_id", "campaign_id", "creator_id", "currency", "occurred_at", "amount_minor",
    "recorded_at",
]  # fmt: skip


def upgrade() -> None:
    op.create_index("ix_conversions_campaign_report", "conversions", COLUMNS)
    op.drop_index("ix_conversions_organisation_id_campaign_id", table_name="conversions")


def downgrade() -> None:
    op.create_index(
        "ix_conversions_organisation_id_campaign_id",
        "conversions",
        ["organisation_id", "campaign_id"],
    )
    op.drop_index("ix_conversions_campaign_report", table_name="conversions")
