"""Discovery's read model: one searchable row per platform account, rebuilt from the creators
and scores tables by ``discovery.service.refresh_index``.

Filters and SQL sorts read plain indexed columns; niche and audience filters go through two
narrow membership tables whose keys lead with the filtered value. The keyword index is not in
this metadata: SQLite keeps an FTS5 table over ``search_doc`` and PostgreSQL a generated
``tsvector`` column with a GIN index, both made by hand in migration 0005 (see
``is_search_index``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base, PortableJSON

# Names of the hand-made keyword index objects (tables, columns, indexes) on either database.
SEARCH_INDEX_PREFIX = "discovery_fts"


def is_search_index(name: str | None) -> bool:
    """True for the keyword index objects the migration makes outside the metadata."""
    return name is not None and name.startswith(SEARCH_INDEX_PREFIX)


def include_name(name: str | None, type_: Any, parent_names: Any) -> bool:  # noqa: ARG001
    """Alembic's include_name hook: autogenerate and the drift test leave the hand-made
    keyword index alone (it is not in the metadata, so it is not drift)."""
    return not is_search_index(name)


class DiscoveryProfile(Base):
    """Everything search, fit, lookalikes and the planner read about one account."""

    __tablename__ = "discovery_profiles"
    __table_args__ = (
        sa.Index("ix_discovery_profiles_filters", "platform", "country", "tier"),
        sa.Index("ix_discovery_profiles_followers", "followers"),
        sa.Index("ix_discovery_profiles_sort_engagement", "sort_engagement"),
        sa.Index("ix_discovery_profiles_sort_authenticity", "sort_authenticity"),
        # Doc ids follow engagement: the best matches first, from narrow pages (migration 0016).
        sa.Index(
            "ix_discovery_profiles_best",
            "doc_id",
            "platform",
            "tier",
            "country",
            "primary_niche",
            "sort_engagement",
            "sort_authenticity",
        ),
    )

    # An integer key: FTS5 addresses documents by integer rowid.
    doc_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), unique=True
    )
    creator_id: Mapped[uuid.UUID]
    creator_name: Mapped[str] = mapped_column(sa.String(200))
    platform: Mapped[str] = mapped_column(sa.String(24))
    handle: Mapped[str] = mapped_column(sa.String(100))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    followers: Mapped[int] = mapped_column(sa.BigInteger)
    tier_scheme: Mapped[str] = mapped_column(sa.String(24))
    tier: Mapped[str] = mapped_column(sa.String(24))
    primary_niche: Mapped[str | None] = mapped_column(sa.String(32))
    # Every niche's confidence in science.niches.NICHES order, 3 decimals.
    niche_vector: Mapped[list[float]] = mapped_column(PortableJSON, default=list)
    country: Mapped[str | None] = mapped_column(sa.String(2))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    # {"country": {"US": 0.41, ...}, "age": {...}, "gender": {...}} of the newest capture.
    audience: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    er_typical: Mapped[float | None]
    er_low: Mapped[float | None]
    er_high: Mapped[float | None]
    er_percentile: Mapped[float | None]
    authenticity: Mapped[int | None]
    relationship: Mapped[int | None]
    # Sort and filter keys without NULLs (-1 when not measured), so one index serves both.
    sort_engagement: Mapped[float]
    sort_authenticity: Mapped[int]
    follower_growth_30d: Mapped[float | None]
    recent_posts: Mapped[int] = mapped_column(default=0)
    sponsored_share: Mapped[float | None]
    last_post_at: Mapped[datetime | None]
    has_email: Mapped[bool] = mapped_column(default=False)
    # Brands and accounts mentioned in recent posts (lower-case, no "@"), for competitor checks.
    mentions: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    # The content vector (float16, CONTENT_DIMENSIONS) of bio, captions and hashtags.
    content_vector: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # Bio, recent captions and hashtags as search tokens (discovery.search.tokens).
    search_doc: Mapped[str] = mapped_column(sa.Text)
    indexed_at: Mapped[datetime]


class DiscoveryNiche(Base):
    """An account's confident niche, keyed for the usual filter: niche, platform, tier, country."""

    __tablename__ = "discovery_niches"
    __table_args__ = ({"sqlite_with_rowid": False},)

    niche: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    tier: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    doc_id: Mapped[int] = mapped_column(
        sa.ForeignKey("discovery_profiles.doc_id", ondelete="CASCADE"), primary_key=True
    )
    confidence: Mapped[float]


class DiscoveryAudience(Base):
    """One audience share of an account, keyed for 'at least this share in that country'."""

    __tablename__ = "discovery_audience"
    __table_args__ = ({"sqlite_with_rowid": False},)

    dimension: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    share: Mapped[float] = mapped_column(primary_key=True)
    doc_id: Mapped[int] = mapped_column(
        sa.ForeignKey("discovery_profiles.doc_id", ondelete="CASCADE"), primary_key=True
    )
