"""JSON routes of the creators domain under /api/v1/creators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from microreach.creators import service
from microreach.creators.schemas import (
    AccountPage,
    CreatorDetail,
    CreatorListParams,
    known_scheme,
)
from microreach.kit.errors import InvalidError
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
def get_creator(
    creator_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    tier_scheme: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Tier scheme for this request; default: MICROREACH_TIER_SCHEME.",
        ),
    ] = None,
) -> CreatorDetail:
    """The creator, each account with its tier, recent posts, follower history and the scores
    the scoring job stored (null for an account never scored; see
    GET /api/v1/accounts/{account_id}/scores for the fields and their units)."""
    scheme = None if not tier_scheme else _scheme(tier_scheme)
    return service.get_creator(session, settings, creator_id, scheme)


def _scheme(value: str) -> str:
    try:
        return known_scheme(value)
    except ValueError as exc:
        raise InvalidError(str(exc), field="tier_scheme") from None
