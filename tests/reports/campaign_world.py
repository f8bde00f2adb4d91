"""A small campaign whose every figure is computed by hand in tests/reports/test_campaign_report.py.

Creator A (micro, Instagram, 10,000 followers): flat fee 100.00 EUR + 0.10 per click, two
deliverables matched to posts P1 (live) and P2 (deleted); 100 human clicks (80 unique) and 20
bot clicks; conversions 50.00 + 30.00 EUR and 10.00 USD.
Creator B (mid, TikTok, 200,000 followers): flat fee 500.00 EUR + 10% commission, two
deliverables, one matched to P3, one missed; 50 human clicks; one conversion of 100.00 EUR.
Creator C (nano, 500 followers): gifted only, no deliverable. Creator D: invited, never
accepted (not in the report). A campaign link without a creator: 10 human clicks (10 unique),
5 bot clicks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.accounts.models import Organisation
from microreach.campaigns.enums import (
    CampaignStatus,
    DeliverableKind,
    DeliverableStatus,
    Goal,
    MemberStatus,
)
from microreach.campaigns.models import Campaign, CampaignCreator, Deliverable
from microreach.conversions.models import AttributionRule, Conversion, ConversionSource
from microreach.creators.enums import DataSource, Platform
from microreach.creators.models import PlatformAccount, Post, PostSnapshot
from microreach.links.models import ClickRollup, Link, RollupState
from microreach.links.service import ROLLUP_NAME
from microreach.reports.tasks import refresh_click_days
from tests.accounts.support import make_organisation, make_user
from tests.factories import make_account, make_post

DAY1 = datetime(2026, 3, 2, 10, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 15, tzinfo=UTC)


@dataclass
class World:
    organisation: Organisation
    ctx: OrgContext
    campaign: Campaign
    accounts: dict[str, PlatformAccount]
    posts: dict[str, Post]
    links: dict[str, Link | Any]


def context(session: Session, organisation: Organisation | None = None) -> OrgContext:
    organisation = organisation or make_organisation(session)
    return OrgContext(organisation, make_user(session), Role.OWNER)


def make_campaign(session: Session, ctx: OrgContext, **changes: Any) -> Campaign:
    values: dict[str, Any] = {
        "organisation_id": ctx.organisation.id,
        "name": "Spring run",
        "status": CampaignStatus.ACTIVE,
        "goal": Goal.SALES,
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 3, 31),
        "budget_minor": 1_000_000,
        "currency": "EUR",
    }
    values.update(changes)
    campaign = Campaign(**values)
    session.add(campaign)
    session.flush()
    return campaign


def add_member(
    session: Session,
    campaign: Campaign,
    account: PlatformAccount,
    terms: dict[str, Any],
    status: MemberStatus = MemberStatus.ACCEPTED,
) -> CampaignCreator:
    member = CampaignCreator(
        organisation_id=campaign.organisation_id,
        campaign_id=campaign.id,
        creator_id=account.creator_id,
        platform_account_id=account.id,
        email=f"{account.handle}@example.com",
        status=status,
        terms=terms,
        invite_expires_at=DAY1 + timedelta(days=30),
    )
    session.add(member)
    session.flush()
    return member


def add_deliverable(
    session: Session,
    member: CampaignCreator,
    post: Post | None,
    status: DeliverableStatus = DeliverableStatus.VERIFIED,
) -> Deliverable:
    item = Deliverable(
        organisation_id=member.organisation_id,
        campaign_id=member.campaign_id,
        member_id=member.id,
        kind=DeliverableKind.POST,
        due_on=date(2026, 3, 20),
        status=status,
        post_id=post.id if post else None,
        post_url=post.url if post else None,
    )
    session.add(item)
    session.flush()
    return item


def snap(session: Session, post: Post, at: datetime, **counts: int | None) -> None:
    session.add(PostSnapshot(post_id=post.id, captured_at=at, source=DataSource.API, **counts))
    session.flush()


def add_link(session: Session, campaign: Campaign, creator_id: uuid.UUID | None) -> Link:
    link = Link(
        organisation_id=campaign.organisation_id,
        slug=f"r{uuid.uuid4().hex[:10]}",
        destination="https://shop.example.com/",
        creator_id=creator_id,
        campaign_id=campaign.id,
    )
    session.add(link)
    session.flush()
    return link


def add_clicks(
    session: Session,
    link: Link,
    hour: datetime,
    clicks: int,
    uniques: int,
    *,
    bot: bool = False,
    country: str = "",
    device: str = "mobile",
    referrer: str = "",
) -> None:
    session.add(
        ClickRollup(
            link_id=link.id,
            hour=hour,
            country=country,
            device=device,
            referrer=referrer,
            is_bot=bot,
            clicks=clicks,
            uniques=uniques,
        )
    )
    session.flush()


def add_conversion(
    session: Session,
    campaign: Campaign,
    creator_id: uuid.UUID | None,
    amount: int,
    currency: str = "EUR",
    at: datetime = DAY2,
) -> None:
    session.add(
        Conversion(
            organisation_id=campaign.organisation_id,
            order_id=f"o-{uuid.uuid4().hex[:12]}",
            source=ConversionSource.API,
            amount_minor=amount,
            currency=currency,
            occurred_at=at,
            recorded_at=at,
            rule=AttributionRule.LAST_CLICK,
            creator_id=creator_id,
            campaign_id=campaign.id,
        )
    )
    session.flush()


def roll_up(session: Session, until: datetime | None = None) -> None:
    """Mark the clicks as rolled up until `until` and refresh the report read model."""
    until = until or datetime.now(UTC)
    state = session.get(RollupState, ROLLUP_NAME)
    if state is None:
        session.add(RollupState(name=ROLLUP_NAME, recorded_until=until))
    else:
        state.recorded_until = max(state.recorded_until, until)
    session.flush()
    refresh_click_days(session)


def build(session: Session, ctx: OrgContext | None = None) -> World:
    ctx = ctx or context(session)
    campaign = make_campaign(session, ctx)
    a = make_account(session, handle=f"alpha{uuid.uuid4().hex[:6]}", followers=10_000)
    b = make_account(
        session, handle=f"bravo{uuid.uuid4().hex[:6]}", followers=200_000, platform=Platform.TIKTOK
    )
    c = make_account(session, handle=f"charlie{uuid.uuid4().hex[:6]}", followers=500)
    d = make_account(session, handle=f"delta{uuid.uuid4().hex[:6]}", followers=50_000)
    ma = add_member(session, campaign, a, {"flat_fee": 10_000, "per_click": 10})
    mb = add_member(session, campaign, b, {"flat_fee": 50_000, "commission_bp": 1_000})
    add_member(session, campaign, c, {"gift": "Running shoes"})
    add_member(session, campaign, d, {"flat_fee": 99_999}, MemberStatus.INVITED)

    p1 = make_post(session, a, url="https://www.instagram.com/p/one/", posted_at=DAY1)
    p2 = make_post(
        session, a, url="https://www.instagram.com/p/two/", posted_at=DAY1, deleted_at=DAY2
    )
    p3 = make_post(session, b, url="https://www.tiktok.com/@b/video/3", posted_at=DAY1)
    add_deliverable(session, ma, p1)
    add_deliverable(session, ma, p2)
    add_deliverable(session, mb, p3)
    add_deliverable(session, mb, None, DeliverableStatus.MISSED)
    snap(session, p1, DAY1 + timedelta(hours=2), likes=100, comments=10)
    snap(
        session,
        p1,
        DAY2,
        likes=200,
        comments=20,
        shares=5,
        saves=5,
        reach=3_000,
        impressions=4_000,
    )
    snap(session, p2, DAY1 + timedelta(hours=3), likes=50, comments=5, views=1_000)
    snap(
        session,
        p3,
        DAY2 + timedelta(hours=1),
        likes=1_000,
        comments=100,
        shares=50,
        views=20_000,
        reach=15_000,
        impressions=25_000,
    )

    la = add_link(session, campaign, a.creator_id)
    lb = add_link(session, campaign, b.creator_id)
    loose = add_link(session, campaign, None)
    add_clicks(session, la, DAY1, 60, 50, country="DE", referrer="instagram.com")
    add_clicks(session, la, DAY2, 40, 30, country="FR", referrer="instagram.com")
    add_clicks(session, la, DAY2, 20, 20, bot=True, device="bot")
    add_clicks(session, lb, DAY2, 50, 50, country="DE", device="desktop", referrer="tiktok.com")
    add_clicks(session, loose, DAY1, 10, 10, country="DE")
    add_clicks(session, loose, DAY1, 5, 5, bot=True, device="bot")
    add_conversion(session, campaign, a.creator_id, 5_000)
    add_conversion(session, campaign, a.creator_id, 3_000)
    add_conversion(session, campaign, a.creator_id, 1_000, "USD")
    add_conversion(session, campaign, b.creator_id, 10_000)
    roll_up(session)
    return World(
        organisation=ctx.organisation,
        ctx=ctx,
        campaign=campaign,
        accounts={"a": a, "b": b, "c": c, "d": d},
        posts={"p1": p1, "p2": p2, "p3": p3},
        links={"a": la, "b": lb, "loose": loose},
    )
