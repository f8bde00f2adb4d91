"""Closed vocabularies of the accounts domain."""

from __future__ import annotations

from enum import StrEnum


class UserKind(StrEnum):
    BRAND_USER = "brand_user"
    CREATOR = "creator"


class OrganisationKind(StrEnum):
    BRAND = "brand"
    AGENCY = "agency"


class Role(StrEnum):
    """A member's role; each role can do everything the roles below it can."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return _ROLE_RANKS[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANKS = {Role.VIEWER: 1, Role.MEMBER: 2, Role.ADMIN: 3, Role.OWNER: 4}


class ApiScope(StrEnum):
    """What an API key may do; a key carries a list of these."""

    LINKS_WRITE = "links:write"
    CONVERSIONS_WRITE = "conversions:write"
    REPORTS_READ = "reports:read"
    CREATORS_READ = "creators:read"
    LISTS_READ = "lists:read"
    LISTS_WRITE = "lists:write"


class ClaimStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
