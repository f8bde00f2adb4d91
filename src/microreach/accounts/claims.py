"""Creator portal rules: a creator claims a platform account and proves it with a bio code.

Verification: the portal gives each claim a code (MR-XXXXXX). The creator puts it anywhere in
the account's bio; once microreach has stored a bio containing it (the next refresh or import of
the account), "Check" marks the claim verified. Only one user can hold a verified claim on an
account; the code can be removed from the bio afterwards.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from microreach.accounts import repository
from microreach.accounts.enums import ClaimStatus, UserKind
from microreach.accounts.models import CreatorClaim, User
from microreach.accounts.schemas import ClaimOut
from microreach.accounts.security import claim_code
from microreach.creators.enums import Platform
from microreach.creators.models import PlatformAccount
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError

HANDLE_MAX_LENGTH = 100


def list_claims(session: Session, user: User) -> list[ClaimOut]:
    _require_creator(user)
    return [
        _claim_out(claim, account) for claim, account in repository.claims_of_user(session, user.id)
    ]


def claim_account(
    session: Session, user: User, platform_name: str, handle_raw: str, now: datetime
) -> ClaimOut:
    """A pending claim on the account (the existing one when the user claimed it before)."""
    _require_creator(user)
    platform = _platform(platform_name)
    handle = handle_raw.strip().lstrip("@").lower()
    if not handle or len(handle) > HANDLE_MAX_LENGTH or not handle.isprintable():
        raise InvalidError("Enter the account's handle, like @yourname.", field="handle")
    account = repository.find_platform_account(session, platform, handle)
    if account is None:
        raise NotFoundError(
            f"microreach does not track @{handle} on {platform.value} yet.", field="handle"
        )
    claim = repository.claim_for(session, user.id, account.id)
    if claim is None:
        _not_held_by_another(session, user, account)
        claim = repository.add(
            session,
            CreatorClaim(
                user_id=user.id, platform_account_id=account.id, code=claim_code(), created_at=now
            ),
        )
    return _claim_out(claim, account)


def check_claim(session: Session, user: User, claim_id: uuid.UUID, now: datetime) -> ClaimOut:
    """Verify a pending claim when the stored bio of its account contains the claim's code."""
    _require_creator(user)
    found = repository.get_claim(session, user.id, claim_id)
    if found is None:
        raise NotFoundError("You have no such claim.")
    claim, account = found
    if claim.status is ClaimStatus.VERIFIED:
        return _claim_out(claim, account)
    if claim.code not in (account.bio or "").upper():
        raise InvalidError(
            f"The code {claim.code} is not in the bio we have for @{account.handle} yet. Add it "
            "to your bio; we check again once the account's profile has been refreshed.",
            field="code",
        )
    _not_held_by_another(session, user, account)
    claim.status = ClaimStatus.VERIFIED
    claim.verified_at = now
    session.flush()
    return _claim_out(claim, account)


def verify_by_platform_sign_in(
    session: Session, user: User, account: PlatformAccount, now: datetime
) -> ClaimOut:
    """The creator signed in to the platform as this account (OAuth, from the portal's connect
    button): that proves it as well as a bio code, so the claim is verified (created if need
    be). An account verified by another creator stays theirs."""
    _require_creator(user)
    _not_held_by_another(session, user, account)
    claim = repository.claim_for(session, user.id, account.id)
    if claim is None:
        claim = repository.add(
            session,
            CreatorClaim(
                user_id=user.id, platform_account_id=account.id, code=claim_code(), created_at=now
            ),
        )
    if claim.status is not ClaimStatus.VERIFIED:
        claim.status = ClaimStatus.VERIFIED
        claim.verified_at = now
        session.flush()
    return _claim_out(claim, account)


def _not_held_by_another(session: Session, user: User, account: PlatformAccount) -> None:
    holder = repository.verified_claim_for_account(session, account.id)
    if holder is not None and holder.user_id != user.id:
        raise ConflictError(
            f"@{account.handle} is claimed and verified by another creator already.",
            field="handle",
        )


def _require_creator(user: User) -> None:
    if user.kind is not UserKind.CREATOR:
        raise ForbiddenError("The creator portal is for creator accounts.")


def _platform(name: str) -> Platform:
    try:
        return Platform(name.strip().lower())
    except ValueError:
        raise InvalidError("Choose a platform.", field="platform") from None


def _claim_out(claim: CreatorClaim, account: PlatformAccount) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        platform=account.platform,
        handle=account.handle,
        status=claim.status,
        code=claim.code,
        created_at=claim.created_at,
        verified_at=claim.verified_at,
    )
