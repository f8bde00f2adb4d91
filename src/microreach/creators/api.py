"""JSON routes of the creators domain under /api/v1/creators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from microreach.creators import service
from microreach.creators.schemas import AccountPage, CreatorDetail, CreatorListParams
from microreach.web.deps import SessionDep, SettingsDep
from microreach.web.errors import NOT_FOUND_RESPONSES, PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/creators", tags=["creators"])


@router.get("", summary="List creator accounts", responses=PROBLEM_RESPONSES)
def list_accounts(
    params: Annotated[CreatorListParams, Query()], session: SessionDep, settings: SettingsDep
) -> AccountPage:
    """Accounts matching the filters, one page at a time; follow next_cursor for more."""
    return service.list_accounts(session, settings, params)


@router.get("/{creator_id}", summary="Get one creator", responses=NOT_FOUND_RESPONSES)
def get_creator(creator_id: uuid.UUID, session: SessionDep, settings: SettingsDep) -> CreatorDetail:
    """The creator, each account with its tier, recent posts, follower history and the scores
    the scoring job stored (null for an account never scored; see
    GET /api/v1/accounts/{account_id}/scores for the fields and their units)."""
    return service.get_creator(session, settings, creator_id)
