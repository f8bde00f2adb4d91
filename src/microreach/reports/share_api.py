"""JSON routes for read-only report links: list, create (the link is returned once) and revoke;
for members (creating and revoking needs the member role) or API keys with reports:read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.kit.clock import utcnow
from microreach.reports import sharing
from microreach.web.auth import org_access
from microreach.web.deps import SessionDep, SettingsDep
from microreach.web.errors import NOT_FOUND_RESPONSES, PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/api/v1", tags=["reports"])
Access = Annotated[OrgContext, Depends(org_access(ApiScope.REPORTS_READ, Role.VIEWER))]
RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Not signed in and no API key"},
    403: {"model": Problem, "description": "The role or the key's scopes are too low"},
    **NOT_FOUND_RESPONSES,
    **PROBLEM_RESPONSES,
}


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(
        default=sharing.DEFAULT_DAYS,
        ge=1,
        le=sharing.MAX_DAYS,
        description="How many days the link works.",
    )


class ShareOut(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    status: sharing.ShareStatus
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime
    created_by: str | None = Field(description="The member's email; null for an API key.")


class ShareCreated(ShareOut):
    url: str = Field(description="The read-only link; shown only in this answer.")


def _out(share: sharing.ReportShare, created_by: str | None) -> ShareOut:
    return ShareOut(
        id=share.id,
        campaign_id=share.campaign_id,
        status=sharing.status_of(share, utcnow()),
        expires_at=share.expires_at,
        revoked_at=share.revoked_at,
        created_at=share.created_at,
        created_by=created_by,
    )


@router.get(
    "/campaigns/{campaign_id}/report-shares",
    summary="List a campaign's report links",
    responses=RESPONSES,
)
def list_shares(campaign_id: uuid.UUID, ctx: Access, session: SessionDep) -> list[ShareOut]:
    return [_out(r.share, r.created_by) for r in sharing.list_shares(session, ctx, campaign_id)]


@router.post(
    "/campaigns/{campaign_id}/report-shares",
    summary="Create a read-only report link",
    status_code=201,
    responses=RESPONSES,
)
def create_share(
    campaign_id: uuid.UUID, body: ShareIn, ctx: Access, session: SessionDep, settings: SettingsDep
) -> ShareCreated:
    """A link anyone can open, without signing in, until it expires or is revoked."""
    made = sharing.create_share(session, settings, ctx, campaign_id, body.days, utcnow())
    by = ctx.user.email if ctx.user is not None else None
    return ShareCreated(**_out(made.share, by).model_dump(), url=made.url)


@router.delete("/report-shares/{share_id}", summary="Revoke a report link", responses=RESPONSES)
def revoke_share(share_id: uuid.UUID, ctx: Access, session: SessionDep) -> ShareOut:
    share = sharing.revoke_share(session, ctx, share_id, utcnow())
    return _out(share, sharing.creator_email(session, share))
