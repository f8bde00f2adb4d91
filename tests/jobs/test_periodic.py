"""The periodic jobs through `enqueue`: overdue deliverables marked missed by the system
(once), and the refresh taking campaign members first, then rescoring what it changed."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts.models import Organisation
from microreach.campaigns.enums import (
    CampaignStatus,
    DeliverableKind,
    DeliverableStatus,
    Goal,
    MemberStatus,
)
from microreach.campaigns.models import AuditEvent, Campaign, CampaignCreator, Deliverable
from microreach.connectors import tasks as connector_tasks
from microreach.creators.enums import Platform
from microreach.creators.models import PlatformAccount
from microreach.jobs import enqueue
from microreach.jobs.environment import Jobs
from microreach.lists.models import CreatorList, CreatorListMember
from microreach.scores import tasks as score_tasks
from microreach.scores.models import AccountScore
from tests.connectors.test_refresh import FakeConnector
from tests.factories import make_account

NOW = datetime(2026, 5, 10, 9, 30, tzinfo=UTC)
TODAY = NOW.date()


def _campaign(session: Session, status: CampaignStatus = CampaignStatus.ACTIVE) -> Campaign:
    slug = f"org-{uuid.uuid4().hex[:8]}"
    org = Organisation(name=slug, slug=slug)
    session.add(org)
    session.flush()
    campaign = Campaign(
        organisation_id=org.id,
        name="Spring",
        status=status,
        goal=Goal.SALES,
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 6, 30),
        budget_minor=100_000,
        currency="EUR",
    )
    session.add(campaign)
    session.flush()
    return campaign


def _member(
    session: Session,
    campaign: Campaign,
    account: PlatformAccount | None = None,
    status: MemberStatus = MemberStatus.ACCEPTED,
) -> CampaignCreator:
    account = account or make_account(session)
    member = CampaignCreator(
        organisation_id=campaign.organisation_id,
        campaign_id=campaign.id,
        creator_id=account.creator_id,
        platform_account_id=account.id,
        email="c@example.com",
        status=status,
        invite_expires_at=NOW + timedelta(days=14),
    )
    session.add(member)
    session.flush()
    return member


def _deliverable(
    session: Session, member: CampaignCreator, due_on: date, status: DeliverableStatus
) -> Deliverable:
    item = Deliverable(
        organisation_id=member.organisation_id,
        campaign_id=member.campaign_id,
        member_id=member.id,
        kind=DeliverableKind.REEL,
        due_on=due_on,
        status=status,
    )
    session.add(item)
    session.flush()
    return item


def _events(session: Session, campaign_ids: list[uuid.UUID]) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.campaign_id.in_(campaign_ids))
    return list(session.scalars(query))


@pytest.fixture
def at_now(inline_jobs: Jobs) -> Jobs:
    inline_jobs.clock = lambda: NOW
    return inline_jobs


def test_overdue_deliverables_without_a_live_post_are_marked_missed_by_the_system(
    at_now: Jobs, session: Session
) -> None:
    active = _campaign(session)
    member = _member(session, active)
    yesterday, today = TODAY - timedelta(days=1), TODAY
    due: dict[str, Any] = {
        "pending": _deliverable(session, member, yesterday, DeliverableStatus.PENDING),
        "approved": _deliverable(
            session, member, yesterday - timedelta(days=3), DeliverableStatus.APPROVED
        ),
        "changes": _deliverable(session, member, yesterday, DeliverableStatus.CHANGES_REQUESTED),
    }
    kept = {
        "due today": _deliverable(session, member, today, DeliverableStatus.PENDING),
        "posted": _deliverable(session, member, yesterday, DeliverableStatus.POSTED),
        "verified": _deliverable(session, member, yesterday, DeliverableStatus.VERIFIED),
    }
    completed = _campaign(session, CampaignStatus.COMPLETED)
    old = _member(session, completed)
    kept["completed campaign"] = _deliverable(session, old, yesterday, DeliverableStatus.PENDING)
    session.commit()
    before = {name: item.status for name, item in kept.items()}

    assert enqueue("campaigns.mark_missed_deliverables").state == "ran"

    session.expire_all()
    assert {name: item.status for name, item in due.items()} == dict.fromkeys(
        due, DeliverableStatus.MISSED
    )
    assert {name: item.status for name, item in kept.items()} == before
    events = _events(session, [active.id, completed.id])
    assert len(events) == len(due)
    for event in events:
        assert (event.actor, event.actor_id, event.action) == ("system", None, "deliverable.status")
        assert event.detail["after"] == "missed" and event.detail["by_hand"] is False
        assert event.at == NOW
    assert {e.detail["deliverable"] for e in events} == {str(d.id) for d in due.values()}
    assert {e.detail["before"] for e in events} == {"pending", "approved", "changes_requested"}


def test_marking_missed_twice_changes_nothing_the_second_time(
    at_now: Jobs, session: Session
) -> None:
    campaign = _campaign(session)
    item = _deliverable(
        session, _member(session, campaign), TODAY - timedelta(days=2), DeliverableStatus.PENDING
    )
    session.commit()
    enqueue("campaigns.mark_missed_deliverables")
    enqueue("campaigns.mark_missed_deliverables")
    session.expire_all()
    assert item.status is DeliverableStatus.MISSED
    assert len(_events(session, [campaign.id])) == 1


def test_the_refresh_takes_campaign_members_first_then_rescores_what_changed(
    at_now: Jobs, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = sorted((make_account(session) for _ in range(5)), key=lambda a: str(a.id))
    member, invited, declined = accounts[-1], accounts[-2], accounts[-3]
    campaign = _campaign(session)
    _member(session, campaign, member)
    _member(session, campaign, invited, MemberStatus.INVITED)
    _member(session, campaign, declined, MemberStatus.DECLINED)
    session.commit()
    fake = FakeConnector(Platform.INSTAGRAM)
    monkeypatch.setattr(
        connector_tasks, "connectors_for", lambda *_a, **_k: {Platform.INSTAGRAM: fake}
    )

    assert enqueue("connectors.refresh_due", limit=10).state == "ran"

    asked = [ref.handle for ref in fake.asked]
    assert set(asked[:2]) == {member.handle, invited.handle}
    assert set(asked[2:]) == {a.handle for a in accounts[:3]}
    ids = [a.id for a in accounts]
    scored = session.scalars(sa.select(AccountScore).where(AccountScore.account_id.in_(ids)))
    assert {row.account_id for row in scored} == set(ids)


def test_the_scoring_job_scores_new_accounts_a_limited_number_per_run(
    at_now: Jobs, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = {make_account(session).id for _ in range(5)}
    session.commit()
    monkeypatch.setattr(score_tasks, "LIMIT", 3)

    def stored() -> set[uuid.UUID]:
        query = sa.select(AccountScore.account_id).where(AccountScore.account_id.in_(ids))
        return set(session.scalars(query))

    assert enqueue("scores.rescore").state == "ran"
    assert len(stored()) == 3
    assert enqueue("scores.rescore").state == "ran"
    assert stored() == ids
    computed = session.scalars(sa.select(AccountScore.computed_at)).all()
    assert enqueue("scores.rescore").state == "ran"
    assert session.scalars(sa.select(AccountScore.computed_at)).all() == computed
    assert set(computed) == {NOW}


def test_the_refresh_job_without_a_platform_does_nothing(at_now: Jobs, session: Session) -> None:
    assert connector_tasks.connectors_for(at_now.database, at_now.settings) == {}
    assert enqueue("connectors.refresh_due").state == "ran"


def test_the_refresh_job_refuses_unknown_platforms(at_now: Jobs) -> None:
    from microreach.kit.errors import InvalidError

    with pytest.raises(InvalidError) as info:
        enqueue("connectors.refresh_due", platforms=["myspace"])
    assert info.value.field == "platforms.0"


def test_the_rollup_job_moves_the_watermark(at_now: Jobs, session: Session) -> None:
    from microreach.links import repository as links_repository
    from microreach.links.service import ROLLUP_NAME
    from microreach.links.tasks import SETTLE

    assert enqueue("links.rollup_clicks").state == "ran"
    assert links_repository.rollup_watermark(session, ROLLUP_NAME) == NOW - SETTLE


def test_shortlisted_accounts_come_second_after_campaign_members(session: Session) -> None:
    member, listed, both = (make_account(session) for _ in range(3))
    campaign = _campaign(session)
    _member(session, campaign, member)
    _member(session, campaign, both)
    shortlist = CreatorList(
        organisation_id=campaign.organisation_id, name="Summer", name_key="summer"
    )
    session.add(shortlist)
    session.flush()
    for position, account in enumerate((listed, both)):
        session.add(
            CreatorListMember(
                list_id=shortlist.id,
                account_id=account.id,
                organisation_id=campaign.organisation_id,
                position=position,
                added_by="Bea",
            )
        )
    session.flush()

    first, second = connector_tasks.priority_groups(session)
    assert {member.id, both.id} <= first
    assert listed.id in second and both.id not in second


def test_the_retention_job_runs_inline_and_does_nothing_at_zero(at_now: Jobs) -> None:
    assert enqueue("privacy.apply_retention").state == "ran"


def test_the_report_read_model_job_is_registered_and_scheduled_after_the_rollup(
    at_now: Jobs,
) -> None:
    from microreach.jobs import scheduler as scheduling

    assert enqueue("reports.refresh_click_days").state == "ran"
    names = [p.job for p in scheduling.periodic_jobs(at_now.settings)]
    assert names.index("reports.refresh_click_days") == names.index("links.rollup_clicks") + 1
