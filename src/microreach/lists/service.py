"""List rules: shortlists of platform accounts per organisation, and the notes and tags the
organisation's members share on each account. Reads need a member or an API key with
lists:read (or lists:write); changes need the member role or lists:write."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.creators import service as creators_service
from microreach.creators.service import AccountRef
from microreach.discovery import service as discovery_service
from microreach.discovery.schemas import ResultItem
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from microreach.lists import repository
from microreach.lists.models import CreatorList, CreatorListMember, CreatorNote, CreatorTag
from microreach.lists.schemas import (
    MAX_MEMBERS,
    TAG_MAX,
    CreatorNotesOut,
    ListDetail,
    ListIn,
    ListOut,
    ListUpdate,
    MemberOut,
    MembersChanged,
    NoteOut,
)

PROFILE_URLS = {
    "instagram": "https://www.instagram.com/{}/",
    "tiktok": "https://www.tiktok.com/@{}",
    "youtube": "https://www.youtube.com/@{}",
    "x": "https://x.com/{}",
    "twitch": "https://www.twitch.tv/{}",
    "pinterest": "https://www.pinterest.com/{}/",
    "facebook": "https://www.facebook.com/{}",
}


def invalid(message: str, field: str, value: Any = None) -> InvalidError:
    """An InvalidError that also carries the value at fault (shown in problem details)."""
    error = InvalidError(message, field=field)
    error.value = value  # type: ignore[attr-defined]
    return error


def actor(ctx: OrgContext) -> str:
    if ctx.user is not None:
        return f"{ctx.user.display_name} <{ctx.user.email}>"
    return f"API key {ctx.api_key.name}" if ctx.api_key is not None else "system"


def require_read(ctx: OrgContext) -> None:
    if ctx.api_key is not None:
        scopes = ctx.api_key.scopes
        if ApiScope.LISTS_READ.value not in scopes and ApiScope.LISTS_WRITE.value not in scopes:
            ctx.require_scope(ApiScope.LISTS_READ)


def require_write(ctx: OrgContext, action: str) -> None:
    if ctx.api_key is not None:
        ctx.require_scope(ApiScope.LISTS_WRITE)
    else:
        ctx.require_role(Role.MEMBER, action)


def profile_url(platform: str, handle: str) -> str | None:
    pattern = PROFILE_URLS.get(platform)
    return pattern.format(handle) if pattern else None


# Lists


def list_out(row: CreatorList, members: int) -> ListOut:
    return ListOut(
        id=row.id,
        name=row.name,
        description=row.description,
        members=members,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_lists(session: Session, ctx: OrgContext) -> list[ListOut]:
    require_read(ctx)
    return [list_out(row, n) for row, n in repository.lists_of(session, ctx.organisation.id)]


def get_list(session: Session, ctx: OrgContext, list_id: uuid.UUID) -> CreatorList:
    require_read(ctx)
    row = repository.get_list(session, ctx.organisation.id, list_id)
    if row is None:
        raise NotFoundError(f"{ctx.organisation.name} has no list {list_id}.")
    return row


def _unique_name(session: Session, ctx: OrgContext, name: str, own: uuid.UUID | None) -> str:
    key = name.casefold()
    existing = repository.list_by_name(session, ctx.organisation.id, key)
    if existing is not None and existing.id != own:
        raise ConflictError(
            f"{ctx.organisation.name} has a list called {existing.name!r} already; "
            "choose another name.",
            field="name",
        )
    return key


def create_list(session: Session, ctx: OrgContext, body: ListIn, now: datetime) -> ListOut:
    require_write(ctx, "create lists")
    key = _unique_name(session, ctx, body.name, None)
    row = repository.add(
        session,
        CreatorList(
            organisation_id=ctx.organisation.id,
            name=body.name,
            name_key=key,
            description=body.description.strip(),
            created_by_id=ctx.user.id if ctx.user else None,
            created_at=now,
            updated_at=now,
        ),
    )
    return list_out(row, 0)


def update_list(
    session: Session, ctx: OrgContext, list_id: uuid.UUID, body: ListUpdate, now: datetime
) -> ListOut:
    require_write(ctx, "change lists")
    row = get_list(session, ctx, list_id)
    if body.name is not None:
        row.name_key = _unique_name(session, ctx, body.name, row.id)
        row.name = body.name
    if body.description is not None:
        row.description = body.description.strip()
    row.updated_at = now
    session.flush()
    return list_out(row, repository.member_count(session, ctx.organisation.id, row.id))


def delete_list(session: Session, ctx: OrgContext, list_id: uuid.UUID) -> None:
    require_write(ctx, "delete lists")
    repository.delete(session, get_list(session, ctx, list_id))


# Members


def known_accounts(
    session: Session, account_ids: Sequence[uuid.UUID], field: str = "account_ids"
) -> dict[uuid.UUID, AccountRef]:
    """The accounts with these ids; InvalidError naming every unknown id."""
    accounts = creators_service.accounts_by_ids(session, account_ids)
    unknown = [str(i) for i in account_ids if i not in accounts]
    if unknown:
        raise invalid(f"No platform account {', '.join(unknown)}.", field, unknown)
    return accounts


def add_members(
    session: Session,
    ctx: OrgContext,
    list_id: uuid.UUID,
    account_ids: Sequence[uuid.UUID],
    now: datetime,
) -> MembersChanged:
    """Append the accounts not on the list yet, in the order given."""
    require_write(ctx, "change lists")
    row = get_list(session, ctx, list_id)
    ids = list(dict.fromkeys(account_ids))
    known_accounts(session, ids)
    current = {m.account_id for m in repository.members_of(session, ctx.organisation.id, row.id)}
    new = [i for i in ids if i not in current]
    if len(current) + len(new) > MAX_MEMBERS:
        raise invalid(
            f"A list holds at most {MAX_MEMBERS} accounts; {row.name!r} has {len(current)}.",
            "account_ids",
            len(new),
        )
    position = repository.last_position(session, ctx.organisation.id, row.id)
    for offset, account_id in enumerate(new, start=1):
        session.add(
            CreatorListMember(
                list_id=row.id,
                account_id=account_id,
                organisation_id=ctx.organisation.id,
                position=position + offset,
                added_by_id=ctx.user.id if ctx.user else None,
                added_by=actor(ctx),
                added_at=now,
            )
        )
    row.updated_at = now
    session.flush()
    return MembersChanged(added=new, already_on_list=[i for i in ids if i in current])


def remove_members(
    session: Session,
    ctx: OrgContext,
    list_id: uuid.UUID,
    account_ids: Sequence[uuid.UUID],
    now: datetime,
) -> MembersChanged:
    require_write(ctx, "change lists")
    row = get_list(session, ctx, list_id)
    removed = repository.remove_members(session, ctx.organisation.id, row.id, list(account_ids))
    row.updated_at = now
    session.flush()
    return MembersChanged(removed=[i for i in dict.fromkeys(account_ids) if i in set(removed)])


def reorder(
    session: Session,
    ctx: OrgContext,
    list_id: uuid.UUID,
    account_ids: Sequence[uuid.UUID],
    now: datetime,
) -> None:
    """Put the members in the order of ``account_ids``, which must name each exactly once."""
    require_write(ctx, "change lists")
    row = get_list(session, ctx, list_id)
    members = {m.account_id: m for m in repository.members_of(session, ctx.organisation.id, row.id)}
    given = list(account_ids)
    missing = [str(i) for i in members if i not in given]
    extra = [str(i) for i in given if i not in members]
    if extra or missing or len(set(given)) != len(given):
        detail = f"not on the list: {', '.join(extra)}" if extra else ""
        detail = detail or (f"left out: {', '.join(missing)}" if missing else "an id repeats")
        raise invalid(
            f"Give every account on the list exactly once ({detail}).",
            "account_ids",
            extra or missing,
        )
    for position, account_id in enumerate(given):
        members[account_id].position = position
    row.updated_at = now
    session.flush()


def move(
    session: Session,
    ctx: OrgContext,
    list_id: uuid.UUID,
    account_id: uuid.UUID,
    step: int,
    now: datetime,
) -> None:
    """Move one member ``step`` places (negative: towards the top), stopping at either end."""
    require_write(ctx, "change lists")
    row = get_list(session, ctx, list_id)
    order = [m.account_id for m in repository.members_of(session, ctx.organisation.id, row.id)]
    if account_id not in order:
        raise NotFoundError(f"{row.name!r} has no account {account_id}.")
    index = order.index(account_id)
    order.pop(index)
    order.insert(min(max(index + step, 0), len(order)), account_id)
    reorder(session, ctx, list_id, order, now)


def detail(
    session: Session, ctx: OrgContext, list_id: uuid.UUID, tag: str | None = None
) -> ListDetail:
    """The list with its members in order (only those tagged ``tag`` when given)."""
    row = get_list(session, ctx, list_id)
    org = ctx.organisation.id
    members = repository.members_of(session, org, row.id)
    ids = [m.account_id for m in members]
    tags = repository.tags_of(session, org, ids)
    wanted = normalise_tag(tag, "tag") if tag else None
    shown = [m for m in members if wanted is None or wanted in tags.get(m.account_id, [])]
    out = member_rows(session, ctx, shown, tags)
    return ListDetail(
        **list_out(row, len(members)).model_dump(),
        member_list=out,
        tag=wanted,
        tags=sorted({t for values in tags.values() for t in values}),
    )


def member_rows(
    session: Session,
    ctx: OrgContext,
    members: Sequence[CreatorListMember],
    tags: dict[uuid.UUID, list[str]],
) -> list[MemberOut]:
    ids = [m.account_id for m in members]
    refs = creators_service.accounts_by_ids(session, ids)
    items = discovery_service.items_by_accounts(session, ids)
    notes = repository.note_counts(session, ctx.organisation.id, ids)
    return [
        member_out(m, refs[m.account_id], items.get(m.account_id), tags, notes)
        for m in members
        if m.account_id in refs
    ]


def member_out(
    member: CreatorListMember,
    ref: AccountRef,
    item: ResultItem | None,
    tags: dict[uuid.UUID, list[str]],
    notes: dict[uuid.UUID, int],
) -> MemberOut:
    numbers: dict[str, Any] = {}
    if item is not None:
        numbers = {
            "followers": item.followers,
            "tier": item.tier,
            "er_typical": item.er_typical,
            "er_low": item.er_low,
            "er_high": item.er_high,
            "er_percentile": item.er_percentile,
            "authenticity": item.authenticity,
            "niches": [n.niche for n in item.niches],
            "country": item.country,
            "has_email": item.has_email,
        }
    return MemberOut(
        account_id=ref.id,
        creator_id=ref.creator_id,
        platform=ref.platform.value,
        handle=ref.handle,
        display_name=ref.display_name,
        profile_url=profile_url(ref.platform.value, ref.handle),
        position=member.position,
        added_by=member.added_by,
        added_at=member.added_at,
        indexed=item is not None,
        tags=tags.get(ref.id, []),
        notes=notes.get(ref.id, 0),
        **numbers,
    )


# Notes and tags


def normalise_tag(raw: str, field: str) -> str:
    """Free text in lower case, single spaces, no leading #; at most TAG_MAX characters."""
    tag = " ".join(raw.strip().lstrip("#").split()).lower()
    if not tag:
        raise invalid(f"{raw!r} is not a tag: write at least one letter or digit.", field, raw)
    if len(tag) > TAG_MAX or not tag.isprintable():
        raise invalid(
            f"{raw[:50]!r} is not a tag: use printable text of at most {TAG_MAX} characters.",
            field,
            raw,
        )
    return tag


