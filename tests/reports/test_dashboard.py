"""The dashboard: the organisation's active and draft campaigns with the report's headline
numbers, the same figures the campaign report shows; an empty state says what to do next."""

from __future__ import annotations

from sqlalchemy.orm import Session

from microreach.campaigns.money import format_amount
from microreach.config import Settings
from microreach.db.session import Database
from microreach.reports import service
from microreach.reports.views import dashboard_rows
from tests.reports.campaign_world import build, context
from tests.reports.report_support import owner_browser


def test_rows_carry_the_reports_headline_figures(session: Session) -> None:
    world = build(session)
    rows = dashboard_rows(session, world.ctx)
    assert [row.campaign_id for row in rows] == [world.campaign.id]
    overall = service.campaign_report(session, world.ctx, world.campaign.id).overall
    row = rows[0]
    assert (row.creators, row.posts_live, row.clicks, row.conversions) == (
        overall.creators,
        overall.posts_live,
        overall.clicks_human,
        overall.conversions,
    )
    assert row.cost == format_amount(overall.cost, world.campaign.currency)


def test_another_organisation_sees_an_empty_dashboard(session: Session) -> None:
    build(session)
    assert dashboard_rows(session, context(session)) == []


def test_the_page_links_each_campaign_and_its_report(
    session: Session, settings: Settings, database: Database
) -> None:
    with owner_browser(session, settings, database) as owner:
        page = owner.client.get("/dashboard")
        assert page.status_code == 200
        campaign_id = owner.world.campaign.id
        assert f"/campaigns/{campaign_id}/report" in page.text
        assert owner.world.campaign.name in page.text
