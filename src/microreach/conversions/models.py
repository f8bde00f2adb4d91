"""Tables of the conversions domain: promo codes and attributed conversions (orders)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base, StrEnumType, UUIDPrimaryKey
from microreach.kit.clock import utcnow


class AttributionRule(StrEnum):
    """Which evidence credited a conversion (or that none did)."""

    PROMO_CODE = "promo_code"
    LAST_CLICK = "last_click"
    UNATTRIBUTED = "unattributed"


class ConversionSource(StrEnum):
    API = "api"
    SHOPIFY = "shopify"


class PromoCode(UUIDPrimaryKey, Base):
    """A discount code that credits one creator (and optionally one campaign) with a sale."""

    __tablename__ = "promo_codes"
    # Unique per organisation ignoring case: shoppers type codes in any case.
    __table_args__ = (sa.UniqueConstraint("organisation_id", "code_key"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    # As the brand wrote it; `code_key` is its upper-case form for lookups.
    code: Mapped[str] = mapped_column(sa.String(64))
    code_key: Mapped[str] = mapped_column(sa.String(64))
    creator_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("creators.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]


REPORT_INDEX_COLUMNS = ("organisation_id", "campaign_id", "creator_id", "currency", "occurred_at",
                        "amount_minor", "recorded_at")  # fmt: skip


class Conversion(UUIDPrimaryKey, Base):
    """One order, stored once per (organisation, order id), with what it was attributed to."""

    __tablename__ = "conversions"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "order_id"),
        sa.CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        # Covers every read of a campaign report's sales (migration 0015).
        sa.Index("ix_conversions_campaign_report", *REPORT_INDEX_COLUMNS),
        sa.Index("ix_conversions_organisation_id_creator_id", "organisation_id", "creator_id"),
        sa.Index("ix_conversions_organisation_id_link_id", "organisation_id", "link_id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    order_id: Mapped[str] = mapped_column(sa.String(255))
    source: Mapped[ConversionSource] = mapped_column(StrEnumType(ConversionSource))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The evidence as reported: the click id (mr_cid) and the promo code, normalised.
    click_id: Mapped[uuid.UUID | None]
    promo_code: Mapped[str | None] = mapped_column(sa.String(64))
    rule: Mapped[AttributionRule] = mapped_column(StrEnumType(AttributionRule))
    # Why nothing was credited (or why the evidence was refused), for unattributed rows.
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("promo_codes.id", ondelete="SET NULL")
    )
    link_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("links.id", ondelete="SET NULL")
    )
    creator_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("creators.id", ondelete="SET NULL")
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL")
    )
