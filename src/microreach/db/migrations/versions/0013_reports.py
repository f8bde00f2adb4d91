"""Reports: EMV value tables per organisation and the daily click read model.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 04:06:34.153344+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "emv_rates",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("low_per_mille", sa.BigInteger(), nullable=False),
        sa.Column("high_per_mille", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("low_per_mille >= 0", name=op.f("ck_emv_rates_low_not_negative")),
        sa.CheckConstraint(
            "high_per_mille >= low_per_mille", name=op.f("ck_emv_rates_high_not_below_low")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_emv_rates_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "currency", "platform", "action", name=op.f("pk_emv_rates")
        ),
    )
    op.create_table(
        "report_link_days",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("uniques", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["links.id"],
            name=op.f("fk_report_link_days_link_id_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", "day", "is_bot", name=op.f("pk_report_link_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_campaign_days",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=253), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_report_campaign_days_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id",
            "day",
            "dimension",
            "value",
            "is_bot",
            name=op.f("pk_report_campaign_days"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("recorded_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_state")),
    )


def downgrade() -> None:
    op.drop_table("report_state")
    op.drop_table("report_campaign_days")
    op.drop_table("report_link_days")
    op.drop_table("emv_rates")
