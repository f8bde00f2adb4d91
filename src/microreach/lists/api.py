"""JSON routes of the lists domain: /api/v1/lists (lists, members, export, add to a campaign,
notes and tags per creator) and /api/v1/saved-searches. A signed-in member, or an API key with
lists:read (reads) or lists:write (reads and changes)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Response
from fastapi.responses import StreamingResponse

from microreach.accounts import mail as accounts_mail
from microreach.accounts import service as accounts_service
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.campaigns import mail as campaigns_mail
from microreach.campaigns.invitations import InvitationLink
from microreach.config import Settings
from microreach.kit.clock import utcnow
from microreach.lists import export, invite, searches, service
from microreach.lists.schemas import (
    AddToCampaignIn,
    AddToCampaignOut,
    CreatorNotesOut,
    InvitedCreator,
    ListDetail,
    ListIn,
    ListOut,
    ListUpdate,
    MembersChanged,
    MembersIn,
    NoteIn,
    NoteOut,
    OrderIn,
    SavedSearchIn,
    SavedSearchOut,
    SavedSearchRun,
    SavedSearchUpdate,
    TagsIn,
)
from microreach.web.auth import IdentityDep, org_access
from microreach.web.deps import SessionDep, SettingsDep
from microreach.web.errors import NOT_FOUND_RESPONSES, Problem

router = APIRouter(prefix="/api/v1", tags=["lists"])
RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Not signed in, or no valid API key"},
    403: {"model": Problem, "description": "Role or API key scope too low"},
    409: {"model": Problem, "description": "The name is taken, or the campaign's state refuses"},
    **NOT_FOUND_RESPONSES,
}


def _reader(identity: IdentityDep) -> OrgContext:
    """A member, or an API key with lists:read or lists:write."""
    key = identity.api_key
    if key is not None and ApiScope.LISTS_WRITE.value in key.scopes:
        return accounts_service.key_context(identity, ApiScope.LISTS_WRITE)
    return org_access(ApiScope.LISTS_READ)(identity)


Reader = Annotated[OrgContext, Depends(_reader)]
Writer = Annotated[OrgContext, Depends(org_access(ApiScope.LISTS_WRITE, Role.MEMBER))]


def send_invitations(
    background: BackgroundTasks, settings: Settings, links: list[InvitationLink], brand: str
) -> list[InvitedCreator]:
    """Mail each invitation (after the response) and return the links, as campaigns does."""
    out = []
    for link in links:
        message = campaigns_mail.invitation_message(settings, link, brand)
        background.add_task(accounts_mail.send, settings, message)
        out.append(
            InvitedCreator(
                account_id=link.account.id,
                handle=link.account.handle,
                email=link.member.email,
                url=campaigns_mail.invitation_url(settings, link.token),
            )
        )
    return out


# Notes and tags per creator (before /lists/{list_id} so "creators" is never taken for an id)


@router.get(
    "/lists/creators/{account_id}",
    summary="Notes, tags and lists of a creator",
    responses=RESPONSES,
)
def creator_notes(account_id: uuid.UUID, ctx: Reader, session: SessionDep) -> CreatorNotesOut:
    return service.creator_notes(session, ctx, account_id)


@router.post(
    "/lists/creators/{account_id}/notes",
    summary="Write a note on a creator",
    status_code=201,
    responses=RESPONSES,
)
def add_note(account_id: uuid.UUID, body: NoteIn, ctx: Writer, session: SessionDep) -> NoteOut:
    return service.add_note(session, ctx, account_id, body.body, utcnow())


@router.delete(
    "/lists/notes/{note_id}", summary="Delete a note", status_code=204, responses=RESPONSES
)
def delete_note(note_id: uuid.UUID, ctx: Writer, session: SessionDep) -> Response:
    """Its author, or an admin."""
    service.delete_note(session, ctx, note_id)
    return Response(status_code=204)


@router.put(
    "/lists/creators/{account_id}/tags", summary="Set a creator's tags", responses=RESPONSES
)
def set_tags(account_id: uuid.UUID, body: TagsIn, ctx: Writer, session: SessionDep) -> list[str]:
    """Free-text tags, stored lower-case; the list replaces the creator's tags."""
    return service.set_tags(session, ctx, account_id, body.tags, utcnow())


# Lists


@router.get("/lists", summary="The organisation's lists", responses=RESPONSES)
def list_lists(ctx: Reader, session: SessionDep) -> list[ListOut]:
    return service.list_lists(session, ctx)


@router.post("/lists", summary="Create a list", status_code=201, responses=RESPONSES)
def create_list(body: ListIn, ctx: Writer, session: SessionDep) -> ListOut:
    """Names are unique in the organisation, ignoring case."""
    return service.create_list(session, ctx, body, utcnow())


