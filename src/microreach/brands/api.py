"""JSON routes of the brand profile of the session's active organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.brands import service
from microreach.brands.schemas import BrandProfileIn, BrandProfileOut
from microreach.kit.clock import utcnow
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep
from microreach.web.errors import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/api/v1", tags=["brands"])
Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Not signed in"},
    403: {"model": Problem, "description": "The member's role is too low"},
    **PROBLEM_RESPONSES,
}


@router.get("/brand-profile", summary="The brand profile", responses=RESPONSES)
def get_profile(ctx: Member, session: SessionDep) -> BrandProfileOut:
    return service.get_profile(session, ctx)


@router.put("/brand-profile", summary="Save the brand profile", responses=RESPONSES)
def save_profile(body: BrandProfileIn, ctx: Member, session: SessionDep) -> BrandProfileOut:
    """Name, website, niches, target audience, brand keywords and competitors to exclude."""
    return service.save_profile(session, ctx, body, utcnow())
