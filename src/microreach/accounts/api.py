"""JSON routes of the accounts domain: who is calling, and an organisation's API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from microreach.accounts import organisations, service
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.accounts.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, MeOut
from microreach.kit.clock import utcnow
from microreach.web.auth import IdentityDep, current_user, require_member_of
from microreach.web.deps import SessionDep, SettingsDep
from microreach.web.errors import NOT_FOUND_RESPONSES, PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/api/v1", tags=["accounts"])

AUTH_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Not signed in, or no valid API key"},
}
ADMIN_RESPONSES: dict[int | str, dict[str, object]] = {
    **AUTH_RESPONSES,
    403: {"model": Problem, "description": "The member's role is below admin"},
    **NOT_FOUND_RESPONSES,
}
# Each service function checks the role it needs and says which, so any member passes here.
Member = Annotated[OrgContext, Depends(require_member_of(Role.VIEWER))]


@router.get("/me", summary="Who is calling", responses=AUTH_RESPONSES)
def me(identity: IdentityDep, session: SessionDep) -> MeOut:
    """The signed-in person and their organisations, or the API key and its organisation."""
    if identity.api_key is None:
        current_user(identity)
    return service.describe(session, identity)


@router.get("/organisations/{slug}/api-keys", summary="List API keys", responses=ADMIN_RESPONSES)
def list_api_keys(ctx: Member, session: SessionDep) -> list[ApiKeyOut]:
    """Every key of the organisation, revoked ones included, newest first. Admins and owners."""
    return organisations.list_api_keys(session, ctx)


@router.post(
    "/organisations/{slug}/api-keys",
    summary="Create an API key",
    status_code=201,
    responses={**ADMIN_RESPONSES, **PROBLEM_RESPONSES},
)
def create_api_key(
    body: ApiKeyCreate, ctx: Member, session: SessionDep, settings: SettingsDep
) -> ApiKeyCreated:
    """A new key. The response holds the secret this once; microreach keeps only its hash."""
    return organisations.create_api_key(session, settings, ctx, body, utcnow())


@router.get(
    "/organisations/{slug}/api-keys/{key_id}", summary="Get an API key", responses=ADMIN_RESPONSES
)
def get_api_key(key_id: uuid.UUID, ctx: Member, session: SessionDep) -> ApiKeyOut:
    return organisations.get_api_key(session, ctx, key_id)


@router.delete(
    "/organisations/{slug}/api-keys/{key_id}",
    summary="Revoke an API key",
    responses=ADMIN_RESPONSES,
)
def revoke_api_key(key_id: uuid.UUID, ctx: Member, session: SessionDep) -> ApiKeyOut:
    """Revoke the key: requests with it are refused from now on. Revoking twice is harmless."""
    return organisations.revoke_api_key(session, ctx, key_id, utcnow())
