"""Tables of the links domain: short domains, links, raw clicks, visitors, orphans, rollups."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base, Timestamps, UUIDPrimaryKey
from microreach.kit.clock import utcnow


class ShortDomain(UUIDPrimaryKey, Base):
    """A host name an organisation points at microreach; its links resolve by (host, slug)."""

    __tablename__ = "short_domains"
    __table_args__ = (sa.UniqueConstraint("host"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # Lower-case ASCII (IDNA) host without port.
    host: Mapped[str] = mapped_column(sa.String(253))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the DNS TXT record (links.domains.txt_value) was found; needed to enable.
    verified_at: Mapped[datetime | None]
    # Only enabled domains resolve on the redirect path and can be chosen for new links.
    enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class Link(UUIDPrimaryKey, Timestamps, Base):
    """A tracked short link: `/{slug}` on the app's host (domain NULL) or on a short domain."""

    __tablename__ = "links"
    __table_args__ = (
        # Slugs are case-sensitive: PostgreSQL compares text by bytes for equality and SQLite's
        # default collation is BINARY, so "aB3" and "ab3" are two links on both.
        sa.UniqueConstraint("domain_id", "slug"),
        # NULLs are distinct in unique constraints, so the app host needs its own index.
        sa.Index(
            "uq_links_slug_app_host",
            "slug",
            unique=True,
            sqlite_where=sa.text("domain_id IS NULL"),
            postgresql_where=sa.text("domain_id IS NULL"),
        ),
        sa.Index("ix_links_organisation_id_created_at_id", "organisation_id", "created_at", "id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    domain_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("short_domains.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(sa.String(64))
    # As checked by links.destinations; UTM parameters are kept apart and added on redirect.
    destination: Mapped[str] = mapped_column(sa.String(2048))
    utm_source: Mapped[str | None] = mapped_column(sa.String(100))
    utm_medium: Mapped[str | None] = mapped_column(sa.String(100))
    utm_campaign: Mapped[str | None] = mapped_column(sa.String(100))
    utm_content: Mapped[str | None] = mapped_column(sa.String(100))
    creator_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("creators.id", ondelete="SET NULL"), index=True
    )
    # No foreign key yet: the campaigns work adds the campaigns table and this constraint.
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    title: Mapped[str | None] = mapped_column(sa.String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    expires_at: Mapped[datetime | None]
    fallback_url: Mapped[str | None] = mapped_column(sa.String(2048))


class LinksVersion(Base):
    """One row whose number goes up in every transaction that changes a link or short domain.

    Redirect processes compare it with the number their cache was filled at (every
    `MICROREACH_LINK_CACHE_CHECK_MS`) and drop the cache when it moved.
    """

    __tablename__ = "links_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Click(Base):
    """One redirect, append-only. The id is the `mr_cid` the destination got, so a replayed
    click (same id) is stored once. No address or visitor id is kept here.

    The primary key is the table's only index. The id is a UUIDv7 (links.clickids), so a batch
    of clicks adds to the end of it, and an hour's clicks are a range of it: the rollup job
    reads them there. Which (link, hour) pairs got clicks is told by `click_marks`, written by
    the click writers at most every few seconds per pair, not by an index on `recorded_at`
    (migration 0020: the two secondary indexes cost the redirect a tenth of its throughput on
    SQLite). Nothing reads a link's raw clicks otherwise; links are never deleted while an
    organisation exists, and the organisation bundle and erasure read clicks by scanning."""

    __tablename__ = "clicks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    link_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("links.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    # When the writer committed it.
    recorded_at: Mapped[datetime]
    referrer_domain: Mapped[str | None] = mapped_column(sa.String(253))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    device: Mapped[str] = mapped_column(sa.String(16))
    os: Mapped[str] = mapped_column(sa.String(64))
    browser: Mapped[str] = mapped_column(sa.String(64))
    is_bot: Mapped[bool]
    bot_name: Mapped[str | None] = mapped_column(sa.String(64))
    is_unique: Mapped[bool]
    method: Mapped[str] = mapped_column(sa.String(8))


class ClickMark(Base):
    """A click writer committed clicks of this link and UTC hour at `recorded_at`.

    Written in the clicks' transaction, at most once per (link, hour) every few seconds per
    writer (links.writer.MARK_EVERY, far shorter than the rollup job's SETTLE): the rollup
    job reads the marks recorded since its watermark to know which link-hours to rebuild, and
    the reports job those since its own; the reports job deletes the marks both have read.
    """

    __tablename__ = "click_marks"
    __table_args__ = ({"sqlite_with_rowid": False},)

    recorded_at: Mapped[datetime] = mapped_column(primary_key=True)
    link_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)


class LinkVisitor(Base):
    """A (link, UTC day, daily visitor hash) seen: decides `clicks.is_unique` on write.

    The hash is keyed by a key that changes every day (links.visitors), so rows of past days
    link nobody to anything; the rollup job deletes them after two days.
    """

    __tablename__ = "link_visitors"
    __table_args__ = ({"sqlite_with_rowid": False},)

    link_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    visitor_hash: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class OrphanVisit(UUIDPrimaryKey, Base):
    """A request for a slug that names no link (typos, deleted links, scanners)."""

    __tablename__ = "orphan_visits"
    __table_args__ = (sa.Index("ix_orphan_visits_occurred_at", "occurred_at"),)

    host: Mapped[str] = mapped_column(sa.String(253))
    slug: Mapped[str] = mapped_column(sa.String(200))
    occurred_at: Mapped[datetime]
    is_bot: Mapped[bool]


class ClickRollup(Base):
    """Clicks per link and UTC hour by country, device, referrer and bot/human.

    Unknown country or referrer is stored as "" so every column can be in the primary key.
    """

    __tablename__ = "click_rollups"
    __table_args__ = ({"sqlite_with_rowid": False},)

    link_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    device: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    referrer: Mapped[str] = mapped_column(sa.String(253), primary_key=True)
    is_bot: Mapped[bool] = mapped_column(primary_key=True)
    clicks: Mapped[int]
    uniques: Mapped[int]


class RollupState(Base):
    """How far the rollup job has read `clicks.recorded_at` (one row per rollup name)."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    recorded_until: Mapped[datetime]


class BioPage(UUIDPrimaryKey, Base):
    """A creator's link-in-bio page, served at `/@{handle}` on the app host and short domains.

    The handle is chosen in the portal, lower-case and unique across the installation (platform
    handles are unique only per platform, so they cannot name a page on their own).
    """

    __tablename__ = "bio_pages"
    __table_args__ = (sa.UniqueConstraint("user_id"), sa.UniqueConstraint("handle"))

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    handle: Mapped[str] = mapped_column(sa.String(30))
    bio: Mapped[str] = mapped_column(sa.String(160), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BioPageItem(Base):
    """How one link shows on a bio page: its place, whether it is hidden, its title there.

    Links without a row show after the ordered ones, newest first, under the link's title.
    """

    __tablename__ = "bio_page_items"
    __table_args__ = ({"sqlite_with_rowid": False},)

    page_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("bio_pages.id", ondelete="CASCADE"), primary_key=True
    )
    link_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str | None] = mapped_column(sa.String(100))
