"""The journey of issue 9 in headless Chromium against the served app: a brand signs up,
searches, shortlists three creators, creates a campaign and invites the list; a creator signs
up (on a phone) and accepts; the brand makes the creator's tracked link, the creator finds it in
the portal and publishes a link-in-bio page, where a visitor taps it (through the real
redirect); after the rollup jobs the brand sees the click in the campaign report and downloads
the table as CSV. Every main page on the way is screenshot, checked with axe-core
and, on the phone, checked for sideways overflow.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from microreach.config import load_settings
from microreach.db.engine import make_engine
from microreach.db.session import Database
from microreach.links.tasks import SETTLE, rollup_clicks
from microreach.reports.tasks import refresh_click_days
from tests.e2e.support import (
    DESKTOP,
    PHONE,
    PHONE_USER_AGENT,
    LiveApp,
    Quality,
    htmx_settled,
    new_context,
)

PASSWORD = "journey-password-1"
BRAND_EMAIL = "bea@swift-shoes.example"
CAMPAIGN = "Spring trail launch"
SHORTLIST = "Spring shortlist"
LINK_TITLE = "Spring trail shoes"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass(frozen=True)
class Found:
    """A creator as a discovery result shows it."""

    handle: str
    creator_id: str
    account_id: str


@dataclass(frozen=True)
class Invitation:
    """An invitation as the list page shows it once (it is also mailed)."""

    handle: str
    email: str
    url: str


def sign_up_brand(page: Any, app: LiveApp, quality: Quality) -> None:
    page.goto(app.path("/sign-up"))
    quality.check(page, "sign-up")
    page.fill("#f-email", BRAND_EMAIL)
    page.fill("#f-display_name", "Bea Brand")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-organisation_name", "Swift Shoes")
    page.click("button[type=submit]:has-text('Create account')")
    page.wait_for_load_state("load")
    assert page.get_by_role("link", name="Swift Shoes").count() == 1, page.content()


def search(page: Any, app: LiveApp, quality: Quality) -> list[Found]:
    """Discovery, filtered by the form to micro creators with a contact email (invitations go
    there); the result rows as found."""
    page.goto(app.path("/discover"))
    with page.expect_response(re.compile(r"/discover\?")):
        page.select_option("#filter-tier", "micro")
    htmx_settled(page)
    with page.expect_response(re.compile(r"has_email=true")):
        page.select_option("#filter-email", "true")
    htmx_settled(page)
    page.wait_for_selector("#results tr a[href^='/creators/']")
    assert "tier=micro" in page.url and "has_email=true" in page.url
    quality.check(page, "discovery")
    found = []
    for row in page.query_selector_all("#results tbody tr:has(a[href^='/creators/'])"):
        profile = row.query_selector("a[href^='/creators/']")
        lookalikes = row.query_selector("a[href^='/discover/lookalikes/']")
        assert profile and lookalikes
        creator_id = profile.get_attribute("href").rsplit("/", 1)[1]
        account_id = lookalikes.get_attribute("href").rsplit("/", 1)[1]
        found.append(Found(profile.inner_text().lstrip("@"), creator_id, account_id))
    assert len(found) >= 3, f"only {len(found)} micro creators found"
    return found


def open_profile(page: Any, app: LiveApp, creator: Found, quality: Quality) -> None:
    """From the list, the creator's profile."""
    page.click(f"main a[href='/creators/{creator.creator_id}']")
    page.wait_for_url(app.path(f"/creators/{creator.creator_id}"))
    assert creator.handle in page.inner_text("main")
    quality.check(page, "creator-profile")


def create_campaign(page: Any, app: LiveApp, quality: Quality) -> str:
    """The new-campaign form; returns the campaign page's address."""
    today = datetime.now(UTC).date()
    page.goto(app.path("/campaigns"))
    page.fill("#f-name", CAMPAIGN)
    page.select_option("#f-goal", "traffic")
    page.fill("#f-starts_on", (today - timedelta(days=1)).isoformat())
    page.fill("#f-ends_on", (today + timedelta(days=30)).isoformat())
    page.fill("#f-budget", "3000")
    page.fill("#f-currency", "EUR")
    page.fill("#f-deliverables", "1 reel")
    page.fill("#f-flat_fee", "150")
    page.fill("#f-per_click", "0.50")
    page.click("button:has-text('Create draft campaign')")
    page.wait_for_url(re.compile(f"/campaigns/{_UUID}\\?done=created"))
    page.click("button:has-text('Make active')")
    page.wait_for_url(re.compile(r"done=status"))
    assert page.inner_text(".lede .pill") == "active"
    url: str = page.url.split("?")[0]
    return url


