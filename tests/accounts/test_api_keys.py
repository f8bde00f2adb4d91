"""API keys: shown once, stored as a keyed hash, scoped, revocable; and /api/v1/me."""

from __future__ import annotations

import re
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.models import ApiKey, Organisation
from microreach.accounts.security import api_key_digest
from microreach.config import Settings
from microreach.web.auth import api_key_auth, org_access
from tests.accounts.support import add_member, make_organisation, make_user, post, sign_in, token
from tests.web.support import TestClient, app_of


def _owner_signed_in(client: TestClient, session: Session) -> Organisation:
    owner = make_user(session, email="ada@example.com")
    organisation = make_organisation(session, owner, name="Engines")
    sign_in(client, "ada@example.com")
    return organisation


def _create(client: TestClient, organisation: Organisation, *scopes: str) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/organisations/{organisation.slug}/api-keys",
        json={"name": "Shop", "scopes": list(scopes)},
        headers={"X-CSRF-Token": token(client, "/")},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_key_made_on_the_page_is_shown_once_and_stored_hashed(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _owner_signed_in(client, session)

    created = post(
        client,
        "/organisation/api-keys",
        {"name": "Shopify store", "scopes": ["links:write", "conversions:write"]},
        page="/organisation/api-keys",
    )

    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    secrets_shown = re.findall(r"mr_[a-z0-9]{8}_[A-Za-z0-9_-]{43}", created.text)
    assert len(secrets_shown) == 1
    secret = secrets_shown[0]
    key = session.scalars(sa.select(ApiKey)).one()
    assert key.secret_hash == api_key_digest(settings.secret_key or "", secret)
    row = session.execute(sa.select(ApiKey.__table__)).one()
    assert all(secret not in str(value) for value in row)
    assert key.scopes == ["conversions:write", "links:write"]
    listing = client.get("/organisation/api-keys").text
    assert secret not in listing and f"{key.prefix}_…" in listing and "Shopify store" in listing


def test_the_api_returns_the_secret_on_creation_only(client: TestClient, session: Session) -> None:
    organisation = _owner_signed_in(client, session)

    created = _create(client, organisation, "reports:read", "reports:read")
    listed = client.get(f"/api/v1/organisations/{organisation.slug}/api-keys").json()
    one = client.get(f"/api/v1/organisations/{organisation.slug}/api-keys/{created['id']}").json()

    assert created["secret"].startswith(created["prefix"] + "_")
    assert created["scopes"] == ["reports:read"]
    assert created["created_by"] == "ada@example.com"
    assert [item["id"] for item in listed] == [created["id"]]
    assert "secret" not in listed[0] and "secret" not in one


def test_a_key_identifies_its_organisation(client: TestClient, session: Session) -> None:
    organisation = _owner_signed_in(client, session)
    created = _create(client, organisation, "creators:read")
    client.cookies.clear()

    me = client.get("/api/v1/me", headers=_bearer(created["secret"]))

    assert me.status_code == 200
    body = me.json()
    assert body["via"] == "api_key" and body["user"] is None and body["role"] is None
    assert body["organisation"]["slug"] == organisation.slug
    assert body["api_key"]["prefix"] == created["prefix"]
    assert body["api_key"]["scopes"] == ["creators:read"]
    session.expire_all()
    assert session.scalars(sa.select(ApiKey.last_used_at)).one() is not None


def test_me_describes_a_signed_in_person(client: TestClient, session: Session) -> None:
    organisation = _owner_signed_in(client, session)

    body = client.get("/api/v1/me").json()

    assert body["via"] == "session" and body["user"]["email"] == "ada@example.com"
    assert body["organisation"]["id"] == str(organisation.id) and body["role"] == "owner"
    assert [m["organisation"]["name"] for m in body["memberships"]] == ["Engines"]


def test_me_needs_credentials(client: TestClient) -> None:
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="microreach"'


def _add_scoped_routes(client: TestClient) -> None:
    app = app_of(client)

    @app.get("/api/v1/test-reports")
    def reports(
        ctx: Annotated[OrgContext, Depends(api_key_auth(ApiScope.REPORTS_READ))],
    ) -> dict[str, str]:
        return {"organisation": ctx.organisation.slug}

    @app.get("/api/v1/test-either")
    def either(
        ctx: Annotated[OrgContext, Depends(org_access(ApiScope.REPORTS_READ, Role.MEMBER))],
    ) -> dict[str, str]:
        return {"organisation": ctx.organisation.slug}


def test_scopes_are_enforced(client: TestClient, session: Session) -> None:
    organisation = _owner_signed_in(client, session)
    reader = _create(client, organisation, "reports:read")
    writer = _create(client, organisation, "links:write")
    _add_scoped_routes(client)

    allowed = client.get("/api/v1/test-reports", headers=_bearer(reader["secret"]))
    refused = client.get("/api/v1/test-reports", headers=_bearer(writer["secret"]))
    by_session = client.get("/api/v1/test-reports")
    either_session = client.get("/api/v1/test-either")

    assert allowed.status_code == 200 and allowed.json() == {"organisation": organisation.slug}
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "This API key lacks the reports:read scope; create a key that has it."
    )
    assert by_session.status_code == 401  # this route takes API keys only
    assert either_session.status_code == 200


