"""JSON routes of the links domain under /api/v1/links and /api/v1/short-domains
(organisation-scoped)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from microreach.accounts import service as accounts_service
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope
from microreach.kit.clock import utcnow
from microreach.links import domains, service
from microreach.links.qr import DEFAULT_SCALE, MAX_SCALE
from microreach.links.schemas import (
    BulkLinkCreate,
    CampaignLinksCreate,
    CampaignLinksResult,
    ClickSummary,
    DomainCreate,
    DomainOut,
    DomainUpdate,
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


@router.post(
    "/bulk-campaign",
    summary="Create one link per accepted creator of a campaign",
    responses=RESPONSES,
)
def campaign_links(
    data: CampaignLinksCreate, ctx: Writer, session: SessionDep, settings: SettingsDep
) -> CampaignLinksResult:
    """Links for every creator who accepted the campaign, UTM from the invited account;
    creators who already have a link to this destination in the campaign are skipped, so
    running it again after new creators accept adds only theirs."""
    return service.campaign_links(session, settings, ctx, data, utcnow())


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


domains_router = APIRouter(prefix="/api/v1/short-domains", tags=["links"])
Admin = Annotated[OrgContext, Depends(org_access(ApiScope.LINKS_WRITE))]


def txt_resolver(request: Request) -> domains.TxtResolver:
    """The DNS TXT lookup; tests put a function in `app.state.txt_resolver`."""
    resolver: domains.TxtResolver = getattr(
        request.app.state, "txt_resolver", domains.system_txt_resolver
    )
    return resolver


Resolver = Annotated[domains.TxtResolver, Depends(txt_resolver)]


@domains_router.get("", summary="List short domains", responses=RESPONSES)
def list_domains(ctx: Admin, session: SessionDep, settings: SettingsDep) -> list[DomainOut]:
    return domains.list_domains(session, settings, ctx)


@domains_router.post("", status_code=201, summary="Add a short domain", responses=RESPONSES)
def add_domain(
    data: DomainCreate, ctx: Admin, session: SessionDep, settings: SettingsDep
) -> DomainOut:
    """Added disabled: publish the TXT record (`txt_name`, `txt_value`), check, then enable."""
    return domains.add_domain(session, settings, ctx, data.host, utcnow())


@domains_router.post(
    "/{domain_id}/check", summary="Verify a short domain by DNS", responses=RESPONSES
)
def check_domain(
    domain_id: uuid.UUID,
    ctx: Admin,
    session: SessionDep,
    settings: SettingsDep,
    resolver: Resolver,
) -> DomainOut:
    """Looks up the TXT record; 422 saying what was found when it is missing or wrong."""
    return domains.check_domain(session, settings, ctx, domain_id, resolver, utcnow())


@domains_router.patch("/{domain_id}", summary="Enable or disable a domain", responses=RESPONSES)
def update_domain(
    domain_id: uuid.UUID, data: DomainUpdate, ctx: Admin, session: SessionDep, settings: SettingsDep
) -> DomainOut:
    """Only verified domains can be enabled; a disabled domain's links stop resolving."""
    return domains.set_enabled(session, settings, ctx, domain_id, data.enabled)


@domains_router.delete(
    "/{domain_id}", status_code=204, summary="Remove a short domain", responses=RESPONSES
)
def remove_domain(domain_id: uuid.UUID, ctx: Admin, session: SessionDep) -> Response:
    """Refused (409) while links use the domain."""
    domains.remove_domain(session, ctx, domain_id)
    return Response(status_code=204)
