"""Pydantic shapes of the accounts pages (forms in) and API (keys and identity out)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from microreach.accounts.enums import ApiScope, ClaimStatus, OrganisationKind, Role, UserKind
from microreach.creators.enums import Platform

API_KEY_NAME_MAX = 100


class _Form(BaseModel):
    """Form fields arrive as text; the service checks them and answers beside the field."""

    model_config = ConfigDict(str_strip_whitespace=False, extra="ignore")


class SignUpForm(_Form):
    email: str = ""
    display_name: str = ""
    password: str = ""
    organisation_name: str = ""
    organisation_kind: str = OrganisationKind.BRAND.value
    invitation: str = ""


class CreatorSignUpForm(_Form):
    email: str = ""
    display_name: str = ""
    password: str = ""


class SignInForm(_Form):
    email: str = ""
    password: str = ""
    next: str = ""


class ForgotPasswordForm(_Form):
    email: str = ""


class ResetPasswordForm(_Form):
    token: str = ""
    password: str = ""
    password_again: str = ""


class InviteForm(_Form):
    email: str = ""
    role: str = Role.MEMBER.value


class RoleForm(_Form):
    role: str = ""


class SwitchForm(_Form):
    organisation_id: str = ""


class BrandForm(_Form):
    name: str = ""


class ApiKeyForm(_Form):
    name: str = ""
    scopes: list[str] = Field(default_factory=list)


class ClaimForm(_Form):
    platform: str = ""
    handle: str = ""


class ApiKeyCreate(BaseModel):
    """A new API key: a name people recognise and what it may do."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=API_KEY_NAME_MAX, description="e.g. Shopify store.")
    scopes: list[ApiScope] = Field(min_length=1, description="At least one scope.")

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        value = value.strip()
        if not value or not value.isprintable():
            raise ValueError("must be printable text")
        return value

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, value: list[ApiScope]) -> list[ApiScope]:
        return sorted(set(value))


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The public start of the key, e.g. mr_ab12cd34.")
    scopes: list[ApiScope]
    created_at: datetime
    created_by: str | None = Field(description="Email of the member who created it.")
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(description="The whole key. Shown this once; store it now.")


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    kind: OrganisationKind
    parent_id: uuid.UUID | None


class MembershipOut(BaseModel):
    organisation: OrganisationOut
    role: Role


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    kind: UserKind


class ApiKeyIdentity(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[ApiScope]


class MeOut(BaseModel):
    """Who is calling: a signed-in person (cookie) or an organisation's API key."""

    via: Literal["session", "api_key"]
    user: UserOut | None = Field(description="Null for API keys.")
    organisation: OrganisationOut | None = Field(
        description="The active organisation of the session, or the key's organisation."
    )
    role: Role | None = Field(description="The person's role there; null for API keys.")
    memberships: list[MembershipOut] = Field(description="Every organisation of the person.")
    api_key: ApiKeyIdentity | None = Field(description="The key used, for API key calls.")


class ClaimOut(BaseModel):
    id: uuid.UUID
    platform: Platform
    handle: str
    status: ClaimStatus
    code: str
    created_at: datetime
    verified_at: datetime | None
