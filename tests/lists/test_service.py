"""The lists service: lists and members, notes and tags, tenancy and roles."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from microreach.kit.clock import utcnow
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from microreach.lists import service
from microreach.lists.schemas import ListIn, ListUpdate
from tests.factories import make_account
from tests.lists.conftest import Team


def _list(session: Session, team: Team, name: str = "Summer") -> uuid.UUID:
    return service.create_list(session, team.member, ListIn(name=name), utcnow()).id


def test_a_list_keeps_members_in_order_with_who_added_them(session: Session, team: Team) -> None:
    a, b, c = (make_account(session) for _ in range(3))
    list_id = _list(session, team)
    first = service.add_members(session, team.member, list_id, [b.id, a.id, b.id], utcnow())
    assert first.added == [b.id, a.id]
    again = service.add_members(session, team.owner, list_id, [a.id, c.id], utcnow())
    assert again.added == [c.id] and again.already_on_list == [a.id]
    found = service.detail(session, team.viewer, list_id)
    assert [m.handle for m in found.member_list] == [b.handle, a.handle, c.handle]
    assert found.member_list[0].added_by.startswith("Max Member <")
    assert found.member_list[2].added_by.startswith("Olga Owner <")
    assert found.members == 3
    assert found.member_list[0].profile_url == f"https://www.instagram.com/{b.handle}/"
    assert found.member_list[0].indexed is False


def test_reorder_and_remove(session: Session, team: Team) -> None:
    a, b, c = (make_account(session) for _ in range(3))
    list_id = _list(session, team)
    service.add_members(session, team.member, list_id, [a.id, b.id, c.id], utcnow())
    service.reorder(session, team.member, list_id, [c.id, a.id, b.id], utcnow())
    assert [m.account_id for m in service.detail(session, team.member, list_id).member_list] == [
        c.id,
        a.id,
        b.id,
    ]
    service.move(session, team.member, list_id, b.id, -5, utcnow())
    service.move(session, team.member, list_id, c.id, 1, utcnow())
    moved = service.detail(session, team.member, list_id).member_list
    assert [m.account_id for m in moved] == [b.id, a.id, c.id]
    service.reorder(session, team.member, list_id, [c.id, a.id, b.id], utcnow())
    with pytest.raises(InvalidError) as missing:
        service.reorder(session, team.member, list_id, [c.id, a.id], utcnow())
    assert missing.value.field == "account_ids" and str(b.id) in missing.value.message
    removed = service.remove_members(session, team.member, list_id, [a.id, uuid.uuid4()], utcnow())
    assert removed.removed == [a.id]
    assert service.detail(session, team.member, list_id).members == 2


def test_a_creator_can_be_on_several_lists(session: Session, team: Team) -> None:
    account = make_account(session)
    for name in ("Summer", "Winter"):
        service.add_members(
            session, team.member, _list(session, team, name), [account.id], utcnow()
        )
    found = service.creator_notes(session, team.viewer, account.id)
    assert [row.name for row in found.lists] == ["Summer", "Winter"]
    assert [row.members for row in found.lists] == [1, 1]
    assert [row.name for row in service.list_lists(session, team.viewer)] == ["Summer", "Winter"]


def test_list_names_are_unique_ignoring_case(session: Session, team: Team) -> None:
    _list(session, team, "Summer")
    with pytest.raises(ConflictError) as caught:
        service.create_list(session, team.owner, ListIn(name="SUMMER"), utcnow())
    assert caught.value.field == "name"
    other = _list(session, team, "Autumn")
    with pytest.raises(ConflictError):
        service.update_list(session, team.member, other, ListUpdate(name="summer"), utcnow())
    # Another organisation may use the same name.
    service.create_list(session, team.other, ListIn(name="Summer"), utcnow())


def test_unknown_accounts_are_named(session: Session, team: Team) -> None:
    list_id = _list(session, team)
    known, unknown = make_account(session).id, uuid.uuid4()
    with pytest.raises(InvalidError) as caught:
        service.add_members(session, team.member, list_id, [known, unknown], utcnow())
    assert caught.value.field == "account_ids"
    assert str(unknown) in caught.value.message
    assert service.detail(session, team.member, list_id).members == 0


def test_another_organisations_list_is_not_found(session: Session, team: Team) -> None:
    list_id = _list(session, team)
    account = make_account(session)
    with pytest.raises(NotFoundError):
        service.detail(session, team.other, list_id)
    with pytest.raises(NotFoundError):
        service.add_members(session, team.other, list_id, [account.id], utcnow())
    with pytest.raises(NotFoundError):
        service.delete_list(session, team.other, list_id)
    assert service.list_lists(session, team.other) == []


def test_viewers_read_but_do_not_change(session: Session, team: Team) -> None:
    list_id = _list(session, team)
    account = make_account(session)
    with pytest.raises(ForbiddenError):
        service.create_list(session, team.viewer, ListIn(name="Mine"), utcnow())
    with pytest.raises(ForbiddenError):
        service.add_members(session, team.viewer, list_id, [account.id], utcnow())
    with pytest.raises(ForbiddenError):
        service.add_note(session, team.viewer, account.id, "hi", utcnow())
    assert service.detail(session, team.viewer, list_id).name == "Summer"


def test_tags_are_normalised_and_filter_a_list(session: Session, team: Team) -> None:
    a, b = make_account(session), make_account(session)
    list_id = _list(session, team)
    service.add_members(session, team.member, list_id, [a.id, b.id], utcnow())
    tags = service.set_tags(
        session, team.member, a.id, [" #Vegan  Baker ", "vegan baker", "DE"], utcnow()
    )
    assert tags == ["de", "vegan baker"]
    service.set_tags(session, team.member, b.id, ["de"], utcnow())
    only = service.detail(session, team.viewer, list_id, "Vegan Baker")
    assert [m.account_id for m in only.member_list] == [a.id]
    assert only.tag == "vegan baker" and only.tags == ["de", "vegan baker"]
    assert len(service.detail(session, team.viewer, list_id, "de").member_list) == 2
    # Replacing the tags drops the old ones; tags are the organisation's own.
    assert service.set_tags(session, team.member, a.id, ["new"], utcnow()) == ["new"]
    assert service.creator_notes(session, team.other, a.id).tags == []
    with pytest.raises(InvalidError) as caught:
        service.set_tags(session, team.member, a.id, ["ok", "  # "], utcnow())
    assert caught.value.field == "tags.1"


def test_notes_are_shared_counted_and_deleted_by_author_or_admin(
    session: Session, team: Team
) -> None:
    account = make_account(session)
    list_id = _list(session, team)
    service.add_members(session, team.member, list_id, [account.id], utcnow())
    mine = service.add_note(session, team.member, account.id, "  Asked for rates ", utcnow())
    owners = service.add_note(session, team.owner, account.id, "Agent: Jo", utcnow())
    assert mine.body == "Asked for rates" and mine.author.startswith("Max Member")
    seen = service.creator_notes(session, team.viewer, account.id)
    assert {n.body for n in seen.notes} == {"Asked for rates", "Agent: Jo"}
    assert service.detail(session, team.viewer, list_id).member_list[0].notes == 2
    assert service.creator_notes(session, team.other, account.id).notes == []
    with pytest.raises(ForbiddenError):
        service.delete_note(session, team.member, owners.id)
    with pytest.raises(NotFoundError):
        service.delete_note(session, team.other, mine.id)
    service.delete_note(session, team.owner, mine.id)
    service.delete_note(session, team.owner, owners.id)
    assert service.creator_notes(session, team.viewer, account.id).notes == []
    with pytest.raises(NotFoundError):
        service.add_note(session, team.member, uuid.uuid4(), "x", utcnow())
