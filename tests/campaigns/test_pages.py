"""The pages: campaign list and form, campaign page with every section, brand profile form,
and the creator portal's campaigns."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.campaigns.support import accepted, api, brand, form
from tests.factories import make_account
from tests.web.support import TestClient, is_local, references


def test_a_campaign_is_made_and_run_from_the_pages(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    account = make_account(session, handle="page.creator")
    shop = new_client()
    brand(shop)
    bad = form(
        shop,
        "/campaigns",
        {
            "name": "Launch",
            "starts_on": "2026-05-02",
            "ends_on": "2026-05-01",
            "budget": "10",
            "currency": "EUR",
        },
        page="/campaigns",
    )
    assert bad.status_code == 422 and "before it starts" in bad.text
    assert 'value="Launch"' in bad.text
    created = form(
        shop,
        "/campaigns",
        {
            "name": "Launch",
            "goal": "traffic",
            "starts_on": "2026-05-01",
            "ends_on": "2026-05-31",
            "budget": "2,500.50",
            "currency": "usd",
            "required_hashtags": "#Launch, #new",
            "deliverables": "1 reel + 2 stories",
            "flat_fee": "200",
            "commission_percent": "12.5",
            "disclosure_required": "1",
        },
        page="/campaigns",
    )
    assert created.status_code == 303, created.text
    page_path = created.headers["location"].split("?")[0]
    listing = shop.get("/campaigns").text
    assert "Launch" in listing and "2,500.50 USD" in listing
    invited = form(
        shop,
        f"{page_path}/invitations",
        {"account_ids": f"{account.id} pc@example.com"},
        page=page_path,
    )
    assert invited.status_code == 200, invited.text
    assert "Invitations sent by mail" in invited.text
    assert "http://127.0.0.1:8000/portal/invitations?token=" in invited.text
    started = form(shop, f"{page_path}/status", {"status": "active"}, page=page_path)
    assert started.status_code == 303
    skipped = form(shop, f"{page_path}/status", {"status": "draft"}, page=page_path)
    assert skipped.status_code == 409 and "The campaign is active" in skipped.text

    html = shop.get(page_path).text
    for text in (
        "Brief",
        "#launch",
        "1 reel + 2 story",
        "Fee: <strong>200.00 USD</strong>",
        "12.5% commission",
        "@page.creator",
        "pc@example.com",
        "invited",
        "Earnings ledger",
        "Audit log",
        "creator.invited",
        "campaign.status",
    ):
        assert text in html, text
    assert all(is_local(url) for url in references(html) if not url.startswith("https://"))


def test_the_brand_profile_form_checks_and_saves(new_client: Callable[[], TestClient]) -> None:
    shop = new_client()
    brand(shop)
    data = {
        "name": "Swift",
        "website": "https://swift.example",
        "niches": ["fitness", "fashion"],
        "countries": "de, AT",
        "languages": "de",
        "age_bands": ["18-24", "25-34"],
        "female": "60",
        "male": "40",
        "keywords": "running, trail",
        "competitors": "@fastfeet",
    }
    bad = form(shop, "/brands/profile", {**data, "countries": "Germany"}, page="/brands/profile")
    assert bad.status_code == 422 and "GERMANY: use two-letter country codes" in bad.text
    too_many = form(shop, "/brands/profile", {**data, "male": "50"}, page="/brands/profile")
    assert too_many.status_code == 422 and "add up to 110%" in too_many.text
    assert api(shop, "GET", "/api/v1/brand-profile").json()["countries"] == []

    saved = form(shop, "/brands/profile", data, page="/brands/profile")
    assert saved.status_code == 303
    profile = api(shop, "GET", "/api/v1/brand-profile").json()
    assert profile["countries"] == ["DE", "AT"] and profile["gender_shares"] == {
        "female": 60,
        "male": 40,
    }
    assert profile["niches"] == ["fitness", "fashion"] and profile["competitors"] == ["@fastfeet"]
    assert "Profile saved." in shop.get("/brands/profile?done=saved").text
    unknown = api(shop, "PUT", "/api/v1/brand-profile", {"name": "x", "niches": ["cars"]})
    assert unknown.status_code == 422 and "unknown niche" in unknown.text


def test_the_creator_portal_lists_invitations_deliverables_and_earnings(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    account = make_account(session)
    shop, cre = new_client(), new_client()
    brand(shop)
    _, page, items = accepted(shop, cre, str(account.id))

    listing = cre.get("/portal/campaigns").text
    assert "Spring running shoes" in listing and "Swift Shoes" in listing
    assert "reel: pending" in listing and "0.00 EUR" in listing
    detail = cre.get(page).text
    assert "Agreed fee 300.00 EUR" in detail and "Send draft for approval" in detail
    assert len(items) == 3


def test_the_brand_reviews_and_decides_from_the_campaign_page(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    account = make_account(session)
    shop, cre = new_client(), new_client()
    brand(shop)
    campaign, page, items = accepted(shop, cre, str(account.id))
    reel = next(d for d in items if d["kind"] == "reel")
    story = next(d for d in items if d["kind"] == "story")
    sent = form(cre, f"/portal/deliverables/{reel['id']}/drafts", {"text": "Draft one"}, page=page)
    assert sent.status_code == 303, sent.text
    again = form(cre, f"/portal/deliverables/{reel['id']}/drafts", {"text": "Two"}, page=page)
    assert again.status_code == 409 and "The deliverable is draft_submitted" in again.text
    drafts = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/drafts").json()
    brand_page = f"/campaigns/{campaign['id']}"
    assert "Draft one" in shop.get(brand_page).text

    review = form(
        shop,
        f"{brand_page}/drafts/{drafts[0]['id']}/review",
        {"decision": "changes_requested", "body": "Brighter, please."},
        page=brand_page,
    )
    assert review.status_code == 303, review.text
    assert "Brighter, please." in cre.get(page).text
    missed = form(
        shop,
        f"{brand_page}/deliverables/{story['id']}/decide",
        {"status": "missed"},
        page=brand_page,
    )
    assert missed.status_code == 303
    verify = form(
        shop,
        f"{brand_page}/deliverables/{reel['id']}/decide",
        {"status": "verified"},
        page=brand_page,
    )
    assert verify.status_code == 409 and "only a posted one can be verified" in verify.text
    statuses = {
        d["id"]: d["status"]
        for d in api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/deliverables").json()
    }
    assert statuses[reel["id"]] == "changes_requested" and statuses[story["id"]] == "missed"
