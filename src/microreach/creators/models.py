"""Tables of the creator domain: creators, accounts, posts, comments, snapshots, audiences."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microreach.creators.enums import (
    AudienceDimension,
    CreatorKind,
    DataSource,
    Platform,
    PostType,
)
from microreach.db.base import Base, PortableJSON, StrEnumType, Timestamps, UUIDPrimaryKey
from microreach.kit.clock import utcnow


class Creator(UUIDPrimaryKey, Timestamps, Base):
    """A person or brand who owns one or more platform accounts."""

    __tablename__ = "creators"

    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[CreatorKind] = mapped_column(StrEnumType(CreatorKind), default=CreatorKind.PERSON)
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    source: Mapped[DataSource] = mapped_column(StrEnumType(DataSource))

    accounts: Mapped[list[PlatformAccount]] = relationship(
        back_populates="creator", lazy="raise", order_by="PlatformAccount.followers.desc()"
    )


class PlatformAccount(UUIDPrimaryKey, Timestamps, Base):
    """One account on one platform, with its latest profile figures."""

    __tablename__ = "platform_accounts"
    __table_args__ = (
        sa.UniqueConstraint("platform", "handle"),
        sa.UniqueConstraint("platform", "external_id"),
        sa.CheckConstraint("followers >= 0", name="followers_not_negative"),
        sa.CheckConstraint("following >= 0", name="following_not_negative"),
        sa.CheckConstraint("media_count >= 0", name="media_count_not_negative"),
        sa.Index("ix_platform_accounts_followers", "followers"),
        sa.Index("ix_platform_accounts_platform_followers", "platform", "followers"),
    )

    creator_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("creators.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[Platform] = mapped_column(StrEnumType(Platform))
    # Lower-case, without "@": handles on every supported platform are case-insensitive.
    handle: Mapped[str] = mapped_column(sa.String(100))
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    bio: Mapped[str | None] = mapped_column(sa.Text)
    followers: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    following: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    media_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    country: Mapped[str | None] = mapped_column(sa.String(2))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    verified: Mapped[bool] = mapped_column(default=False)
    has_profile_picture: Mapped[bool] = mapped_column(default=True)
    is_private: Mapped[bool] = mapped_column(default=False)
    external_url: Mapped[str | None] = mapped_column(sa.String(500))
    account_created_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_captured_at: Mapped[datetime | None]
    source: Mapped[DataSource] = mapped_column(StrEnumType(DataSource))

    creator: Mapped[Creator] = relationship(back_populates="accounts", lazy="raise")


class Post(UUIDPrimaryKey, Base):
    """A piece of content published by an account."""

    __tablename__ = "posts"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "platform_post_id"),
        sa.Index("ix_posts_account_id_posted_at", "account_id", "posted_at"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE")
    )
    platform_post_id: Mapped[str] = mapped_column(sa.String(100))
    url: Mapped[str | None] = mapped_column(sa.String(500))
    post_type: Mapped[PostType] = mapped_column(StrEnumType(PostType))
    caption: Mapped[str | None] = mapped_column(sa.Text)
    hashtags: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    mentions: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    posted_at: Mapped[datetime]
    # The platform's own paid-partnership label, as the source reports it.
    is_paid_partnership: Mapped[bool] = mapped_column(default=False)
    # A disclosure marker (#ad, #sponsored, ...) found in the caption.
    has_disclosure: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None]
    source: Mapped[DataSource] = mapped_column(StrEnumType(DataSource))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountSnapshot(Base):
    """An account's counts at one capture time; the series gives growth."""

    __tablename__ = "account_snapshots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    captured_at: Mapped[datetime] = mapped_column(primary_key=True)
    followers: Mapped[int] = mapped_column(sa.BigInteger)
    following: Mapped[int | None] = mapped_column(sa.BigInteger)
    media_count: Mapped[int | None] = mapped_column(sa.BigInteger)
    source: Mapped[DataSource] = mapped_column(StrEnumType(DataSource))


class PostSnapshot(Base):
    """A post's counts at one capture time. A None count means the platform hid or omitted it."""

    __tablename__ = "post_snapshots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    post_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    captured_at: Mapped[datetime] = mapped_column(primary_key=True)
    likes: Mapped[int | None] = mapped_column(sa.BigInteger)
    comments: Mapped[int | None] = mapped_column(sa.BigInteger)
    views: Mapped[int | None] = mapped_column(sa.BigInteger)
    shares: Mapped[int | None] = mapped_column(sa.BigInteger)
    saves: Mapped[int | None] = mapped_column(sa.BigInteger)
    reach: Mapped[int | None] = mapped_column(sa.BigInteger)
    impressions: Mapped[int | None] = mapped_column(sa.BigInteger)
    source: Mapped[DataSource] = mapped_column(StrEnumType(DataSource))


class Comment(UUIDPrimaryKey, Base):
    """A comment on a post. The commenter is kept as a keyed hash, never as a handle,
    unless the commenter is an account microreach already knows."""

    __tablename__ = "comments"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "platform_comment_id"),
        sa.Index("ix_comments_post_id_commented_at", "post_id", "commented_at"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    platform_comment_id: Mapped[str] = mapped_column(sa.String(100))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(sa.Text)
    commented_at: Mapped[datetime]
    by_creator: Mapped[bool] = mapped_column(default=False)
    commenter_hash: Mapped[str] = mapped_column(sa.String(32), index=True)
    commenter_account_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="SET NULL")
    )
    likes: Mapped[int | None] = mapped_column(sa.BigInteger)
    source: Mapped[DataSource] = mapped_column(StrEnumType(DataSource))


class AudienceShare(Base):
    """One share of an account's audience (a country, an age band or a gender) at a time."""

    __tablename__ = "audience_shares"
    __table_args__ = (
        sa.CheckConstraint("share >= 0 AND share <= 1", name="share_is_fraction"),
        {"sqlite_with_rowid": False},
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    captured_at: Mapped[datetime] = mapped_column(primary_key=True)
    dimension: Mapped[AudienceDimension] = mapped_column(
        StrEnumType(AudienceDimension), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    share: Mapped[float]
    source: Mapped[DataSource] = mapped_column(StrEnumType(DataSource))
