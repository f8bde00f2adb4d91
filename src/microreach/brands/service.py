"""Brand profile rules: one per organisation; members edit it, every member reads it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.brands import repository
from microreach.brands.models import BrandProfile
from microreach.brands.schemas import BrandProfileIn, BrandProfileOut


def get_profile(session: Session, ctx: OrgContext) -> BrandProfileOut:
    """The stored profile, or an empty one named after the organisation."""
    profile = repository.get_profile(session, ctx.organisation.id)
    if profile is None:
        return BrandProfileOut(name=ctx.organisation.name)
    return BrandProfileOut.model_validate(profile)


def save_profile(
    session: Session, ctx: OrgContext, body: BrandProfileIn, now: datetime
) -> BrandProfileOut:
    ctx.require_role(Role.MEMBER, "edit the brand profile")
    profile = repository.get_profile(session, ctx.organisation.id)
    if profile is None:
        profile = repository.add(
            session, BrandProfile(organisation_id=ctx.organisation.id, name=body.name)
        )
    for key, value in body.model_dump().items():
        setattr(profile, key, value)
    profile.updated_at = now
    session.flush()
    return BrandProfileOut.model_validate(profile)
