"""Every query of the lists domain; each takes the organisation id and filters by it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.db.base import Base
from microreach.lists.models import (
    CreatorList,
    CreatorListMember,
    CreatorNote,
    CreatorTag,
    SavedSearch,
)

T = TypeVar("T", bound=Base)


def add(session: Session, row: T) -> T:
    session.add(row)
    session.flush()
    return row


def delete(session: Session, row: Base) -> None:
    session.delete(row)
    session.flush()


# Lists


def lists_of(session: Session, organisation_id: uuid.UUID) -> list[tuple[CreatorList, int]]:
    """The organisation's lists by name, each with its member count."""
    counted = (
        sa.select(CreatorListMember.list_id, sa.func.count().label("n"))
        .where(CreatorListMember.organisation_id == organisation_id)
        .group_by(CreatorListMember.list_id)
        .subquery()
    )
    stmt = (
        sa.select(CreatorList, sa.func.coalesce(counted.c.n, 0))
        .outerjoin(counted, counted.c.list_id == CreatorList.id)
        .where(CreatorList.organisation_id == organisation_id)
        .order_by(CreatorList.name_key)
    )
    return [(row[0], int(row[1])) for row in session.execute(stmt)]


def get_list(
    session: Session, organisation_id: uuid.UUID, list_id: uuid.UUID
) -> CreatorList | None:
    stmt = sa.select(CreatorList).where(
        CreatorList.organisation_id == organisation_id, CreatorList.id == list_id
    )
    return session.scalars(stmt).one_or_none()


def list_by_name(session: Session, organisation_id: uuid.UUID, name_key: str) -> CreatorList | None:
    stmt = sa.select(CreatorList).where(
        CreatorList.organisation_id == organisation_id, CreatorList.name_key == name_key
    )
    return session.scalars(stmt).one_or_none()


def members_of(
    session: Session, organisation_id: uuid.UUID, list_id: uuid.UUID
) -> list[CreatorListMember]:
    stmt = (
        sa.select(CreatorListMember)
        .where(
            CreatorListMember.organisation_id == organisation_id,
            CreatorListMember.list_id == list_id,
        )
        .order_by(CreatorListMember.position, CreatorListMember.added_at)
    )
    return list(session.scalars(stmt))


def member_count(session: Session, organisation_id: uuid.UUID, list_id: uuid.UUID) -> int:
    stmt = sa.select(sa.func.count()).where(
        CreatorListMember.organisation_id == organisation_id,
        CreatorListMember.list_id == list_id,
    )
    return int(session.scalar(stmt) or 0)


def last_position(session: Session, organisation_id: uuid.UUID, list_id: uuid.UUID) -> int:
    stmt = sa.select(sa.func.max(CreatorListMember.position)).where(
        CreatorListMember.organisation_id == organisation_id,
        CreatorListMember.list_id == list_id,
    )
    value = session.scalar(stmt)
    return -1 if value is None else int(value)


def remove_members(
    session: Session, organisation_id: uuid.UUID, list_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Delete these accounts from the list; the ids that were on it."""
    where = (
        CreatorListMember.organisation_id == organisation_id,
        CreatorListMember.list_id == list_id,
        CreatorListMember.account_id.in_(ids),
    )
    found = list(session.scalars(sa.select(CreatorListMember.account_id).where(*where)))
    if found:
        session.execute(sa.delete(CreatorListMember).where(*where))
    return found


def lists_with_account(
    session: Session, organisation_id: uuid.UUID, account_id: uuid.UUID
) -> list[CreatorList]:
    stmt = (
        sa.select(CreatorList)
        .join(CreatorListMember, CreatorListMember.list_id == CreatorList.id)
        .where(
            CreatorListMember.organisation_id == organisation_id,
            CreatorListMember.account_id == account_id,
            CreatorList.organisation_id == organisation_id,
        )
        .order_by(CreatorList.name_key)
    )
    return list(session.scalars(stmt))


# Notes and tags


def notes_of(
    session: Session, organisation_id: uuid.UUID, account_id: uuid.UUID
) -> list[CreatorNote]:
    stmt = (
        sa.select(CreatorNote)
        .where(CreatorNote.organisation_id == organisation_id, CreatorNote.account_id == account_id)
        .order_by(CreatorNote.at.desc(), CreatorNote.id)
    )
    return list(session.scalars(stmt))


def get_note(
    session: Session, organisation_id: uuid.UUID, note_id: uuid.UUID
) -> CreatorNote | None:
    stmt = sa.select(CreatorNote).where(
        CreatorNote.organisation_id == organisation_id, CreatorNote.id == note_id
    )
    return session.scalars(stmt).one_or_none()


def note_counts(
    session: Session, organisation_id: uuid.UUID, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not account_ids:
        return {}
    stmt = (
        sa.select(CreatorNote.account_id, sa.func.count())
        .where(
            CreatorNote.organisation_id == organisation_id,
            CreatorNote.account_id.in_(account_ids),
        )
        .group_by(CreatorNote.account_id)
    )
    return {row[0]: int(row[1]) for row in session.execute(stmt)}


def tags_of(
    session: Session, organisation_id: uuid.UUID, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Account id -> its tags in alphabetical order."""
    if not account_ids:
        return {}
    stmt = (
        sa.select(CreatorTag.account_id, CreatorTag.tag)
        .where(
            CreatorTag.organisation_id == organisation_id, CreatorTag.account_id.in_(account_ids)
        )
        .order_by(CreatorTag.tag)
    )
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    for account_id, tag in session.execute(stmt):
        out[account_id].append(tag)
    return dict(out)


def clear_tags(session: Session, organisation_id: uuid.UUID, account_id: uuid.UUID) -> None:
    session.execute(
        sa.delete(CreatorTag).where(
            CreatorTag.organisation_id == organisation_id, CreatorTag.account_id == account_id
        )
    )


# Saved searches


def searches_of(session: Session, organisation_id: uuid.UUID) -> list[SavedSearch]:
    stmt = (
        sa.select(SavedSearch)
        .where(SavedSearch.organisation_id == organisation_id)
        .order_by(SavedSearch.name_key)
    )
    return list(session.scalars(stmt))


def get_search(
    session: Session, organisation_id: uuid.UUID, search_id: uuid.UUID
) -> SavedSearch | None:
    stmt = sa.select(SavedSearch).where(
        SavedSearch.organisation_id == organisation_id, SavedSearch.id == search_id
    )
    return session.scalars(stmt).one_or_none()


def search_by_name(
    session: Session, organisation_id: uuid.UUID, name_key: str
) -> SavedSearch | None:
    stmt = sa.select(SavedSearch).where(
        SavedSearch.organisation_id == organisation_id, SavedSearch.name_key == name_key
    )
    return session.scalars(stmt).one_or_none()


def shortlisted_account_ids(session: Session) -> set[uuid.UUID]:
    """Every account on any organisation's shortlist (installation-wide; the refresh
    scheduler's second priority group, never shown to an organisation)."""
    query = sa.select(CreatorListMember.account_id).distinct()
    return set(session.execute(query).scalars())
