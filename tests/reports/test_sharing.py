"""Read-only report links: made on the report page or by API, opened without signing in (same
numbers, no controls), ended by expiry or revocation (404 with a clear page), and out of reach
of other organisations."""

from __future__ import annotations

import html
import io
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.orm import Session

from microreach.accounts import organisations
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.schemas import ApiKeyCreate
from microreach.config import Settings
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.kit.errors import ForbiddenError, InvalidError, NotFoundError
from microreach.reports import sharing
from microreach.reports.render import values
from tests.accounts.support import add_member, make_organisation, make_user, sign_in, token
from tests.reports.report_support import (
    NUMERIC,
    Browser,
    assert_same_number,
    csv_rows,
    owner_browser,
)
from tests.web.support import TestClient, running_client


@pytest.fixture
def browser(session: Session, settings: Settings, database: Database) -> Iterator[Browser]:
    with owner_browser(session, settings, database) as browser:
        yield browser


@pytest.fixture
def stranger(settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(settings, database) as client:
        yield client


def _create(browser: Browser, days: str = "30") -> str:
    response = browser.form(f"{browser.base}/report/shares", {"days": days})
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    match = re.search(r'id="new-share-url">([^<]+)<', response.text)  # type: ignore[attr-defined]
    assert match, "the new link is shown once"
    return match.group(1).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _share_row(session: Session, browser: Browser) -> sharing.ReportShare:
    return session.scalars(
        sa.select(sharing.ReportShare).where(
            sharing.ReportShare.campaign_id == browser.world.campaign.id
        )
    ).one()


def test_a_link_opens_the_report_without_signing_in(
    browser: Browser, stranger: TestClient, session: Session
) -> None:
    path = _create(browser)
    assert path.startswith("/reports/shared/")
    response = stranger.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in response.headers["cache-control"]
    page = html.unescape(response.text)
    doc = browser.document(session)
    assert doc.title in page
    for figure in doc.headline:
        assert values.display(figure.value, figure.unit, doc.currency) in page
    # Read-only: no navigation, no forms, no campaign links, no share controls.
    assert "<form" not in page and "<nav" not in page
    assert f"/campaigns/{browser.world.campaign.id}" not in page
    assert "Revoke" not in page and "Sign out" not in page


def test_the_shared_downloads_carry_the_page_numbers(
    browser: Browser, stranger: TestClient, session: Session
) -> None:
    path = _create(browser)
    doc = browser.document(session)
    table = doc.tables[0]
    response = stranger.get(f"{path}/report.csv", params={"table": table.key})
    assert response.status_code == 200
    for written_row, row in zip(csv_rows(response.content)[1:], table.rows, strict=True):
        for column, written in zip(table.columns, written_row, strict=True):
            if column.unit in NUMERIC:
                shown = values.display(row.get(column.key), column.unit, doc.currency)
                assert_same_number(shown, written)
    member_csv = browser.client.get(f"{browser.base}/report.csv", params={"table": table.key})
    assert member_csv.content == response.content
    pdf = stranger.get(f"{path}/report.pdf")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for figure in doc.headline:
        assert values.display(figure.value, figure.unit, doc.currency) in re.sub(r"\s+", " ", text)
    assert stranger.get(f"{path}/report.xlsx").status_code == 200
    assert stranger.get(f"{path}/report.zip").status_code == 200


def test_only_the_digest_of_the_token_is_stored(browser: Browser, session: Session) -> None:
    path = _create(browser)
    secret = path.rsplit("/", 1)[1]
    row = _share_row(session, browser)
    stored = [str(v) for v in session.execute(sa.select(sharing.ReportShare.__table__)).one()]
    assert all(secret not in v for v in stored)
    assert row.token_hash == sharing.token_digest(
        browser.client.app.state.settings.secret_key, secret
    )  # type: ignore[attr-defined]


def test_an_expired_link_is_a_clear_404(
    browser: Browser, stranger: TestClient, session: Session
) -> None:
    path = _create(browser, days="1")
    row = _share_row(session, browser)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    for suffix in ("", "/report.pdf", "/report.csv?table=x"):
        response = stranger.get(path + suffix)
        assert response.status_code == 404
        assert "This report link expired on" in response.text
    assert browser.document(session).title not in stranger.get(path).text


def test_a_revoked_link_is_a_clear_404(
    browser: Browser, stranger: TestClient, session: Session
) -> None:
    path = _create(browser)
    assert stranger.get(path).status_code == 200
    share_id = _share_row(session, browser).id
    response = browser.form(f"{browser.base}/report/shares/{share_id}/revoke", {})
    assert response.status_code == 303  # type: ignore[attr-defined]
    gone = stranger.get(path)
    assert gone.status_code == 404 and "was revoked" in gone.text
    location = response.headers["location"]  # type: ignore[attr-defined]
    listed = browser.client.get(location).text
    assert "revoked" in listed and "Link revoked" in listed


@pytest.mark.parametrize("bad", ["x" * 43, "short", "0" * 32, "a/../b"])
def test_an_unknown_link_is_a_clear_404(stranger: TestClient, bad: str) -> None:
    response = stranger.get(f"/reports/shared/{bad}")
    assert response.status_code == 404
    assert "This report link" in response.text


@pytest.mark.parametrize(
    ("days", "message"),
    [("0", "0 is not a number of days from 1 to 365"), ("abc", "abc is not a whole number")],
)
def test_the_days_are_checked_next_to_the_field(browser: Browser, days: str, message: str) -> None:
    response = browser.form(f"{browser.base}/report/shares", {"days": days})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert re.search(
        rf'id="f-days-error">{re.escape(message)}',
        html.unescape(response.text),  # type: ignore[attr-defined]
    )


def test_another_organisation_can_neither_list_nor_revoke(
    browser: Browser, session: Session, settings: Settings, database: Database
) -> None:
    path = _create(browser)
    share_id = _share_row(session, browser).id
    outsider = make_user(session)
    make_organisation(session, outsider, "Other Brand")
    ctx = OrgContext(make_organisation(session), outsider, Role.OWNER)
    with pytest.raises(NotFoundError):
        sharing.revoke_share(session, ctx, share_id, utcnow())
    with pytest.raises(NotFoundError):
        sharing.list_shares(session, ctx, browser.world.campaign.id)
    with running_client(settings, database) as bob:
        sign_in(bob, outsider.email)
        csrf = {"X-CSRF-Token": token(bob, "/organisation")}
        assert bob.delete(f"/api/v1/report-shares/{share_id}", headers=csrf).status_code == 404
        form = {"csrf_token": token(bob, "/organisation")}
        revoke = f"{browser.base}/report/shares/{share_id}/revoke"
        assert bob.post(revoke, data=form, follow_redirects=False).status_code == 404
        listing = bob.get(f"/api/v1/campaigns/{browser.world.campaign.id}/report-shares")
        assert listing.status_code == 404
    session.refresh(_share_row(session, browser))
    assert _share_row(session, browser).revoked_at is None
    with running_client(settings, database) as anyone:
        assert anyone.get(path).status_code == 200


def test_a_viewer_reads_the_report_but_cannot_share(
    browser: Browser, session: Session, settings: Settings, database: Database
) -> None:
    viewer = make_user(session)
    add_member(session, browser.world.organisation, viewer, Role.VIEWER)
    with pytest.raises(ForbiddenError):
        sharing.create_share(
            session,
            settings,
            OrgContext(browser.world.organisation, viewer, Role.VIEWER),
            browser.world.campaign.id,
            30,
            utcnow(),
        )
    with running_client(settings, database) as client:
        sign_in(client, viewer.email)
        page = client.get(f"{browser.base}/report")
        assert page.status_code == 200 and "Members and above can create" in page.text
        form = {"days": "30", "csrf_token": token(client, f"{browser.base}/report")}
        response = client.post(f"{browser.base}/report/shares", data=form)
        assert response.status_code == 403


def test_the_api_creates_lists_and_revokes_with_a_reports_key(
    browser: Browser, session: Session, settings: Settings, stranger: TestClient
) -> None:
    ctx = browser.world.ctx
    owner = OrgContext(browser.world.organisation, ctx.user, Role.OWNER)
    key = organisations.create_api_key(
        session, settings, owner, ApiKeyCreate(name="r", scopes=[ApiScope.REPORTS_READ]), utcnow()
    )
    auth = {"Authorization": f"Bearer {key.secret}"}
    base = f"/api/v1/campaigns/{browser.world.campaign.id}/report-shares"
    made = stranger.post(base, json={"days": 7}, headers=auth)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "active" and body["created_by"] is None
    assert (
        stranger.get(body["url"].split("://", 1)[1].split("/", 1)[1].join(["/", ""])).status_code
        == 200
    )
    listed = stranger.get(base, headers=auth).json()
    assert [s["id"] for s in listed] == [body["id"]] and "url" not in listed[0]
    revoked = stranger.delete(f"/api/v1/report-shares/{body['id']}", headers=auth)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    bad = stranger.post(base, json={"days": 0}, headers=auth)
    assert bad.status_code == 422 and "days" in bad.text
    unscoped = organisations.create_api_key(
        session, settings, owner, ApiKeyCreate(name="l", scopes=[ApiScope.LINKS_WRITE]), utcnow()
    )
    refused = stranger.post(base, json={}, headers={"Authorization": f"Bearer {unscoped.secret}"})
    assert refused.status_code == 403


def test_the_service_checks_days_and_state(
    browser: Browser, session: Session, settings: Settings
) -> None:
    ctx, campaign_id = browser.world.ctx, browser.world.campaign.id
    with pytest.raises(InvalidError) as error:
        sharing.create_share(session, settings, ctx, campaign_id, 366, utcnow())
    assert error.value.field == "days"
    with pytest.raises(NotFoundError):
        sharing.create_share(session, settings, ctx, uuid.uuid4(), 30, utcnow())
    now = utcnow()
    made = sharing.create_share(session, settings, ctx, campaign_id, 2, now)
    assert sharing.open_share(session, settings, made.token, now).share.id == made.share.id
    assert sharing.status_of(made.share, now + timedelta(days=2)) is sharing.ShareStatus.EXPIRED
    with pytest.raises(NotFoundError, match="expired"):
        sharing.open_share(session, settings, made.token, now + timedelta(days=2))
    first = sharing.revoke_share(session, ctx, made.share.id, now).revoked_at
    again = sharing.revoke_share(session, ctx, made.share.id, now + timedelta(hours=1)).revoked_at
    assert first == again == now
