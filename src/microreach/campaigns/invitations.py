"""Inviting creators and agreeing terms: signed links by mail, accept, decline, counter-offer.

The link is a ``kit.signing`` token naming the campaign_creators row, valid for
MICROREACH_CAMPAIGN_INVITATION_DAYS. It is spent by the first answer (an atomic
``UPDATE ... WHERE token_used_at IS NULL``), which binds the signed-in creator user to the
invitation; later answers (to a new offer from the brand) happen in the creator portal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from microreach.accounts import service as accounts_service
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role, UserKind
from microreach.accounts.models import User
from microreach.campaigns import audit, repository, service
from microreach.campaigns.enums import CampaignStatus, DeliverableKind, MemberStatus
from microreach.campaigns.models import Campaign, CampaignCreator, Deliverable
from microreach.campaigns.schemas import InviteIn, MemberOut, Terms
from microreach.config import Settings
from microreach.creators import service as creators_service
from microreach.creators.service import AccountRef
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from microreach.kit.signing import BadSignatureError, ExpiredTokenError, sign, unsign

PURPOSE = "campaign-invitation"
INVITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.ACTIVE})
ANSWERABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.ACTIVE})
ANSWERS = ("accept", "decline", "counter")


@dataclass(frozen=True, slots=True)
class InvitationLink:
    member: CampaignCreator
    account: AccountRef
    campaign: Campaign
    token: str


@dataclass(frozen=True, slots=True)
class OpenInvitation:
    member: CampaignCreator
    campaign: Campaign
    account: AccountRef | None
    organisation_name: str


def member_out(member: CampaignCreator, account: AccountRef | None) -> MemberOut:
    return MemberOut(
        id=member.id,
        campaign_id=member.campaign_id,
        creator_id=member.creator_id,
        account_id=member.platform_account_id,
        platform=account.platform.value if account else "",
        handle=account.handle if account else "",
        email=member.email,
        status=member.status,
        terms=member.terms,
        counter_terms=member.counter_terms,
        counter_note=member.counter_note,
        invited_at=member.invited_at,
        accepted_at=member.accepted_at,
    )


def members(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> list[MemberOut]:
    service.get_campaign(session, ctx, campaign_id)
    rows = repository.members_of(session, ctx.organisation.id, campaign_id)
    accounts = creators_service.accounts_by_ids(session, [m.platform_account_id for m in rows])
    return [member_out(m, accounts.get(m.platform_account_id)) for m in rows]


def invite(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    campaign_id: uuid.UUID,
    body: InviteIn,
    now: datetime,
) -> list[InvitationLink]:
    """Invite each account on the list with its terms (or the campaign's); all or nothing."""
    ctx.require_role(Role.MEMBER, "invite creators")
    campaign = service.get_campaign(session, ctx, campaign_id, lock=True)
    service.require_status(campaign, INVITABLE, "inviting creators")
    ids = [target.account_id for target in body.creators]
    accounts = creators_service.accounts_by_ids(session, ids)
    checked = []
    for index, target in enumerate(body.creators):
        account = accounts.get(target.account_id)
        if account is None:
            raise InvalidError(
                f"No platform account {target.account_id}.", field=f"creators.{index}.account_id"
            )
        if ids.count(target.account_id) > 1 or repository.member_by_account(
            session, ctx.organisation.id, campaign.id, account.id
        ):
            raise ConflictError(
                f"@{account.handle} is invited to this campaign already.",
                field=f"creators.{index}.account_id",
            )
        terms = target.terms or _default_terms(campaign, index)
        checked.append((account, _email(target.email, index), terms))
    return [_invite_one(session, settings, ctx, campaign, *row, now) for row in checked]


def _invite_one(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    campaign: Campaign,
    account: AccountRef,
    email: str,
    terms: Terms,
    now: datetime,
) -> InvitationLink:
    expires = now + timedelta(days=settings.campaign_invitation_days)
    member = repository.add(
        session,
        CampaignCreator(
            organisation_id=ctx.organisation.id,
            campaign_id=campaign.id,
            creator_id=account.creator_id,
            platform_account_id=account.id,
            email=email,
            terms=terms.model_dump(),
            invited_at=now,
            invite_expires_at=expires,
        ),
    )
    audit.record(
        session,
        ctx.organisation.id,
        campaign.id,
        ctx.user,
        "creator.invited",
        now,
        handle=account.handle,
        platform=account.platform.value,
        email=email,
        terms=terms.model_dump(),
    )
    token = sign(settings.secret_key or "", PURPOSE, member.id.hex, expires)
    return InvitationLink(member, account, campaign, token)


def _default_terms(campaign: Campaign, index: int) -> Terms:
    if not campaign.default_terms:
        raise InvalidError(
            "Give terms for this creator, or default terms on the campaign.",
            field=f"creators.{index}.terms",
        )
    return Terms.model_validate(campaign.default_terms)


def _email(raw: str, index: int) -> str:
    email = raw.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidError(
            f"{raw.strip()} is not an email address.", field=f"creators.{index}.email"
        )
    return email


# The creator's side


def open_invitation(
    session: Session, settings: Settings, token: str, now: datetime
) -> OpenInvitation:
    """The invitation a link names; InvalidError when forged or expired, ConflictError when
    it was answered through the link already."""
    try:
        payload = unsign(settings.secret_key or "", PURPOSE, token, now)
        member = repository.member_for_token(session, uuid.UUID(hex=payload))
    except ExpiredTokenError:
        raise InvalidError(
            "This invitation link has expired; ask the brand to invite you again.", field="token"
        ) from None
    except (BadSignatureError, ValueError):
        raise InvalidError("This invitation link is not valid.", field="token") from None
    if member is None:
        raise InvalidError("This invitation was withdrawn.", field="token")
    if member.token_used_at is not None:
        raise ConflictError(
            f"This invitation link was used already (the invitation is "
            f"{member.status.value}); see it in your creator portal.",
            field="token",
        )
    return open_member(session, member)


def open_member(session: Session, member: CampaignCreator) -> OpenInvitation:
    campaign = repository.get_campaign(session, member.organisation_id, member.campaign_id)
    if campaign is None:  # pragma: no cover - the foreign key cascades
        raise NotFoundError("The campaign is gone.")
    accounts = creators_service.accounts_by_ids(session, [member.platform_account_id])
    organisation = accounts_service.organisation_name(session, member.organisation_id)
    return OpenInvitation(member, campaign, accounts.get(member.platform_account_id), organisation)


def answer_by_link(
    session: Session,
    settings: Settings,
    user: User,
    token: str,
    answer: str,
    counter: Terms | None,
    note: str,
    now: datetime,
) -> OpenInvitation:
    """The creator's first answer, through the link: binds ``user`` and spends the link."""
    opened = open_invitation(session, settings, token, now)
    require_invitee(user, opened.member)
    _check_answer(opened, answer, counter)
    if not repository.use_token(session, opened.member.id, user.id, now):
        raise ConflictError("This invitation link was used already.", field="token")
    member = repository.member_for_token(session, opened.member.id)
    assert member is not None
    _apply(session, opened.campaign, member, user, answer, counter, note, now)
    return open_member(session, member)


def answer_in_portal(
    session: Session,
    user: User,
    member_id: uuid.UUID,
    answer: str,
    counter: Terms | None,
    note: str,
    now: datetime,
) -> OpenInvitation:
    """A later answer (to a new offer), by the creator the link bound."""
    opened = open_member(session, portal_member(session, user, member_id))
    _check_answer(opened, answer, counter)
    _apply(session, opened.campaign, opened.member, user, answer, counter, note, now)
    return opened


def portal_member(session: Session, user: User, member_id: uuid.UUID) -> CampaignCreator:
    if user.kind is not UserKind.CREATOR:
        raise ForbiddenError("The creator portal is for creator accounts.")
    member = repository.member_of_user(session, user.id, member_id)
    if member is None:
        raise NotFoundError("You have no such campaign invitation.")
    return member


def require_invitee(user: User, member: CampaignCreator) -> None:
    """Only the creator the link was mailed to (same email) may see or answer it."""
    if user.kind is not UserKind.CREATOR:
        raise ForbiddenError(
            "Campaign invitations are answered from a creator account: sign up as a creator."
        )
    if user.email != member.email:
        # The address is not named: a forwarded link tells its holder nothing more.
        raise ForbiddenError(
            "This invitation was sent to another email address; sign in as the creator it was "
            "sent to."
        )


def _check_answer(opened: OpenInvitation, answer: str, counter: Terms | None) -> None:
    if answer not in ANSWERS:
        raise InvalidError("Answer accept, decline or counter.", field="answer")
    if answer == "counter" and counter is None:
        raise InvalidError("A counter-offer needs terms.", field="terms")
    service.require_status(opened.campaign, ANSWERABLE, "answering an invitation")
    if opened.member.status is not MemberStatus.INVITED:
        raise ConflictError(
            f"The invitation is {opened.member.status.value}; only an invited creator can "
            f"{answer}.",
            field="answer",
        )


def _apply(
    session: Session,
    campaign: Campaign,
    member: CampaignCreator,
    user: User,
    answer: str,
    counter: Terms | None,
    note: str,
    now: datetime,
) -> None:
    detail: dict[str, Any] = {"member": str(member.id)}
    if answer == "accept":
        _accept(session, campaign, member, now)
    elif answer == "decline":
        member.status = MemberStatus.DECLINED
    else:
        assert counter is not None
        member.status = MemberStatus.COUNTERED
        member.counter_terms = counter.model_dump()
        member.counter_note = note.strip()[:2000]
        detail["terms"] = member.counter_terms
    session.flush()
    action = {"accept": "creator.accepted", "decline": "creator.declined"}.get(
        answer, "creator.countered"
    )
    audit.record(session, member.organisation_id, campaign.id, user, action, now, **detail)


def _accept(session: Session, campaign: Campaign, member: CampaignCreator, now: datetime) -> None:
    member.status = MemberStatus.ACCEPTED
    member.accepted_at = now
    member.counter_terms = None
    for spec in campaign.deliverables:
        due = date.fromisoformat(spec["due_on"]) if spec.get("due_on") else campaign.ends_on
        for _ in range(int(spec.get("count", 1))):
            repository.add(
                session,
                Deliverable(
                    organisation_id=member.organisation_id,
                    campaign_id=campaign.id,
                    member_id=member.id,
                    kind=DeliverableKind(spec["kind"]),
                    due_on=due,
                    updated_at=now,
                ),
            )


# The brand's answer to a counter-offer


def brand_answer(
    session: Session,
    ctx: OrgContext,
    member_id: uuid.UUID,
    answer: str,
    terms: Terms | None,
    now: datetime,
) -> CampaignCreator:
    """accept_counter (the creator's terms become the deal), offer (new terms for the creator
    to answer) or withdraw."""
    ctx.require_role(Role.MEMBER, "negotiate terms")
    member = repository.get_member(session, ctx.organisation.id, member_id)
    if member is None:
        raise NotFoundError(f"{ctx.organisation.name} has no such invited creator.")
    campaign = service.get_campaign(session, ctx, member.campaign_id, lock=True)
    service.require_status(campaign, ANSWERABLE, "negotiating terms")
    allowed = {
        "accept_counter": {MemberStatus.COUNTERED},
        "offer": {MemberStatus.COUNTERED, MemberStatus.INVITED},
        "withdraw": {MemberStatus.COUNTERED, MemberStatus.INVITED},
    }
    if answer not in allowed:
        raise InvalidError("Answer accept_counter, offer or withdraw.", field="answer")
    if member.status not in allowed[answer]:
        raise ConflictError(
            f"The invitation is {member.status.value}; {answer} needs it "
            f"{' or '.join(sorted(s.value for s in allowed[answer]))}.",
            field="answer",
        )
    detail: dict[str, Any] = {"member": str(member.id)}
    if answer == "accept_counter":
        member.terms = dict(member.counter_terms or {})
        detail["terms"] = member.terms
        _accept(session, campaign, member, now)
    elif answer == "offer":
        if terms is None:
            raise InvalidError("A new offer needs terms.", field="terms")
        member.terms = terms.model_dump()
        member.counter_terms = None
        member.status = MemberStatus.INVITED
        detail["terms"] = member.terms
    else:
        member.status = MemberStatus.WITHDRAWN
    session.flush()
    audit.record(
        session, ctx.organisation.id, campaign.id, ctx.user, f"terms.{answer}", now, **detail
    )
    return member