def _account(session: Session, account_id: uuid.UUID) -> AccountRef:
    found = creators_service.accounts_by_ids(session, [account_id])
    if account_id not in found:
        raise NotFoundError(f"No platform account {account_id}.")
    return found[account_id]


def creator_notes(session: Session, ctx: OrgContext, account_id: uuid.UUID) -> CreatorNotesOut:
    """The organisation's tags and notes on an account, and its lists the account is on."""
    require_read(ctx)
    _account(session, account_id)
    org = ctx.organisation.id
    on = {row.id for row in repository.lists_with_account(session, org, account_id)}
    return CreatorNotesOut(
        account_id=account_id,
        tags=repository.tags_of(session, org, [account_id]).get(account_id, []),
        notes=[NoteOut.model_validate(n) for n in repository.notes_of(session, org, account_id)],
        lists=[list_out(row, n) for row, n in repository.lists_of(session, org) if row.id in on],
    )


def add_note(
    session: Session, ctx: OrgContext, account_id: uuid.UUID, body: str, now: datetime
) -> NoteOut:
    require_write(ctx, "write notes")
    _account(session, account_id)
    text = body.strip()
    if not text:
        raise invalid("Write something in the note.", "body", body)
    note = repository.add(
        session,
        CreatorNote(
            organisation_id=ctx.organisation.id,
            account_id=account_id,
            author_id=ctx.user.id if ctx.user else None,
            author=actor(ctx),
            body=text,
            at=now,
        ),
    )
    return NoteOut.model_validate(note)


