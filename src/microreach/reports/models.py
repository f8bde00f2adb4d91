"""Tables of the reports domain: the organisation's EMV value tables and the daily click read
model reports run on (built from click_rollups by reports.tasks, never from raw clicks)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base
from microreach.kit.clock import utcnow


class EmvRate(Base):
    """An organisation's value of one action on one platform ("*": every platform), as a
    low-high range in minor units of ``currency`` per 1,000 actions. Overrides the default."""

    __tablename__ = "emv_rates"
    __table_args__ = (
        sa.CheckConstraint("low_per_mille >= 0", name="low_not_negative"),
        sa.CheckConstraint("high_per_mille >= low_per_mille", name="high_not_below_low"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    platform: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    action: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    low_per_mille: Mapped[int] = mapped_column(sa.BigInteger)
    high_per_mille: Mapped[int] = mapped_column(sa.BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportLinkDay(Base):
    """Clicks of one link on one UTC day, human or bot (sums of click_rollups)."""

    __tablename__ = "report_link_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    link_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    is_bot: Mapped[bool] = mapped_column(primary_key=True)
    clicks: Mapped[int] = mapped_column(sa.BigInteger)
    uniques: Mapped[int] = mapped_column(sa.BigInteger)


class ReportCampaignDay(Base):
    """Clicks of a campaign's links on one UTC day by one dimension value (country, device or
    referrer; "" when unknown), human or bot (sums of click_rollups)."""

    __tablename__ = "report_campaign_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(253), primary_key=True)
    is_bot: Mapped[bool] = mapped_column(primary_key=True)
    clicks: Mapped[int] = mapped_column(sa.BigInteger)


class ReportState(Base):
    """How far the report read model has read (clicks recorded before ``recorded_until``) and
    a version that moves whenever it changed (part of the report cache key)."""

    __tablename__ = "report_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    recorded_until: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
