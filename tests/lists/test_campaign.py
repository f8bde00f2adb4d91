"""Adding a list to a campaign: each member invited through the campaigns domain, the rest
skipped with the reason, one audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from microreach.campaigns import invitations
from microreach.campaigns import service as campaigns
from microreach.campaigns.enums import CampaignStatus
from microreach.campaigns.models import Campaign
from microreach.campaigns.schemas import CampaignIn, InviteIn, InviteTarget, Terms
from microreach.config import Settings
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from microreach.lists import invite, service
from microreach.lists.schemas import AddToCampaignIn, ListIn
from tests.factories import make_account, make_creator
from tests.lists.conftest import Team


def _campaign(session: Session, team: Team, **changes: object) -> Campaign:
    brief = {
        "name": "Spring",
        "goal": "sales",
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 4, 30),
        "budget_minor": 100_000,
        "currency": "EUR",
        "default_terms": Terms(flat_fee=5_000),
        **changes,
    }
    return campaigns.create_campaign(session, team.member, CampaignIn(**brief), utcnow())


def test_a_list_is_invited_in_one_step(session: Session, settings: Settings, team: Team) -> None:
    mail = make_account(session, creator=make_creator(session, contact_email="Ann@Example.com"))
    given = make_account(session)
    bad = make_account(session, creator=make_creator(session, contact_email="no-at-sign"))
    none = make_account(session)
    earlier = make_account(session)
    campaign = _campaign(session, team)
    invitations.invite(
        session,
        settings,
        team.member,
        campaign.id,
        InviteIn(creators=[InviteTarget(account_id=earlier.id, email="e@example.com")]),
        utcnow(),
    )
    list_id = service.create_list(session, team.member, ListIn(name="Spring"), utcnow()).id
    ids = [mail.id, given.id, bad.id, none.id, earlier.id]
    service.add_members(session, team.member, list_id, ids, utcnow())
    body = AddToCampaignIn(campaign_id=campaign.id, emails={given.id: "given@example.com"})
    result = invite.add_to_campaign(session, settings, team.member, list_id, body, utcnow())

    assert [(link.account.id, link.member.email) for link in result.links] == [
        (mail.id, "ann@example.com"),
        (given.id, "given@example.com"),
    ]
    reasons = {s.account_id: s.reason for s in result.skipped}
    assert set(reasons) == {bad.id, none.id, earlier.id}
    assert "not an email address" in reasons[bad.id]
    assert reasons[none.id].startswith("no contact email")
    assert reasons[earlier.id] == "already invited to Spring (invited)"
    members = invitations.members(session, team.viewer, campaign.id)
    assert {m.account_id for m in members} == {mail.id, given.id, earlier.id}
    assert all(m.terms["flat_fee"] == 5_000 for m in members)
    actions = [e.action for e in campaigns.audit_log(session, team.viewer, campaign.id)]
    assert actions.count("creator.invited") == 3 and actions.count("list.invited") == 1
    summary = next(
        e
        for e in campaigns.audit_log(session, team.viewer, campaign.id)
        if e.action == "list.invited"
    )
    assert summary.detail["list"] == "Spring" and len(summary.detail["skipped"]) == 3
    assert summary.actor.startswith("Max Member")

    # Again: everyone invited is skipped now, nothing changes.
    again = invite.add_to_campaign(session, settings, team.member, list_id, body, utcnow())
    assert again.links == [] and len(again.skipped) == 5


def test_the_campaigns_rules_decide(session: Session, settings: Settings, team: Team) -> None:
    account = make_account(session, creator=make_creator(session, contact_email="a@example.com"))
    list_id = service.create_list(session, team.member, ListIn(name="L"), utcnow()).id
    service.add_members(session, team.member, list_id, [account.id], utcnow())
    bare = _campaign(session, team, name="No terms", default_terms=None)
    with pytest.raises(InvalidError) as caught:
        invite.add_to_campaign(
            session, settings, team.member, list_id, AddToCampaignIn(campaign_id=bare.id), utcnow()
        )
    assert caught.value.field == "terms"
    with_terms = AddToCampaignIn(campaign_id=bare.id, terms=Terms(gift="Shoes"))
    done = invite.add_to_campaign(session, settings, team.member, list_id, with_terms, utcnow())
    assert [link.member.terms["gift"] for link in done.links] == ["Shoes"]

    closed = _campaign(session, team, name="Closed")
    campaigns.change_status(session, team.member, closed.id, CampaignStatus.ARCHIVED, utcnow())
    with pytest.raises(ConflictError):
        invite.add_to_campaign(
            session,
            settings,
            team.member,
            list_id,
            AddToCampaignIn(campaign_id=closed.id),
            utcnow(),
        )
    theirs = campaigns.create_campaign(
        session,
        team.other,
        CampaignIn(
            name="Theirs",
            goal="sales",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 2),
            budget_minor=1,
            currency="EUR",
        ),
        utcnow(),
    )
    with pytest.raises(NotFoundError):
        invite.add_to_campaign(
            session,
            settings,
            team.member,
            list_id,
            AddToCampaignIn(campaign_id=theirs.id),
            utcnow(),
        )
    with pytest.raises(ForbiddenError):
        invite.add_to_campaign(
            session, settings, team.viewer, list_id, AddToCampaignIn(campaign_id=bare.id), utcnow()
        )