def test_revoked_unknown_and_malformed_keys_are_refused(
    client: TestClient, session: Session
) -> None:
    organisation = _owner_signed_in(client, session)
    created = _create(client, organisation, "reports:read")
    _add_scoped_routes(client)
    revoke = client.delete(
        f"/api/v1/organisations/{organisation.slug}/api-keys/{created['id']}",
        headers={"X-CSRF-Token": token(client, "/")},
    )
    assert revoke.status_code == 200 and revoke.json()["revoked_at"] is not None
    secret = created["secret"]
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")

    cases = {
        secret: "This API key was revoked.",
        forged: "Unknown API key.",
        "mr_nothing": "Expected Authorization: Bearer mr_... with a microreach API key.",
    }
    for presented, detail in cases.items():
        response = client.get("/api/v1/test-reports", headers=_bearer(presented))
        assert response.status_code == 401, presented
        assert response.json()["detail"] == detail
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic YWRhOnB3"})
    assert basic.status_code == 401


def test_revoking_on_the_page(client: TestClient, session: Session) -> None:
    organisation = _owner_signed_in(client, session)
    created = _create(client, organisation, "reports:read")

    response = post(
        client, f"/organisation/api-keys/{created['id']}/revoke", page="/organisation/api-keys"
    )

    assert response.status_code == 303
    assert "API key revoked" in client.get(response.headers["location"]).text
    client.cookies.clear()
    assert client.get("/api/v1/me", headers=_bearer(created["secret"])).status_code == 401


def test_only_admins_manage_keys(client: TestClient, session: Session) -> None:
    owner = make_user(session)
    organisation = make_organisation(session, owner)
    member = make_user(session, email="bob@example.com")
    add_member(session, organisation, member, Role.MEMBER)
    sign_in(client, "bob@example.com")
    path = f"/api/v1/organisations/{organisation.slug}/api-keys"

    listed = client.get(path)
    created = client.post(
        path,
        json={"name": "Mine", "scopes": ["links:write"]},
        headers={"X-CSRF-Token": token(client, "/")},
    )
    page = client.get("/organisation/api-keys")

    assert listed.status_code == created.status_code == page.status_code == 403
    assert "You need the admin role or higher to manage API keys" in listed.json()["detail"]
    assert session.scalars(sa.select(ApiKey)).all() == []


def test_key_requests_are_validated(client: TestClient, session: Session) -> None:
    organisation = _owner_signed_in(client, session)
    path = f"/api/v1/organisations/{organisation.slug}/api-keys"
    headers = {"X-CSRF-Token": token(client, "/")}

    no_scope = client.post(path, json={"name": "x", "scopes": []}, headers=headers)
    bad_scope = client.post(path, json={"name": "x", "scopes": ["admin"]}, headers=headers)
    extra = client.post(
        path, json={"name": "x", "scopes": ["links:write"], "secret": "mine"}, headers=headers
    )
    on_page = post(client, "/organisation/api-keys", {"name": "x"}, page="/organisation/api-keys")

    for response in (no_scope, bad_scope, extra):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
    assert on_page.status_code == 422 and "Choose at least one scope." in on_page.text