def shortlist(page: Any, app: LiveApp, creators: list[Found], quality: Quality) -> str:
    """Adds the creators to a new list with each row's Add to list control (htmx); returns the
    list page's address."""
    for n, creator in enumerate(creators):
        control = page.locator(f"#add-{creator.account_id}")
        control.get_by_role("link", name="Add to list").click()
        if n == 0:
            control.locator("input[name=new_list]").fill(SHORTLIST)
        else:
            assert (
                control.locator("select[name=list_id] option")
                .first.inner_text()
                .startswith(SHORTLIST)
            )
        control.get_by_role("button", name="Add").click()
        control.get_by_role("status").wait_for()
        assert SHORTLIST in control.inner_text()
    page.goto(app.path("/lists"))
    quality.check(page, "lists")
    page.get_by_role("link", name=SHORTLIST).first.click()
    page.wait_for_url(re.compile(f"/lists/{_UUID}$"))
    members = page.locator("section:has(#members-heading) tbody tr")
    assert members.count() == len(creators)
    for creator in creators:
        assert f"@{creator.handle}" in page.inner_text("section:has(#members-heading)")
    url: str = page.url
    return url


def invite_list(page: Any, list_url: str, quality: Quality) -> list[Invitation]:
    """Invites the whole list to the campaign at each creator's contact email; returns the
    invitations the page shows once."""
    page.goto(list_url)
    page.select_option("#f-campaign", label=f"{CAMPAIGN} (active)")
    page.click("button:has-text('Invite 3 creators')")
    page.wait_for_selector("#result-heading")
    assert CAMPAIGN in page.inner_text("#result-heading")
    found = []
    for item in page.locator("section:has(#result-heading) li").all():
        match = re.fullmatch(r"@(\S+) at (\S+) · invitation link", item.inner_text().strip())
        assert match, item.inner_text()
        url = item.get_by_role("link", name="invitation link").get_attribute("href")
        found.append(Invitation(match.group(1), match.group(2), url))
    assert len(found) == 3, page.inner_text("section:has(#result-heading)")
    quality.check(page, "list-invited")
    return found


def creator_accepts(page: Any, app: LiveApp, invitation: Invitation, quality: Quality) -> None:
    page.goto(app.path("/portal/sign-up"))
    quality.check(page, "portal-sign-up", phone=True)
    page.fill("#f-email", invitation.email)
    page.fill("#f-display_name", invitation.handle)
    page.fill("#f-password", PASSWORD)
    page.click("button:has-text('Create creator account')")
    page.wait_for_load_state("load")
    page.goto(invitation.url)
    assert CAMPAIGN in page.inner_text("h1")
    quality.check(page, "portal-invitation", phone=True)
    page.click("button:has-text('Accept these terms')")
    page.wait_for_load_state("load")
    assert "accepted" in page.inner_text(".lede"), page.inner_text("main")
    quality.check(page, "portal-campaign", phone=True)
    page.goto(app.path("/portal/campaigns"))
    assert CAMPAIGN in page.inner_text("main")
    quality.check(page, "portal", phone=True)


def brand_makes_link(page: Any, app: LiveApp, creator: Found, quality: Quality) -> str:
    """A tracked link for the creator in the campaign, made with the new-link form (choosing
    the creator fills the UTM fields); returns the short URL."""
    page.goto(app.path("/links/new"))
    page.fill("#f-destination", app.path("/discover"))
    page.fill("#f-title", LINK_TITLE)
    page.select_option("#f-campaign_id", label=f"{CAMPAIGN} (active)")
    with page.expect_response(re.compile(r"/links/new\?")):
        page.select_option("#f-creator_id", creator.creator_id)
    htmx_settled(page)
    assert page.input_value("#f-utm_content") == creator.handle
    quality.check(page, "link-new")
    page.click("button:has-text('Create link')")
    page.wait_for_url(re.compile(f"/links/{_UUID}\\?done=created"))
    short_url: str = page.inner_text("main p code")
    assert short_url.startswith(app.url + "/"), short_url
    return short_url


def creator_sees_link(page: Any, app: LiveApp, handle: str, short_url: str, q: Quality) -> str:
    """In the portal the creator finds the brand's link on their link-in-bio editor and
    publishes the page; returns the public page's address."""
    page.get_by_role("link", name="Link in bio").click()
    page.wait_for_url(app.path("/portal/bio"))
    assert short_url in page.inner_text("main"), page.inner_text("main")
    page.fill("#f-handle", handle)
    page.fill("#f-bio", "Trail running and slow fashion")
    page.click("button:has-text('Save page')")
    page.wait_for_url(re.compile(r"/portal/bio\?done=saved"))
    q.check(page, "portal-bio", phone=True)
    return app.path(f"/@{handle}")


