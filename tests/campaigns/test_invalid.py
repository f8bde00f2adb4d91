"""Invalid input gets a clear error and changes nothing: briefs, transitions, invitations,
links, uploads and posts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.campaigns.invitations import PURPOSE
from microreach.campaigns.models import AuditEvent, Campaign, CampaignCreator, ContentDraft
from microreach.config import Settings
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.kit.signing import sign
from tests.campaigns.support import (
    BRIEF,
    PNG,
    accepted,
    api,
    brand,
    create_campaign,
    creator,
    form,
    invite,
    link_path,
)
from tests.factories import make_account
from tests.web.support import TestClient, running_client


def _count(session: Session, model: type[Any]) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_on": "2026-05-01"}, "ends_on", "ends (2026-04-30) before it starts"),
        ({"budget_minor": -1}, "budget_minor", "must not be negative"),
        ({"budget_minor": 12.5}, "budget_minor", "valid integer"),
        ({"currency": "EUX"}, "currency", "EUX is not an ISO 4217 currency code"),
        ({"required_hashtags": ["#no spaces"]}, "required_hashtags", "not a valid #tag"),
        ({"default_terms": {"flat_fee": -5}}, "default_terms.flat_fee", "greater than or equal"),
        ({"default_terms": {}}, "default_terms", "offer at least one"),
        (
            {"deliverables": [{"kind": "reel", "due_on": "2026-06-01"}]},
            "deliverables.0.due_on",
            "outside the campaign's dates",
        ),
    ],
)
def test_a_bad_brief_is_refused_and_nothing_is_stored(
    new_client: Callable[[], TestClient],
    session: Session,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    shop = new_client()
    brand(shop)

    response = api(shop, "POST", "/api/v1/campaigns", {**BRIEF, **changes})

    assert response.status_code == 422, response.text
    problem = response.json()
    assert message in problem["detail"]
    assert any(e["field"].endswith(field) for e in problem["errors"]), problem
    assert _count(session, Campaign) == 0 and _count(session, AuditEvent) == 0


def test_illegal_transitions_are_409_naming_the_state(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    shop = new_client()
    brand(shop)
    campaign = create_campaign(shop)
    path = f"/api/v1/campaigns/{campaign['id']}/status"

    skipped = api(shop, "POST", path, {"status": "completed"})
    assert skipped.status_code == 409
    assert skipped.json()["detail"] == (
        "status: The campaign is draft; it cannot become completed. "
        "From draft it can become: active, archived."
    )
    api(shop, "POST", path, {"status": "archived"})
    final = api(shop, "POST", path, {"status": "active"})
    assert final.status_code == 409 and "archived" in final.json()["detail"]
    edit = api(shop, "PUT", f"/api/v1/campaigns/{campaign['id']}", BRIEF)
    assert edit.status_code == 409 and "The campaign is archived" in edit.json()["detail"]
    assert session.get(Campaign, uuid.UUID(campaign["id"])).status.value == "archived"  # type: ignore[union-attr]


def test_invitations_are_all_or_nothing(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    account = make_account(session)
    shop = new_client()
    brand(shop)
    campaign = create_campaign(shop)

    unknown = invite(
        shop,
        campaign["id"],
        (str(account.id), "a@example.com"),
        (str(uuid.uuid4()), "b@example.com"),
    )
    bad_email = invite(shop, campaign["id"], (str(account.id), "not-an-email"))
    twice = invite(
        shop, campaign["id"], (str(account.id), "a@example.com"), (str(account.id), "a@example.com")
    )

    assert unknown.status_code == 422 and "No platform account" in unknown.text
    assert bad_email.status_code == 422 and "is not an email address" in bad_email.text
    assert twice.status_code == 409 and "invited to this campaign already" in twice.text
    assert _count(session, CampaignCreator) == 0


def test_links_expired_forged_replayed_or_for_someone_else(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> None:
    account = make_account(session)
    shop, cre, stranger = new_client(), new_client(), new_client()
    brand(shop)
    campaign = create_campaign(shop)
    invited = invite(shop, campaign["id"], (str(account.id), "sunny@example.com"))
    link = link_path(invited.json()[0]["url"])
    member_id = uuid.UUID(invited.json()[0]["member"]["id"])
    creator(cre, "sunny@example.com")
    creator(stranger, "someone@example.com")

    expired = sign(settings.secret_key or "", PURPOSE, member_id.hex, utcnow() - timedelta(1))
    assert "has expired" in cre.get(f"/portal/invitations?token={expired}").text
    forged = link.replace("token=", "token=x")
    assert cre.get(forged).status_code == 422
    token = link.split("token=")[1]
    other = form(stranger, "/portal/invitations", {"token": token, "answer": "accept"}, page=link)
    assert other.status_code == 403 and "sent to another email address" in other.text
    assert "sunny@example.com" not in other.text

    first = form(cre, "/portal/invitations", {"token": token, "answer": "decline"}, page=link)
    assert first.status_code == 303
    replay = form(
        cre, "/portal/invitations", {"token": token, "answer": "accept"}, page="/portal/campaigns"
    )
    assert replay.status_code == 409 and "was used already" in replay.text
    session.expire_all()
    assert session.get(CampaignCreator, member_id).status.value == "declined"  # type: ignore[union-attr]


def test_uploads_too_large_or_of_the_wrong_type_are_refused(
    new_client: Callable[[], TestClient],
    session: Session,
    settings: Settings,
    database: Database,
) -> None:
    account = make_account(session)
    shop = new_client()
    brand(shop)
    small = settings.model_copy(update={"upload_max_bytes": 100})
    with running_client(small, database) as cre:
        _, page, items = accepted(shop, cre, str(account.id))
        path = f"/portal/deliverables/{items[0]['id']}/drafts"

        def send(name: str, content: bytes, media_type: str) -> Any:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', cre.get(page).text)
            assert csrf
            return cre.post(
                path,
                data={"text": "hi", "csrf_token": csrf.group(1)},
                files={"media": (name, content, media_type)},
                follow_redirects=False,
            )

        too_big = send("big.png", PNG + b"\x00" * 200, "image/png")
        fake = send("fake.png", b"<html><script>alert(1)</script></html>", "image/png")

    assert too_big.status_code == 422 and "larger than the 100 bytes" in too_big.text
    assert fake.status_code == 422 and "is not an accepted media file" in fake.text
    assert _count(session, ContentDraft) == 0
    items_after = api(shop, "GET", f"/api/v1/campaigns/{items[0]['campaign_id']}/deliverables")
    assert items_after.status_code == 200
    assert {d["status"] for d in items_after.json()} == {"pending"}
    uploads = Path(settings.data_dir, "uploads")
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_posts_before_approval_or_on_another_platform_are_refused(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    account = make_account(session)
    shop, cre = new_client(), new_client()
    brand(shop)
    _, page, items = accepted(shop, cre, str(account.id))
    path = f"/portal/deliverables/{items[0]['id']}/post"

    early = form(cre, path, {"post_url": "https://www.instagram.com/p/abc123/"}, page=page)
    assert early.status_code == 409
    assert "The deliverable is pending; it cannot become posted" in early.text
    wrong = form(cre, path, {"post_url": "https://evil.example/p/1"}, page=page)
    assert wrong.status_code == 422 and "on a platform microreach knows" in wrong.text
