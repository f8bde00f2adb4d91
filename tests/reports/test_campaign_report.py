"""Every campaign metric against values computed by hand (tests/reports/campaign_world.py), and
the edge cases: no posts yet, zero cost, gifted-only creators, deleted posts, currencies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from microreach.campaigns import ledger
from microreach.config import Settings
from microreach.kit.errors import NotFoundError
from microreach.links.clickids import click_id_at
from microreach.links.models import Click
from microreach.links.tasks import rollup_clicks
from microreach.reports import repository, service
from microreach.reports.service import CampaignReport, CreatorLine
from tests.conversions.conftest import store_click
from tests.factories import make_account
from tests.reports import campaign_world
from tests.reports.campaign_world import DAY1, DAY2, World


@pytest.fixture
def world(session: Session) -> World:
    return campaign_world.build(session)


def _creator(report: CampaignReport, world: World, key: str) -> CreatorLine:
    creator_id = world.accounts[key].creator_id
    return next(c for c in report.creators if c.creator_id == creator_id)


def test_creator_a_by_hand(session: Session, world: World) -> None:
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    a = _creator(report, world, "a")
    m = a.metrics
    assert (a.tier, a.group, a.gifted_only) == ("micro", "micro", False)
    # P1 live (230 engagements, measured reach 3,000), P2 deleted (55, reach 2,000 estimated).
    assert m.posts_live == 1
    assert (m.reach, m.reach_estimated) == (5_000, True)
    assert (m.impressions, m.views, m.engagements) == (4_000, 1_000, 285)
    assert m.engagement_rate_followers == pytest.approx(285 / 20_000)
    assert m.engagement_rate_views == pytest.approx(55 / 1_000)
    assert (m.clicks_total, m.clicks_human, m.clicks_bot, m.clicks_unique) == (120, 100, 20, 80)
    assert m.ctr == pytest.approx(100 / 4_000)
    # Three conversions (one in USD), revenue only in EUR.
    assert (m.conversions, m.revenue) == (3, 8_000)
    assert m.conversion_rate == pytest.approx(3 / 100)
    # Cost: flat fee 10,000 + 100 clicks x 10.
    assert (a.fee_committed, a.fee_performance, a.gift_value, m.cost) == (10_000, 1_000, 0, 11_000)
    assert m.cpe == pytest.approx(11_000 / 285)
    assert m.cpc == pytest.approx(110)
    assert m.cpm == pytest.approx(11_000 / 4_000 * 1_000)
    assert m.cpa == pytest.approx(11_000 / 3)
    assert m.roas == pytest.approx(8_000 / 11_000)
    assert m.roi == pytest.approx(-3_000 / 11_000)
    # EMV with the default EUR table: P1 2,950-9,550; P2 1,200-4,000; clicks 5,000-20,000.
    assert a.emv is not None
    assert (a.emv.low, a.emv.high) == (9_150, 33_550)


def test_creator_b_and_missed_deliverable(session: Session, world: World) -> None:
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    b = _creator(report, world, "b")
    m = b.metrics
    assert (b.tier, b.group, b.platform) == ("mid", "larger", "tiktok")
    assert (m.posts_live, m.reach, m.reach_estimated) == (1, 15_000, False)
    assert (m.engagements, m.views, m.impressions) == (1_150, 20_000, 25_000)
    assert m.engagement_rate_followers == pytest.approx(1_150 / 200_000)
    # One of two deliverables missed: half the flat fee; 10% commission on 10,000.
    assert (b.deliverables, b.missed) == (2, 1)
    assert (b.fee_committed, b.fee_performance, m.cost) == (25_000, 1_000, 26_000)
    assert m.roas == pytest.approx(10_000 / 26_000)


def test_gifted_only_creator_has_zero_cost_and_no_ratios(session: Session, world: World) -> None:
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    c = _creator(report, world, "c")
    assert (c.gifted_only, c.group, c.metrics.cost, c.metrics.posts_live) == (True, "nano", 0, 0)
    for ratio in ("cpe", "cpc", "cpm", "cpa", "roas", "roi", "ctr", "conversion_rate"):
        assert getattr(c.metrics, ratio) is None, ratio
    assert c.metrics.engagement_rate_followers is None
    # Invited but never accepted: not in the report.
    handles = {line.handle for line in report.creators}
    assert world.accounts["d"].handle not in handles
    assert len(report.creators) == 3


def test_campaign_totals_by_hand(session: Session, world: World) -> None:
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    m = report.overall
    assert (m.creators, m.posts_live, m.reach, m.reach_estimated) == (3, 2, 20_000, True)
    assert (m.impressions, m.views, m.engagements) == (29_000, 21_000, 1_435)
    assert m.engagement_rate_followers == pytest.approx(1_435 / 220_000)
    assert m.engagement_rate_views == pytest.approx((55 + 1_150) / 21_000)
    # The link without a creator counts in the campaign's clicks.
    assert (m.clicks_total, m.clicks_human, m.clicks_bot, m.clicks_unique) == (185, 160, 25, 140)
    assert (m.conversions, m.revenue, m.cost) == (4, 18_000, 37_000)
    assert m.cpe == pytest.approx(37_000 / 1_435)
    assert m.cpc == pytest.approx(37_000 / 160)
    assert m.cpm == pytest.approx(37_000 / 29_000 * 1_000)
    assert m.cpa == pytest.approx(37_000 / 4)
    assert m.roi == pytest.approx((18_000 - 37_000) / 37_000)
    assert report.other_currency_revenue == {"USD": 1_000}
    assert report.emv is not None
    # A 9,150-33,550; B: P3 on TikTok (views 500-2,000 per 1,000) + 50 clicks; loose 10 clicks.
    b_low = (25_000 * 500 + 20_000 * 500 + 1_000 * 2_000 + 100 * 20_000 + 50 * 20_000) // 1000
    b_low += 50 * 50_000 // 1000
    b_high = 25_000 * 1_200 + 20_000 * 2_000 + 1_000 * 10_000 + 100 * 100_000 + 50 * 100_000
    b_high = b_high // 1000 + 50 * 200_000 // 1000
    assert report.emv.low == 9_150 + b_low + 10 * 50
    assert report.emv.high == 33_550 + b_high + 10 * 200


def test_performance_fees_match_the_campaign_ledger(session: Session, world: World) -> None:
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    lines = {
        line.creator_id: line
        for line in ledger.campaign_ledger(session, world.ctx, world.campaign.id)
    }
    for creator in report.creators:
        line = lines[creator.creator_id]
        assert creator.fee_performance == line.performance_earned
        assert creator.metrics.clicks_human == line.clicks
        assert creator.metrics.conversions == line.conversions
        assert creator.metrics.revenue == line.revenue


def test_time_series_breakdowns_and_growth(session: Session, world: World) -> None:
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    assert report.clicks_by_day == ((DAY1.date(), 70, 5), (DAY2.date(), 90, 20))
    countries = {value: (human, bot) for value, human, bot in report.breakdowns["country"]}
    assert countries == {"DE": (120, 0), "FR": (40, 0), "": (0, 25)}
    devices = {value: (human, bot) for value, human, bot in report.breakdowns["device"]}
    assert devices == {"mobile": (110, 0), "desktop": (50, 0), "bot": (0, 25)}
    referrers = {value: (human, bot) for value, human, bot in report.breakdowns["referrer"]}
    assert referrers == {"instagram.com": (100, 0), "tiktok.com": (50, 0), "": (10, 25)}
    # End of DAY1: P1 110 + P2 55; end of DAY2: P1 230 + P2 55 + P3 1,150.
    assert report.engagements_by_day == ((DAY1.date(), 165), (DAY2.date(), 1_435))
    p1 = next(p for p in report.posts if p.post_id == world.posts["p1"].id)
    assert [value for _, value in p1.growth] == [110, 230]
    assert (p1.captured_at, p1.source, p1.snapshots) == (DAY2, "api", 2)
    p2 = next(p for p in report.posts if p.post_id == world.posts["p2"].id)
    assert p2.deleted and p2.reach_estimated and p2.reach == 2_000
    assert report.conversions_by_day == ((DAY2.date(), 4, 18_000),)
    assert report.data_as_of is not None and report.data_as_of >= DAY2


def test_sales_by_day_are_summed_on_their_utc_day(session: Session, world: World) -> None:
    # 23:30 in New York on 3 March is 04:30 UTC on 4 March; USD sales count, revenue is EUR only.
    new_york = timezone(timedelta(hours=-5))
    late = datetime(2026, 3, 3, 23, 30, tzinfo=new_york)
    creator = world.accounts["a"].creator_id
    campaign_world.add_conversion(session, world.campaign, creator, 700, at=late)
    campaign_world.add_conversion(session, world.campaign, creator, 900, "USD", at=late)
    campaign_world.add_conversion(session, world.campaign, None, 100, at=DAY1)
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    assert report.conversions_by_day == (
        (DAY1.date(), 1, 100),
        (DAY2.date(), 4, 18_000),
        (date(2026, 3, 4), 2, 700),
    )
    newest = repository.newest_conversion(session, world.ctx.organisation.id, world.campaign.id)
    assert newest == late


def test_a_campaign_with_no_posts_yet(session: Session) -> None:
    ctx = campaign_world.context(session)
    campaign = campaign_world.make_campaign(session, ctx, currency="JPY")
    account = make_account(session, followers=5_000)
    campaign_world.add_member(session, campaign, account, {"flat_fee": 30_000})
    report = service.campaign_report(session, ctx, campaign.id)
    m = report.overall
    assert (m.posts_live, m.reach, m.engagements, m.impressions, m.views) == (
        0,
        0,
        None,
        None,
        None,
    )
    assert (m.cost, m.cpe, m.cpm, m.cpc, m.roas) == (30_000, None, None, None, 0.0)
    assert m.roi == pytest.approx(-1.0)
    assert report.clicks_by_day == () and report.engagements_by_day == ()
    # JPY has no default EMV table: n/a with a note, never a made-up number.
    assert report.emv is None
    assert any("no value table in JPY" in note for note in report.notes)
    document = service.campaign_document(session, ctx, campaign.id)
    assert document.currency == "JPY"
    assert document.table("posts").rows == ()


def test_another_organisation_cannot_read_the_report(session: Session, world: World) -> None:
    outsider = campaign_world.context(session)
    with pytest.raises(NotFoundError):
        service.campaign_report(session, outsider, world.campaign.id)


def test_new_data_invalidates_the_cache(session: Session, world: World, settings: Settings) -> None:
    first = service.campaign_report(session, world.ctx, world.campaign.id)
    again = service.campaign_report(session, world.ctx, world.campaign.id)
    assert again is first
    # A new snapshot: P3 gains 100 likes.
    campaign_world.snap(
        session, world.posts["p3"], DAY2 + timedelta(days=1), likes=1_100, comments=100, shares=50
    )
    second = service.campaign_report(session, world.ctx, world.campaign.id)
    assert second is not first
    assert second.overall.engagements == 1_535
    # New raw clicks, rolled up by the real jobs.
    now = datetime.now(UTC)
    for _ in range(3):
        store_click(
            session,
            Click(
                id=click_id_at(now),
                link_id=world.links["b"].id,
                occurred_at=now,
                recorded_at=now + timedelta(seconds=1),
                device="mobile",
                os="iOS",
                browser="Safari",
                is_bot=False,
                is_unique=True,
                method="GET",
            ),
        )
    rollup_clicks(session, settings, now + timedelta(minutes=5))
    campaign_world.roll_up(session, now + timedelta(minutes=5))
    third = service.campaign_report(session, world.ctx, world.campaign.id)
    assert third.overall.clicks_human == 163
    # A new conversion.
    campaign_world.add_conversion(session, world.campaign, world.accounts["b"].creator_id, 500)
    fourth = service.campaign_report(session, world.ctx, world.campaign.id)
    assert fourth.overall.conversions == 5


def test_the_document_carries_the_same_numbers(session: Session, world: World) -> None:
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    document = service.campaign_document(session, world.ctx, world.campaign.id)
    figures = {figure.key: figure for figure in document.headline}
    assert figures["engagements"].value == 1_435
    assert figures["cost"].value == 37_000
    assert figures["reach"].estimated and figures["reach"].value == 20_000
    assert figures["emv"].value is None
    assert (figures["emv"].low, figures["emv"].high) == (report.emv.low, report.emv.high)  # type: ignore[union-attr]
    creators = document.table("creators")
    assert {row["handle"] for row in creators.rows} == {f"@{c.handle}" for c in report.creators}
    assert document.table("by_country").rows[0]["value"] == "DE"
    assert [v.metric for v in document.verdicts] == ["cpe", "cpc", "conversion_rate", "roas"]
    assert all(not v.conclusive and "Too little data" in v.text for v in document.verdicts)
    assert document.data_as_of == report.data_as_of
    assert any("USD" in note for note in document.notes)


def test_the_read_model_job_is_idempotent_and_incremental_equals_full(
    session: Session, world: World, settings: Settings
) -> None:
    from sqlalchemy import delete, select

    from microreach.reports.models import ReportCampaignDay, ReportLinkDay, ReportState
    from microreach.reports.tasks import refresh_click_days

    def rows() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        links = session.execute(select(ReportLinkDay.__table__)).all()
        campaigns = session.execute(select(ReportCampaignDay.__table__)).all()
        return sorted(tuple(r) for r in links), sorted(tuple(r) for r in campaigns)

    version = session.scalar(select(ReportState.version))
    refresh_click_days(session)
    assert session.scalar(select(ReportState.version)) == version
    # New raw clicks on an old day, rolled up and refreshed incrementally ...
    now = datetime.now(UTC)
    store_click(
        session,
        Click(
            id=click_id_at(DAY1 + timedelta(minutes=5)),
            link_id=world.links["a"].id,
            occurred_at=DAY1 + timedelta(minutes=5),
            recorded_at=now + timedelta(seconds=1),
            country="IT",
            device="mobile",
            os="iOS",
            browser="Safari",
            is_bot=False,
            is_unique=True,
            method="GET",
        ),
    )
    rollup_clicks(session, settings, now + timedelta(minutes=5))
    refresh_click_days(session)
    assert session.scalar(select(ReportState.version)) == (version or 0) + 1
    incremental = rows()
    # ... equal a full rebuild.
    session.execute(delete(ReportState))
    refresh_click_days(session)
    assert rows() == incremental
    report = service.campaign_report(session, world.ctx, world.campaign.id)
    countries = {value: human for value, human, _ in report.breakdowns["country"]}
    assert countries["IT"] == 1


def test_marks_go_once_both_jobs_read_them_and_an_old_read_model_is_rebuilt(
    session: Session, world: World, settings: Settings
) -> None:
    """The click writers' marks (links.models.ClickMark) are deleted by the reports job once it
    has read them; the rollup job deletes marks older than MARKS_KEPT itself, and a read model
    whose watermark is that old (its marks may be gone) is rebuilt whole."""
    from sqlalchemy import func, select, update

    from microreach.links.models import ClickMark
    from microreach.links.tasks import MARKS_KEPT
    from microreach.reports.models import ReportState
    from microreach.reports.tasks import refresh_click_days

    def marks() -> int:
        return session.scalar(select(func.count()).select_from(ClickMark)) or 0

    now = datetime.now(UTC)
    store_click(
        session,
        Click(
            id=click_id_at(now), link_id=world.links["a"].id, occurred_at=now,
            recorded_at=now + timedelta(seconds=1), device="mobile", os="iOS", browser="Safari",
            is_bot=False, is_unique=True, method="GET",
        ),
    )  # fmt: skip
    refresh_click_days(session)
    rollup_clicks(session, settings, now + timedelta(minutes=5))
    assert marks() == 1  # read by the rollup job, not yet by the reports job
    assert refresh_click_days(session).link_days == 1
    assert marks() == 0
    # A mark older than MARKS_KEPT before the rollup's watermark goes with the rollup job.
    old = now - MARKS_KEPT - timedelta(hours=1)
    session.add(ClickMark(recorded_at=old, link_id=world.links["a"].id, hour=old.replace(minute=0)))
    session.flush()
    rollup_clicks(session, settings, now + timedelta(minutes=10))
    assert marks() == 0
    # A read model last refreshed more than MARKS_KEPT ago is rebuilt, not patched.
    session.execute(update(ReportState).values(recorded_until=now - MARKS_KEPT))
    assert refresh_click_days(session).link_days == -1
