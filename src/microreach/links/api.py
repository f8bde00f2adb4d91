"""JSON routes of the links domain under /api/v1/links (organisation-scoped)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from microreach.accounts import service as accounts_service
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope
from microreach.kit.clock import utcnow
from microreach.links import service
from microreach.links.qr import DEFAULT_SCALE, MAX_SCALE
from microreach.links.schemas import (
    BulkLinkCreate,
    ClickSummary,
    LinkCreate,
    LinkListParams,
    LinkOut,
    LinkPage,
    LinkUpdate,
)
from microreach.web.auth import IdentityDep, org_access
from microreach.web.deps import SessionDep, SettingsDep
from microreach.web.errors import NOT_FOUND_RESPONSES, PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/api/v1/links", tags=["links"])

RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Not signed in, or no valid API key"},
    403: {"model": Problem, "description": "Role or API key scope too low"},
    409: {"model": Problem, "description": "The slug is taken"},
    **NOT_FOUND_RESPONSES,
    **PROBLEM_RESPONSES,
}


def _reader(identity: IdentityDep) -> OrgContext:
    """A member, or an API key with links:write or reports:read."""
    key = identity.api_key
    if key is not None and ApiScope.REPORTS_READ.value in key.scopes:
        return accounts_service.key_context(identity, ApiScope.REPORTS_READ)
    return org_access(ApiScope.LINKS_WRITE)(identity)


Reader = Annotated[OrgContext, Depends(_reader)]
Writer = Annotated[OrgContext, Depends(org_access(ApiScope.LINKS_WRITE))]


@router.post("", status_code=201, summary="Create a link", responses=RESPONSES)
def create_link(
    data: LinkCreate, ctx: Writer, session: SessionDep, settings: SettingsDep
) -> LinkOut:
    """A short link with a generated or custom slug; UTM parameters default from the creator."""
    return service.create_link(session, settings, ctx, data, utcnow())


@router.post("/bulk", status_code=201, summary="Create one link per creator", responses=RESPONSES)
def bulk_create(
    data: BulkLinkCreate, ctx: Writer, session: SessionDep, settings: SettingsDep
) -> list[LinkOut]:
    """One link per creator to the same destination, all or none."""
    return service.bulk_create(session, settings, ctx, data, utcnow())


@router.get("", summary="List links", responses=RESPONSES)
def list_links(
    params: Annotated[LinkListParams, Query()],
    ctx: Reader,
    session: SessionDep,
    settings: SettingsDep,
) -> LinkPage:
    """Newest first, one page at a time; follow next_cursor for more."""
    return service.list_links(session, settings, ctx, params)


@router.get("/{link_id}", summary="Get a link", responses=RESPONSES)
def get_link(
    link_id: uuid.UUID, ctx: Reader, session: SessionDep, settings: SettingsDep
) -> LinkOut:
    return service.get_link(session, settings, ctx, link_id)


@router.patch("/{link_id}", summary="Change a link", responses=RESPONSES)
def update_link(
    link_id: uuid.UUID, data: LinkUpdate, ctx: Writer, session: SessionDep, settings: SettingsDep
) -> LinkOut:
    """Destination, enabled, expiry, fallback, title and UTM fields; only those sent change."""
    return service.update_link(session, settings, ctx, link_id, data, utcnow())


@router.get("/{link_id}/clicks", summary="Click summary of a link", responses=RESPONSES)
def click_summary(link_id: uuid.UUID, ctx: Reader, session: SessionDep) -> ClickSummary:
    """Human clicks, uniques and breakdowns from the hourly rollups; bots counted apart."""
    return service.click_summary(session, ctx, link_id)


QR_MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@router.get(
    "/{link_id}/qr.{kind}",
    summary="QR code of a link",
    responses={
        **RESPONSES,
        200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "The QR code"},
    },
    response_class=Response,
)
def qr_code(
    link_id: uuid.UUID,
    kind: Literal["svg", "png"],
    ctx: Reader,
    session: SessionDep,
    settings: SettingsDep,
    scale: Annotated[int, Query(ge=1, le=MAX_SCALE)] = DEFAULT_SCALE,
) -> Response:
    """The short URL as a QR code: SVG for print, PNG for chat and slides."""
    image = service.qr_code(session, settings, ctx, link_id, kind, scale)
    return Response(image, media_type=QR_MEDIA_TYPES[kind])
