"""The links page: a member sees the organisation's links and their rolled-up clicks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from microreach.accounts.enums import Role
from tests.accounts.support import add_member, make_user, sign_in
from tests.links.conftest import Tenant
from tests.links.test_api import create
from tests.web.support import TestClient, is_local, references


def test_links_page_lists_the_organisations_links(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, session: Session
) -> None:
    mine = create(client, tenant, title="Spring drop")
    theirs = create(client, other_tenant)
    user = make_user(session)
    add_member(session, tenant.organisation, user, Role.VIEWER)
    sign_in(client, user.email)
    page = client.get("/links")
    assert page.status_code == 200
    assert str(mine["short_url"]) in page.text and "Spring drop" in page.text
    assert str(theirs["short_url"]) not in page.text
    assert all(is_local(url) for url in references(page.text))
    qr = client.get(f"/api/v1/links/{mine['id']}/qr.svg")
    assert qr.status_code == 200


def test_links_page_needs_sign_in(client: TestClient) -> None:
    response = client.get("/links", follow_redirects=False)
    assert response.status_code in (303, 401)
