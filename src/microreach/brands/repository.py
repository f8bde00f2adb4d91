"""Every query of the brands domain: the profile is read and written by organisation id."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from microreach.brands.models import BrandProfile


def get_profile(session: Session, organisation_id: uuid.UUID) -> BrandProfile | None:
    return session.get(BrandProfile, organisation_id)


def add(session: Session, profile: BrandProfile) -> BrandProfile:
    session.add(profile)
    session.flush()
    return profile
