"""The journey of issue 9 in headless Chromium against the served app: a brand signs up,
searches, picks three creators, creates a campaign and invites them; a creator signs in (on a
phone) and accepts; the creator's tracked link is clicked through the real redirect; the brand
sees the click on the campaign page and downloads the CSV. Every main page on the way is
screenshot, checked with axe-core and, on the phone, checked for sideways overflow.
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
from tests.e2e.support import DESKTOP, PHONE, PHONE_USER_AGENT, LiveApp, Quality

PASSWORD = "journey-password-1"
BRAND_EMAIL = "bea@swift-shoes.example"
CAMPAIGN = "Spring trail launch"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass(frozen=True)
class Found:
    """A creator as a discovery result shows it."""

    handle: str
    creator_id: str
    account_id: str

    @property
    def email(self) -> str:
        return f"{self.handle.replace('.', '-')}@creators.example"


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
    """Discovery, filtered to micro creators by the form; the result rows as found."""
    page.goto(app.path("/discover"))
    with page.expect_response(re.compile(r"/discover\?")):
        page.select_option("#filter-tier", "micro")
    page.wait_for_selector("#results tr a[href^='/creators/']")
    assert "tier=micro" in page.url
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


def open_profile(page: Any, creator: Found, quality: Quality) -> None:
    page.click(f"#results a[href='/creators/{creator.creator_id}']")
    page.wait_for_url(re.compile(f"/creators/{creator.creator_id}$"))
    assert creator.handle in page.inner_text("main")
    quality.check(page, "creator-profile")
    page.go_back()


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


def invite(page: Any, campaign_url: str, creators: list[Found], quality: Quality) -> list[str]:
    """Invites each creator by platform account and email; returns the invitation links the
    page shows once (they are also mailed)."""
    page.goto(campaign_url)
    lines = "\n".join(f"{c.account_id} {c.email}" for c in creators)
    page.fill("#f-account_ids", lines)
    page.click("button:has-text('Send invitations')")
    page.wait_for_selector("text=Invitations sent by mail")
    urls = [code.inner_text() for code in page.query_selector_all(".notice code")]
    assert len(urls) == len(creators), urls
    for creator in creators:
        assert f"@{creator.handle}" in page.inner_text(".notice")
    quality.check(page, "campaign-invited")
    return urls


def creator_accepts(page: Any, app: LiveApp, creator: Found, url: str, quality: Quality) -> None:
    page.goto(app.path("/portal/sign-up"))
    quality.check(page, "portal-sign-up", phone=True)
    page.fill("#f-email", creator.email)
    page.fill("#f-display_name", creator.handle)
    page.fill("#f-password", PASSWORD)
    page.click("button:has-text('Create creator account')")
    page.wait_for_load_state("load")
    page.goto(url)
    assert CAMPAIGN in page.inner_text("h1")
    quality.check(page, "portal-invitation", phone=True)
    page.click("button:has-text('Accept these terms')")
    page.wait_for_load_state("load")
    assert "accepted" in page.inner_text(".lede"), page.inner_text("main")
    quality.check(page, "portal-campaign", phone=True)
    page.goto(app.path("/portal/campaigns"))
    assert CAMPAIGN in page.inner_text("main")
    quality.check(page, "portal", phone=True)


def brand_makes_link(page: Any, app: LiveApp, campaign_url: str, creator: Found) -> str:
    """A tracked link for the creator in the campaign, made from the signed-in page with its
    CSRF token; returns the short URL."""
    page.goto(campaign_url)
    token = page.input_value("input[name=csrf_token] >> nth=0")
    response = page.request.post(
        app.path("/api/v1/links"),
        data={
            "destination": app.path("/discover"),
            "creator_id": creator.creator_id,
            "campaign_id": campaign_url.rsplit("/", 1)[1],
            "title": "Spring trail shoes",
        },
        headers={"X-CSRF-Token": token},
    )
    assert response.status == 201, response.text()
    short_url: str = response.json()["short_url"]
    page.goto(app.path("/links"))
    assert short_url in page.content()
    return short_url


def visitor_clicks(page: Any, app: LiveApp, short_url: str) -> None:
    """A person opens the short link on a phone and lands on the destination with its UTM."""
    page.goto(short_url)
    assert page.url.startswith(app.path("/discover?")), page.url
    assert "utm_medium=influencer" in page.url


def roll_up_clicks(app: LiveApp, expected: int) -> None:
    """Waits for the redirect's writer to store the click, then runs the hourly rollup task."""
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
    finally:
        database.engine.dispose()


def brand_sees_click(page: Any, campaign_url: str, creator: Found, quality: Quality) -> None:
    page.goto(campaign_url)
    row = page.locator("section:has(h2:text('Earnings ledger')) tbody tr", has_text=creator.handle)
    cells = row.locator("td").all_inner_texts()
    assert cells[4] == "1", cells  # the Clicks column
    assert cells[6] == "0.50 EUR", cells  # performance: one click at 0.50 EUR
    quality.check(page, "campaign")


def brand_downloads_csv(page: Any, creator: Found) -> None:
    with page.expect_download() as download_info:
        page.click("text=Download the payout export (CSV)")
    path = download_info.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    mine = [row for row in rows if row["handle"] == creator.handle]
    assert len(mine) == 1 and mine[0]["clicks"] == "1", rows
    assert mine[0]["campaign"] == CAMPAIGN


def test_a_brand_runs_a_campaign_and_sees_the_click(
    browser: Any, app: LiveApp, quality: Quality
) -> None:
    brand = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    creator = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    visitor = browser.new_context(viewport=PHONE, user_agent=PHONE_USER_AGENT, is_mobile=True)
    try:
        shop = brand.new_page()
        sign_up_brand(shop, app, quality)
        found = search(shop, app, quality)
        chosen = found[:3]
        open_profile(shop, chosen[0], quality)
        campaign_url = create_campaign(shop, app, quality)
        urls = invite(shop, campaign_url, chosen, quality)

        creator_accepts(creator.new_page(), app, chosen[0], urls[0], quality)
        short_url = brand_makes_link(shop, app, campaign_url, chosen[0])
        visitor_clicks(visitor.new_page(), app, short_url)
        roll_up_clicks(app, expected=1)

        brand_sees_click(shop, campaign_url, chosen[0], quality)
        brand_downloads_csv(shop, chosen[0])
    finally:
        for context in (brand, creator, visitor):
            context.close()
    quality.assert_clean()