def delete_note(session: Session, ctx: OrgContext, note_id: uuid.UUID) -> uuid.UUID:
    """Delete a note: its author, or an admin. Returns the note's account id."""
    require_write(ctx, "delete notes")
    note = repository.get_note(session, ctx.organisation.id, note_id)
    if note is None:
        raise NotFoundError(f"{ctx.organisation.name} has no note {note_id}.")
    if ctx.user is None:
        raise ForbiddenError("Notes are deleted by their author or an admin, not by API keys.")
    if note.author_id != ctx.user.id:
        ctx.require_role(Role.ADMIN, "delete another member's note")
    account_id = note.account_id
    repository.delete(session, note)
    return account_id


def set_tags(
    session: Session, ctx: OrgContext, account_id: uuid.UUID, raw: Sequence[str], now: datetime
) -> list[str]:
    """Replace the account's tags with ``raw`` (normalised, duplicates dropped)."""
    require_write(ctx, "tag creators")
    _account(session, account_id)
    tags = list(dict.fromkeys(normalise_tag(t, f"tags.{i}") for i, t in enumerate(raw)))
    repository.clear_tags(session, ctx.organisation.id, account_id)
    for tag in tags:
        session.add(
            CreatorTag(
                organisation_id=ctx.organisation.id,
                account_id=account_id,
                tag=tag,
                added_by_id=ctx.user.id if ctx.user else None,
                added_at=now,
            )
        )
    session.flush()
    return sorted(tags)


def shortlisted_account_ids(session: Session) -> frozenset[uuid.UUID]:
    """Accounts on any organisation's shortlist, for the refresh scheduler's priorities.

    Installation-wide on purpose (refreshing is shared work); it returns ids only and no
    organisation can read it."""
    return frozenset(repository.shortlisted_account_ids(session))
