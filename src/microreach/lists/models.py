"""Tables of the lists domain. Every row carries ``organisation_id``; the repository reads each
table through it, so one organisation's lists, notes, tags and searches never reach another."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base, PortableJSON, UUIDPrimaryKey
from microreach.kit.clock import utcnow


def _org() -> Mapped[uuid.UUID]:
    return mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))


def _user() -> Mapped[uuid.UUID | None]:
    return mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


def _account() -> Mapped[uuid.UUID]:
    return mapped_column(sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"))


class CreatorList(UUIDPrimaryKey, Base):
    """A shortlist of platform accounts, named uniquely (ignoring case) in its organisation."""

    __tablename__ = "creator_lists"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name_key"),)

    organisation_id: Mapped[uuid.UUID] = _org()
    name: Mapped[str] = mapped_column(sa.String(120))
    # Lower-case name: "Summer" and "summer" are the same list.
    name_key: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = _user()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreatorListMember(Base):
    """One account on one list: its place in the list's order, who added it and when."""

    __tablename__ = "creator_list_members"
    __table_args__ = (
        sa.Index(
            "ix_creator_list_members_organisation_id_account", "organisation_id", "account_id"
        ),
    )

    list_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("creator_lists.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = _org()
    position: Mapped[int]
    added_by_id: Mapped[uuid.UUID | None] = _user()
    # "Name <email>" or "API key name", kept when the person is gone.
    added_by: Mapped[str] = mapped_column(sa.String(400))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreatorNote(UUIDPrimaryKey, Base):
    """A note on an account, shared by the organisation's members."""

    __tablename__ = "creator_notes"
    __table_args__ = (
        sa.Index("ix_creator_notes_organisation_id_account", "organisation_id", "account_id", "at"),
    )

    organisation_id: Mapped[uuid.UUID] = _org()
    account_id: Mapped[uuid.UUID] = _account()
    author_id: Mapped[uuid.UUID | None] = _user()
    author: Mapped[str] = mapped_column(sa.String(400))
    body: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CreatorTag(Base):
    """A free-text tag (lower-case) an organisation put on an account."""

    __tablename__ = "creator_tags"
    __table_args__ = (sa.Index("ix_creator_tags_organisation_id_tag", "organisation_id", "tag"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    added_by_id: Mapped[uuid.UUID | None] = _user()
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSearch(UUIDPrimaryKey, Base):
    """A named discovery query (the parameters of discovery's SearchParams that are set)."""

    __tablename__ = "saved_searches"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name_key"),)

    organisation_id: Mapped[uuid.UUID] = _org()
    name: Mapped[str] = mapped_column(sa.String(120))
    name_key: Mapped[str] = mapped_column(sa.String(120))
    query: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    created_by_id: Mapped[uuid.UUID | None] = _user()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
