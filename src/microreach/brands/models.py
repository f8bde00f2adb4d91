"""The brand profile table: one row per organisation."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base, PortableJSON
from microreach.kit.clock import utcnow


class BrandProfile(Base):
    """Name, website, niches, target audience, keywords and competitors of one organisation."""

    __tablename__ = "brand_profiles"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    website: Mapped[str | None] = mapped_column(sa.String(500))
    niches: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    countries: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    languages: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    age_bands: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    # {"female": 60, "male": 35, "other": 5}: whole percentages, summing to at most 100.
    gender_shares: Mapped[dict[str, int]] = mapped_column(PortableJSON, default=dict)
    interests: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    competitors: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
