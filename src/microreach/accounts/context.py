"""Who is asking: the identity of a request and the organisation context routes act in."""

from __future__ import annotations

from dataclasses import dataclass

from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.models import ApiKey, Membership, Organisation, User, UserSession
from microreach.kit.errors import ForbiddenError


@dataclass(frozen=True, slots=True)
class Identity:
    """Nobody, a signed-in person (with the active membership, if any), or an API key."""

    user: User | None = None
    user_session: UserSession | None = None
    membership: Membership | None = None
    api_key: ApiKey | None = None
    key_organisation: Organisation | None = None

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def organisation(self) -> Organisation | None:
        if self.api_key is not None:
            return self.key_organisation
        return self.membership.organisation if self.membership is not None else None

    @property
    def role(self) -> Role | None:
        return self.membership.role if self.membership is not None else None


ANONYMOUS = Identity()


@dataclass(frozen=True, slots=True)
class OrgContext:
    """The organisation a request acts on, and as whom: a member with a role, or an API key.

    Every organisation-owned read and write takes this, so queries are scoped to
    ``organisation.id`` in the repository.
    """

    organisation: Organisation
    user: User | None = None
    role: Role | None = None
    api_key: ApiKey | None = None

    def require_role(self, needed: Role, action: str) -> None:
        """ForbiddenError unless the caller is a member with at least ``needed``."""
        if self.role is None:
            raise ForbiddenError(f"Only members can {action}; API keys cannot.")
        if not self.role.at_least(needed):
            raise ForbiddenError(
                f"You need the {needed.value} role or higher to {action}; "
                f"you are {_article(self.role)} {self.role.value} of {self.organisation.name}."
            )

    def require_scope(self, scope: ApiScope) -> None:
        if self.api_key is not None and scope.value not in self.api_key.scopes:
            raise ForbiddenError(
                f"This API key lacks the {scope.value} scope; create a key that has it."
            )

    @property
    def member_user(self) -> User:
        """The signed-in member; ForbiddenError for API keys."""
        if self.user is None:
            raise ForbiddenError("This needs a signed-in member; API keys cannot do it.")
        return self.user


def _article(role: Role) -> str:
    return "an" if role in (Role.OWNER, Role.ADMIN) else "a"
