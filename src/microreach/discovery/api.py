"""JSON routes of discovery under /api/v1/discovery: search, fit, lookalikes, planner."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from microreach.discovery import lookalikes as lookalikes_service
from microreach.discovery import planner, service
from microreach.discovery.schemas import (
    PAGE_SIZE_MAX,
    FitRequest,
    FitResult,
    LookalikePage,
    PlanOut,
    PlanRequest,
    SearchPage,
    SearchParams,
)
from microreach.web.deps import SessionDep, SettingsDep
from microreach.web.errors import NOT_FOUND_RESPONSES, PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/discovery", tags=["discovery"])


@router.get("/search", summary="Search creator accounts", responses=PROBLEM_RESPONSES)
def search(
    params: Annotated[SearchParams, Query()], session: SessionDep, settings: SettingsDep
) -> SearchPage:
    """Accounts matching the filters and keywords, one page at a time (follow next_cursor).

    List filters repeat the parameter (platform=instagram&platform=tiktok). The brand_*
    parameters describe a brand profile: every result then carries its fit, and sort=fit is
    allowed. Keywords: every word must appear in the bio, a recent caption or a hashtag;
    word* matches as a prefix."""
    return service.search(session, settings, params)


@router.post("/fit", summary="Brand fit of given accounts", responses=NOT_FOUND_RESPONSES)
def fit(request: FitRequest, session: SessionDep) -> list[FitResult]:
    """The brand profile's 0-100 fit with each account, every factor with its points (the
    points add up to the score). The profile travels with the request until brand profiles are
    stored by the campaigns work."""
    return service.fit_accounts(session, request)


@router.get(
    "/lookalikes/{account_id}", summary="Creators like this one", responses=NOT_FOUND_RESPONSES
)
def lookalikes(
    account_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 20,
) -> LookalikePage:
    """Accounts on the same platform and a neighbouring tier most similar by niche, content
    and audience, each with the reason."""
    return lookalikes_service.lookalikes(session, account_id, limit, settings.tier_scheme)


@router.post("/plan", summary="Plan a budget", responses=PROBLEM_RESPONSES)
def plan(request: PlanRequest, session: SessionDep, settings: SettingsDep) -> PlanOut:
    """The creators that maximise the expected goal within the budget (costs estimated from
    tier and platform), with the expected result as a range, and the best all-macro plan."""
    return planner.plan(session, settings, request)
