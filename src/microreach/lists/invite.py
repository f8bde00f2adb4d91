"""Adding a list to a campaign in one step: every member is invited through the campaigns
domain's own invitation function (its rules, its audit events); members already invited, with
no email to invite at, or refused by the campaign for a reason of their own are skipped and
named with the reason. One summary event joins the campaign's audit log."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.campaigns import audit, invitations
from microreach.campaigns import service as campaigns_service
from microreach.campaigns.invitations import InvitationLink
from microreach.campaigns.models import Campaign
from microreach.campaigns.schemas import InviteIn, InviteTarget, Terms
from microreach.config import Settings
from microreach.creators import service as creators_service
from microreach.kit.errors import ConflictError, InvalidError
from microreach.lists import repository
from microreach.lists.schemas import AddToCampaignIn, SkippedCreator
from microreach.lists.service import get_list

# campaigns.invitations.invite takes at most this many creators per call.
BATCH = 200
_TARGET_FIELD = re.compile(r"creators\.(\d+)\.(\w+)")


@dataclass(frozen=True, slots=True)
class ListInvitation:
    campaign: Campaign
    links: list[InvitationLink]
    skipped: list[SkippedCreator]


def add_to_campaign(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    list_id: uuid.UUID,
    body: AddToCampaignIn,
    now: datetime,
) -> ListInvitation:
    ctx.require_role(Role.MEMBER, "invite creators")
    row = get_list(session, ctx, list_id)
    campaign = campaigns_service.get_campaign(session, ctx, body.campaign_id)
    campaigns_service.require_status(campaign, invitations.INVITABLE, "inviting creators")
    members = repository.members_of(session, ctx.organisation.id, row.id)
    ids = [m.account_id for m in members]
    refs = creators_service.accounts_by_ids(session, ids)
    emails = creators_service.contact_emails(session, ids)
    invited = {m.account_id: m for m in invitations.members(session, ctx, campaign.id)}
    skipped: list[SkippedCreator] = []
    targets: list[tuple[InviteTarget, str]] = []
    for account_id in ids:
        ref = refs.get(account_id)
        handle = ref.handle if ref else str(account_id)
        reason = None
        if ref is None:
            reason = "the account no longer exists"
        elif account_id in invited:
            status = invited[account_id].status.value
            reason = f"already invited to {campaign.name} ({status})"
        else:
            email = (body.emails.get(account_id) or emails.get(account_id) or "").strip()
            target, reason = _target(account_id, email, body.terms)
            if target is not None:
                targets.append((target, handle))
        if reason is not None:
            skipped.append(SkippedCreator(account_id=account_id, handle=handle, reason=reason))
    links: list[InvitationLink] = []
    for start in range(0, len(targets), BATCH):
        links += _invite(
            session, settings, ctx, campaign, targets[start : start + BATCH], skipped, now
        )
    audit.record(
        session,
        ctx.organisation.id,
        campaign.id,
        ctx.user,
        "list.invited",
        now,
        list=row.name,
        list_id=str(row.id),
        invited=[link.account.handle for link in links],
        skipped=[{"handle": s.handle, "reason": s.reason} for s in skipped],
    )
    return ListInvitation(campaign, links, skipped)


def _target(
    account_id: uuid.UUID, email: str, terms: Terms | None
) -> tuple[InviteTarget | None, str | None]:
    if not email:
        return None, "no contact email: give one for this creator, or add it to the creator"
    try:
        return InviteTarget(account_id=account_id, email=email, terms=terms), None
    except ValidationError:
        return None, f"{email} is not an email address"


def _invite(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    campaign: Campaign,
    targets: list[tuple[InviteTarget, str]],
    skipped: list[SkippedCreator],
    now: datetime,
) -> list[InvitationLink]:
    """Invite ``targets`` in one call; a creator the campaign refuses for a reason of its own
    (a bad email, invited meanwhile) is skipped with that reason and the rest tried again."""
    targets = list(targets)
    while targets:
        try:
            with session.begin_nested():
                creators = [target for target, _ in targets]
                return invitations.invite(
                    session, settings, ctx, campaign.id, InviteIn(creators=creators), now
                )
        except (InvalidError, ConflictError) as exc:
            match = _TARGET_FIELD.fullmatch(exc.field or "")
            if match is None:
                raise
            if match.group(2) == "terms":
                raise InvalidError(exc.message, field="terms") from None
            target, handle = targets.pop(int(match.group(1)))
            skipped.append(
                SkippedCreator(account_id=target.account_id, handle=handle, reason=exc.message)
            )
    return []
