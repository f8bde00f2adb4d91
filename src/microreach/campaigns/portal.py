"""The creator's side of campaigns: invitations, deliverables with drafts, earnings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from microreach.accounts.enums import UserKind
from microreach.accounts.models import User
from microreach.campaigns import deliverables, invitations, ledger, repository
from microreach.campaigns.enums import MemberStatus
from microreach.campaigns.invitations import OpenInvitation
from microreach.campaigns.models import Deliverable
from microreach.campaigns.schemas import DraftOut, LedgerLine
from microreach.kit.errors import ForbiddenError


@dataclass(frozen=True, slots=True)
class CreatorCampaign:
    opened: OpenInvitation
    deliverables: list[Deliverable]
    drafts: list[DraftOut]
    earnings: LedgerLine | None


def overview(session: Session, user: User) -> list[CreatorCampaign]:
    if user.kind is not UserKind.CREATOR:
        raise ForbiddenError("The creator portal is for creator accounts.")
    return [detail(session, user, m.id) for m in repository.members_of_user(session, user.id)]


def detail(session: Session, user: User, member_id: uuid.UUID) -> CreatorCampaign:
    member = invitations.portal_member(session, user, member_id)
    opened = invitations.open_member(session, member)
    items = (
        repository.deliverables_of_member(session, member.organisation_id, member.id)
        if member.status is MemberStatus.ACCEPTED
        else []
    )
    drafts = deliverables.drafts_for(session, member.organisation_id, [d.id for d in items])
    lines = [
        line for _, line in ledger.creator_ledger(session, user) if line.member_id == member.id
    ]
    return CreatorCampaign(opened, items, drafts, lines[0] if lines else None)