@router.get("/lists/{list_id}", summary="A list and its members", responses=RESPONSES)
def get_list(
    list_id: uuid.UUID,
    ctx: Reader,
    session: SessionDep,
    tag: Annotated[str | None, Query(max_length=80, description="Only members with it.")] = None,
) -> ListDetail:
    """Members in the list's order with their key numbers, tags and notes count."""
    return service.detail(session, ctx, list_id, tag)


@router.patch("/lists/{list_id}", summary="Rename a list", responses=RESPONSES)
def update_list(list_id: uuid.UUID, body: ListUpdate, ctx: Writer, session: SessionDep) -> ListOut:
    return service.update_list(session, ctx, list_id, body, utcnow())


@router.delete("/lists/{list_id}", summary="Delete a list", status_code=204, responses=RESPONSES)
def delete_list(list_id: uuid.UUID, ctx: Writer, session: SessionDep) -> Response:
    service.delete_list(session, ctx, list_id)
    return Response(status_code=204)


@router.post("/lists/{list_id}/members", summary="Add creators to a list", responses=RESPONSES)
def add_members(
    list_id: uuid.UUID, body: MembersIn, ctx: Writer, session: SessionDep
) -> MembersChanged:
    """Platform account ids, appended in order; those on the list already are named."""
    return service.add_members(session, ctx, list_id, body.account_ids, utcnow())


@router.post(
    "/lists/{list_id}/members/remove", summary="Remove creators from a list", responses=RESPONSES
)
def remove_members(
    list_id: uuid.UUID, body: MembersIn, ctx: Writer, session: SessionDep
) -> MembersChanged:
    return service.remove_members(session, ctx, list_id, body.account_ids, utcnow())


@router.put(
    "/lists/{list_id}/order", summary="Reorder a list", status_code=204, responses=RESPONSES
)
def reorder(list_id: uuid.UUID, body: OrderIn, ctx: Writer, session: SessionDep) -> Response:
    """Every account on the list, once each, in the new order."""
    service.reorder(session, ctx, list_id, body.account_ids, utcnow())
    return Response(status_code=204)


@router.get(
    "/lists/{list_id}/export.csv",
    summary="Export a list as CSV",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **RESPONSES},
)
def export_csv(
    list_id: uuid.UUID,
    ctx: Reader,
    session: SessionDep,
    tag: Annotated[str | None, Query(max_length=80)] = None,
) -> StreamingResponse:
    """One row per member: handle, platform, profile URL, followers, tier, engagement rate
    and its interval (%), peer percentile, authenticity, niches, country, whether a contact
    email is known, tags and notes count."""
    name, rows = export.export(session, ctx, list_id, tag)
    return StreamingResponse(
        export.csv_lines(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/lists/{list_id}/campaign", summary="Invite a list to a campaign", responses=RESPONSES
)
def add_to_campaign(
    list_id: uuid.UUID,
    body: AddToCampaignIn,
    ctx: Writer,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> AddToCampaignOut:
    """Invites every member through the campaign's invitations (its terms unless given, the
    creator's contact email unless given); those already invited or not invitable are listed
    in skipped with the reason. Members only: API keys cannot invite."""
    result = invite.add_to_campaign(session, settings, ctx, list_id, body, utcnow())
    invited = send_invitations(background, settings, result.links, ctx.organisation.name)
    return AddToCampaignOut(
        campaign_id=result.campaign.id,
        campaign_name=result.campaign.name,
        invited=invited,
        skipped=result.skipped,
    )


# Saved searches


@router.get("/saved-searches", summary="Saved searches", responses=RESPONSES)
def list_searches(ctx: Reader, session: SessionDep) -> list[SavedSearchOut]:
    return searches.list_searches(session, ctx)


@router.post("/saved-searches", summary="Save a search", status_code=201, responses=RESPONSES)
def save_search(
    body: SavedSearchIn, ctx: Writer, session: SessionDep, settings: SettingsDep
) -> SavedSearchOut:
    """The query is checked as discovery checks its search parameters; a bad field is named
    as query.<field>."""
    return searches.save_search(session, settings, ctx, body, utcnow())


@router.get(
    "/saved-searches/{search_id}", summary="Run a saved search (count)", responses=RESPONSES
)
def run_search(
    search_id: uuid.UUID, ctx: Reader, session: SessionDep, settings: SettingsDep
) -> SavedSearchRun:
    """The saved search, its discovery URL and how many accounts match it now."""
    return searches.run_search(session, settings, ctx, search_id)


@router.patch("/saved-searches/{search_id}", summary="Rename a saved search", responses=RESPONSES)
def rename_search(
    search_id: uuid.UUID, body: SavedSearchUpdate, ctx: Writer, session: SessionDep
) -> SavedSearchOut:
    return searches.rename_search(session, ctx, search_id, body.name, utcnow())


@router.delete(
    "/saved-searches/{search_id}",
    summary="Delete a saved search",
    status_code=204,
    responses=RESPONSES,
)
def delete_search(search_id: uuid.UUID, ctx: Writer, session: SessionDep) -> Response:
    searches.delete_search(session, ctx, search_id)
    return Response(status_code=204)