def visitor_clicks(page: Any, app: LiveApp, bio_url: str, quality: Quality) -> None:
    """A person opens the creator's link-in-bio page on a phone, taps the link and lands on the
    destination with its UTM parameters, through the tracked short link."""
    page.goto(bio_url)
    quality.check(page, "bio-page", phone=True)
    page.get_by_role("link", name=LINK_TITLE).click()
    page.wait_for_url(re.compile(re.escape(app.path("/discover?"))))
    assert "utm_medium=influencer" in page.url


def roll_up_clicks(app: LiveApp, expected: int) -> None:
    """Waits for the redirect's writer to store the click, then runs what
    `python -m microreach.reports.tasks` runs: the links rollup, then the report read model."""
    database = Database.from_engine(make_engine(app.database_url))
    settings = load_settings(environ=app.env)
    try:
        deadline = time.monotonic() + 15
        count = 0
        while time.monotonic() < deadline:
            with database.engine.connect() as connection:
                count = connection.execute(sa.text("SELECT count(*) FROM clicks")).scalar_one()
            if count >= expected:
                break
            time.sleep(0.2)
        assert count == expected, f"{count} clicks stored, expected {expected}"
        with database.transaction() as session:
            # As the job will see it once the clicks have settled.
            rollup_clicks(session, settings, datetime.now(UTC) + SETTLE + timedelta(seconds=1))
            refresh_click_days(session)
    finally:
        database.engine.dispose()


def brand_sees_click(
    page: Any, campaign_url: str, invitation: Invitation, quality: Quality
) -> None:
    """The campaign page links to the report, whose creators table counts the human click."""
    page.goto(campaign_url)
    quality.check(page, "campaign")
    page.get_by_role("link", name="Report").first.click()
    page.wait_for_url(re.compile(f"/campaigns/{_UUID}/report$"))
    table = page.locator("#table-creators")
    # Text content, not inner text: the headers are upper-cased by the style sheet.
    headers = [h.strip() for h in table.locator("thead th").all_text_contents()]
    row = table.locator("tbody tr", has_text=f"@{invitation.handle}")
    cells = dict(zip(headers, row.locator("td").all_text_contents(), strict=True))
    assert cells["Human clicks"] == "1", cells
    page.wait_for_function("document.querySelectorAll('canvas').length > 0")
    quality.check(page, "campaign-report", top=1500)


def brand_downloads_csv(page: Any, invitation: Invitation) -> None:
    """The creators table's CSV, as downloaded from the report, has the same click."""
    with page.expect_download() as download_info:
        page.locator("#h-table-creators").get_by_role("link", name="CSV").click()
    path = download_info.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    # A cell starting with @ is quoted so that no spreadsheet reads it as a formula.
    mine = [row for row in rows if row["Creator"] == f"'@{invitation.handle}"]
    assert len(mine) == 1 and mine[0]["Human clicks"] == "1", rows


def test_a_brand_runs_a_campaign_and_sees_the_click(
    browser: Any, app: LiveApp, quality: Quality
) -> None:
    brand = new_context(browser, viewport=DESKTOP, accept_downloads=True)
    creator = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    visitor = new_context(browser, viewport=PHONE, user_agent=PHONE_USER_AGENT, is_mobile=True)
    try:
        shop = brand.new_page()
        sign_up_brand(shop, app, quality)
        chosen = search(shop, app, quality)[:3]
        list_url = shortlist(shop, app, chosen, quality)
        open_profile(shop, app, chosen[0], quality)
        campaign_url = create_campaign(shop, app, quality)
        invitations = invite_list(shop, list_url, quality)
        assert {i.handle for i in invitations} == {c.handle for c in chosen}

        accepted = invitations[0]
        phone = creator.new_page()
        creator_accepts(phone, app, accepted, quality)
        who = next(c for c in chosen if c.handle == accepted.handle)
        short_url = brand_makes_link(shop, app, who, quality)
        bio_url = creator_sees_link(phone, app, accepted.handle, short_url, quality)
        visitor_clicks(visitor.new_page(), app, bio_url, quality)
        roll_up_clicks(app, expected=1)

        brand_sees_click(shop, campaign_url, accepted, quality)
        brand_downloads_csv(shop, accepted)
    finally:
        for context in (brand, creator, visitor):
            context.close()
    quality.assert_clean()
