"""The whole campaign flow through HTTP: a brand signs up, creates and starts a campaign,
invites two creators; one counter-offers and is accepted, submits a draft that is approved,
registers the live post, the check flags the missing #ad, and the ledger shows the fee."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators.enums import Platform
from tests.campaigns.support import PNG, api, brand, create_campaign, creator, form
from tests.factories import make_account
from tests.web.support import TestClient


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _mail_to(settings: Settings, email: str) -> str:
    for path in sorted(Path(settings.data_dir, "mail").glob("*.eml")):
        text = path.read_text()
        if f"To: {email}" in text:
            return text
    raise AssertionError(f"no mail to {email}")


def test_the_whole_flow(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> None:
    sunny = make_account(session, platform=Platform.INSTAGRAM, handle="sunny.runs")
    other = make_account(session, platform=Platform.TIKTOK, handle="miles.moves")
    shop, cre, cre2 = new_client(), new_client(), new_client()

    brand(shop)
    campaign = create_campaign(shop)
    assert campaign["status"] == "draft" and campaign["budget_minor"] == 500_000
    started = api(shop, "POST", f"/api/v1/campaigns/{campaign['id']}/status", {"status": "active"})
    assert started.json()["status"] == "active"

    invited = api(
        shop,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/invitations",
        {
            "creators": [
                {"account_id": str(sunny.id), "email": "sunny@example.com"},
                {
                    "account_id": str(other.id),
                    "email": "miles@example.com",
                    "terms": {"flat_fee": 20_000},
                },
            ]
        },
    )
    assert invited.status_code == 201, invited.text
    first, second = invited.json()
    assert first["member"]["status"] == "invited" and first["member"]["handle"] == "sunny.runs"
    mail = _mail_to(settings, "sunny@example.com")
    assert first["url"] in mail and "a fee of 300.00 EUR; 0.10 EUR per click" in mail

    # The first creator signs up, opens the link, sees the terms and counter-offers.
    creator(cre, "sunny@example.com")
    link = _path(first["url"])
    page = cre.get(link)
    assert (
        page.status_code == 200 and "Swift Shoes invites you to Spring running shoes" in page.text
    )
    assert "300.00 EUR" in page.text and "#runfree" in page.text
    countered = form(
        cre,
        "/portal/invitations",
        {
            "token": link.split("token=")[1],
            "answer": "counter",
            "flat_fee": "450",
            "per_click": "0.10",
            "note": "Reels take a day to shoot.",
        },
        page=link,
    )
    assert countered.status_code == 303, countered.text
    member_page = countered.headers["location"].split("?")[0]

    # Replaying the spent link changes nothing.
    replay = cre.get(link)
    assert replay.status_code == 409 and "was used already" in replay.text

    # The second creator declines.
    creator(cre2, "miles@example.com")
    link2 = _path(second["url"])
    declined = form(
        cre2,
        "/portal/invitations",
        {"token": link2.split("token=")[1], "answer": "decline"},
        page=link2,
    )
    assert declined.status_code == 303

    # The brand accepts the counter-offer: the creator's terms become the deal.
    member_id = first["member"]["id"]
    accepted = api(
        shop, "POST", f"/api/v1/campaign-creators/{member_id}/answer", {"answer": "accept_counter"}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["terms"]["flat_fee"] == 45_000
    again = api(
        shop, "POST", f"/api/v1/campaign-creators/{member_id}/answer", {"answer": "accept_counter"}
    )
    assert again.status_code == 409 and "The invitation is accepted" in again.json()["detail"]
    members = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/creators").json()
    assert {m["handle"]: m["status"] for m in members} == {
        "sunny.runs": "accepted",
        "miles.moves": "declined",
    }

    items = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/deliverables").json()
    assert sorted(d["kind"] for d in items) == ["reel", "story", "story"]
    reel = next(d for d in items if d["kind"] == "reel")
    assert reel["status"] == "pending" and reel["due_on"] == "2026-04-30"

    # The creator submits a draft with an image; the brand approves it.
    portal = cre.get(member_page).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', portal)
    assert csrf
    sent = cre.post(
        f"/portal/deliverables/{reel['id']}/drafts",
        data={"text": "New shoes! #RunFree @swiftshoes", "csrf_token": csrf.group(1)},
        files={"media": ("shot.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    drafts = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/drafts").json()
    assert drafts[0]["media_type"] == "image/png" and drafts[0]["version"] == 1
    image = shop.get(f"/api/v1/drafts/{drafts[0]['id']}/media")
    assert image.status_code == 200 and image.content == PNG
    assert cre.get(f"/portal/drafts/{drafts[0]['id']}/media").content == PNG
    approved = api(
        shop,
        "POST",
        f"/api/v1/drafts/{drafts[0]['id']}/reviews",
        {"decision": "approved", "body": "Love it."},
    )
    assert approved.status_code == 201, approved.text

    # The creator registers the live post without #ad: the check flags it.
    post_url = "https://www.instagram.com/reel/C0ffee123/"
    posted = form(
        cre,
        f"/portal/deliverables/{reel['id']}/post",
        {"post_url": post_url, "caption": "New shoes! #RunFree @swiftshoes"},
        page=member_page,
    )
    assert posted.status_code == 303, posted.text
    reel = next(
        d
        for d in api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/deliverables").json()
        if d["id"] == reel["id"]
    )
    assert reel["status"] == "posted" and reel["platform_post_id"] == "C0ffee123"
    assert not reel["compliance"]["passed"] and not reel["compliance"]["disclosed"]
    assert any("#ad" in p for p in reel["compliance"]["problems"])
    assert "no disclosure" in cre.get(member_page).text

    ledger = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/ledger").json()
    assert len(ledger) == 1
    assert ledger[0]["agreed_fee"] == 45_000 and ledger[0]["fixed_earned"] == 0

    # With #ad added the post passes; one of three deliverables is verified.
    fixed = form(
        cre,
        f"/portal/deliverables/{reel['id']}/post",
        {"post_url": post_url, "caption": "New shoes! #RunFree @swiftshoes #ad"},
        page=member_page,
    )
    assert fixed.status_code == 303
    ledger = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/ledger").json()
    assert ledger[0]["verified"] == 1 and ledger[0]["fixed_earned"] == 15_000
    csv_text = shop.get(f"/api/v1/campaigns/{campaign['id']}/payouts.csv").text
    assert "sunny.runs" in csv_text and ",450.00,3,1,150.00," in csv_text

    audit = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/audit").json()
    actions = [e["action"] for e in reversed(audit)]
    assert actions[:4] == [
        "campaign.created",
        "campaign.status",
        "creator.invited",
        "creator.invited",
    ]
    assert {
        "creator.countered",
        "creator.declined",
        "terms.accept_counter",
        "draft.submitted",
        "draft.approved",
        "post.checked",
    } <= set(actions)
    assert "Cre Ator <sunny@example.com>" in {e["actor"] for e in audit}


def test_a_new_offer_after_a_counter_is_accepted_in_the_portal(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    account = make_account(session)
    shop, cre = new_client(), new_client()
    brand(shop)
    campaign = create_campaign(shop)
    api(shop, "POST", f"/api/v1/campaigns/{campaign['id']}/status", {"status": "active"})
    invited = api(
        shop,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/invitations",
        {"creators": [{"account_id": str(account.id), "email": "c@example.com"}]},
    )
    member_id = invited.json()[0]["member"]["id"]
    creator(cre, "c@example.com")
    link = _path(invited.json()[0]["url"])
    token = link.split("token=")[1]
    countered = form(
        cre,
        "/portal/invitations",
        {"token": token, "answer": "counter", "gift": "Shoes"},
        page=link,
    )
    assert countered.status_code == 303
    page = f"/portal/campaigns/{member_id}"
    early = form(cre, f"{page}/answer", {"answer": "accept"}, page=page)
    assert early.status_code == 409 and "The invitation is countered" in early.text

    offer = api(
        shop,
        "POST",
        f"/api/v1/campaign-creators/{member_id}/answer",
        {"answer": "offer", "terms": {"flat_fee": 35_000, "gift": "Shoes"}},
    )
    assert offer.json()["status"] == "invited" and offer.json()["counter_terms"] is None
    assert "350.00 EUR" in cre.get(page).text
    accepted = form(cre, f"{page}/answer", {"answer": "accept"}, page=page)
    assert accepted.status_code == 303, accepted.text
    ledger = api(shop, "GET", f"/api/v1/campaigns/{campaign['id']}/ledger").json()
    assert ledger[0]["agreed_fee"] == 35_000 and ledger[0]["gift"] == "Shoes"
