"""The upload page: members only, CSRF-checked, size-limited, with the per-row report and
the rejects as a CSV download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database
from microreach.imports import views
from tests.accounts.support import csrf_of, make_organisation, make_user, sign_in
from tests.imports.test_adversarial import BAD, GOOD, adversarial_file
from tests.web.support import TestClient, running_client


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with running_client(settings, database) as client:
        yield client


@pytest.fixture
def member(client: TestClient, session: Session) -> TestClient:
    user = make_user(session)
    make_organisation(session, owner=user)
    session.commit()
    sign_in(client, user.email)
    return client


def upload(client: TestClient, name: str, data: bytes, **form: str) -> tuple[int, str]:
    token = csrf_of(client.get("/imports").text)
    response = client.post(
        "/imports",
        data={"kind": "creators", "csrf_token": token, **form},
        files={"file": (name, data, "text/csv")},
    )
    return response.status_code, response.text


def test_the_page_needs_a_signed_in_member(client: TestClient) -> None:
    response = client.get("/imports", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")


def test_upload_reports_every_bad_row_and_offers_the_rejects(
    member: TestClient, tmp_path: Path
) -> None:
    page = member.get("/imports")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    data = adversarial_file(tmp_path / "creators.csv").read_bytes()
    status, html = upload(member, "creators.csv", data)
    assert status == 200
    assert f"<strong>{len(GOOD)} imported</strong>" in html
    assert f"<strong>{len(BAD)} rejected</strong>" in html
    for line in BAD:
        assert f"<tr><td>{line}</td>" in html
    link = html.split('href="/imports/rejects/')[1].split('"')[0]
    download = member.get(f"/imports/rejects/{link}")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert sorted(int(r["line"]) for r in rows) == sorted(BAD)

    assert "The scoring job scores the new and changed accounts within 5 min." in html

    status, html = upload(member, "creators.csv", data)
    assert f"{len(GOOD)} unchanged" in html and "0 new" in html
    assert "The scoring job scores" not in html  # nothing changed, nothing to score


def test_upload_with_a_column_map_and_platform(member: TestClient) -> None:
    status, html = upload(
        member,
        "list.csv",
        b"Insta,Reach\n@ada,12k\n",
        platform="instagram",
        column_map="Insta=handle\nReach=followers",
    )
    assert status == 200 and "<strong>1 imported</strong>" in html


def test_missing_columns_are_shown_beside_the_file(member: TestClient) -> None:
    status, html = upload(member, "list.csv", b"name\nAda\n")
    assert status == 422
    assert "missing required columns" in html and "field-invalid" in html


def test_a_forged_form_is_refused(member: TestClient) -> None:
    response = member.post(
        "/imports",
        data={"kind": "creators", "csrf_token": "0" * 48},
        files={"file": ("c.csv", b"platform,handle\ninstagram,ada\n", "text/csv")},
    )
    assert response.status_code == 403


def test_an_upload_over_the_limit_is_refused_unread(
    member: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr(views, "FORM_OVERHEAD_BYTES", 0)
    status, html = upload(member, "big.csv", b"platform,handle\n" + b"instagram,a\n" * 200)
    assert status == 413
    assert "larger than" in html


def test_unknown_rejects_are_not_found(member: TestClient) -> None:
    assert member.get("/imports/rejects/" + "a" * 32 + ".csv").status_code == 404
    assert member.get("/imports/rejects/..%2Fsecret_key.csv").status_code == 404


def test_an_xlsx_upload(member: TestClient, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Platform", "Username", "Followers"])
    sheet.append(["instagram", "ada", "12k"])
    sheet.append(["instagram", "bob", "lots"])
    book.save(tmp_path / "c.xlsx")
    status, html = upload(member, "c.xlsx", (tmp_path / "c.xlsx").read_bytes())
    assert status == 200
    assert "<strong>1 imported</strong>" in html and "<tr><td>3</td><td>Followers</td>" in html
