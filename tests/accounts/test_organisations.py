"""Organisations over HTTP: roles, invitations, switching, agency brands, and tenancy."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts import organisations
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import OrganisationKind, Role
from microreach.accounts.models import ApiKey, Invitation, Membership, Organisation
from microreach.config import Settings
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConflictError, InvalidError
from tests.accounts.support import (
    PASSWORD,
    add_member,
    htmx,
    make_organisation,
    make_user,
    post,
    sign_in,
    token,
)
from tests.web.support import TestClient

ORG = "/organisation"


def _role_of(session: Session, membership: Membership) -> Role:
    session.expire_all()
    return session.get_one(Membership, membership.id).role


def _owner_of(session: Session, organisation: Organisation) -> Membership:
    return session.scalars(
        sa.select(Membership).where(Membership.organisation_id == organisation.id)
    ).one()


def test_members_are_listed_for_every_role(client: TestClient, session: Session) -> None:
    organisation = make_organisation(session, make_user(session, email="ada@example.com"))
    add_member(session, organisation, make_user(session, email="vic@example.com"), Role.VIEWER)
    sign_in(client, "vic@example.com")

    html = client.get(ORG).text

    assert "ada@example.com" in html and "vic@example.com" in html
    assert "Invite someone" not in html  # viewers see members, not the invite form


def test_a_viewer_cannot_invite(client: TestClient, session: Session) -> None:
    organisation = make_organisation(session)
    add_member(session, organisation, make_user(session, email="vic@example.com"), Role.VIEWER)
    sign_in(client, "vic@example.com")

    response = post(client, f"{ORG}/invitations", {"email": "x@example.com"}, page=ORG)

    assert response.status_code == 403
    assert "You need the admin role or higher to invite people" in response.text
    assert session.scalars(sa.select(Invitation)).all() == []


def test_a_member_cannot_change_roles(client: TestClient, session: Session) -> None:
    organisation = make_organisation(session)
    owner = _owner_of(session, organisation)
    add_member(session, organisation, make_user(session, email="mem@example.com"), Role.MEMBER)
    sign_in(client, "mem@example.com")

    response = post(client, f"{ORG}/members/{owner.id}/role", {"role": "viewer"}, page=ORG)

    assert response.status_code == 403
    assert _role_of(session, owner) is Role.OWNER


def test_the_last_owner_can_be_neither_demoted_nor_removed(
    client: TestClient, session: Session
) -> None:
    organisation = make_organisation(session, make_user(session, email="ada@example.com"))
    owner = _owner_of(session, organisation)
    sign_in(client, "ada@example.com")

    demote = post(client, f"{ORG}/members/{owner.id}/role", {"role": "admin"}, page=ORG)
    leave = post(client, f"{ORG}/members/{owner.id}/remove", page=ORG)

    for response in (demote, leave):
        assert response.status_code == 409
        assert organisations.LAST_OWNER in response.text
    assert _role_of(session, owner) is Role.OWNER


def test_with_a_second_owner_the_first_can_leave(client: TestClient, session: Session) -> None:
    organisation = make_organisation(session, make_user(session, email="ada@example.com"))
    owner = _owner_of(session, organisation)
    owner_id = owner.id
    bob = add_member(session, organisation, make_user(session, email="bob@example.com"), Role.ADMIN)
    sign_in(client, "ada@example.com")

    promoted = post(client, f"{ORG}/members/{bob.id}/role", {"role": "owner"}, page=ORG)
    left = post(client, f"{ORG}/members/{owner_id}/remove", page=ORG)

    assert promoted.status_code == left.status_code == 303
    assert left.headers["location"] == "/"
    session.expire_all()
    assert session.get(Membership, owner_id) is None
    assert _role_of(session, bob) is Role.OWNER


def test_admins_cannot_touch_owners_or_make_owners(client: TestClient, session: Session) -> None:
    organisation = make_organisation(session)
    owner = _owner_of(session, organisation)
    admin = make_user(session, email="adm@example.com")
    add_member(session, organisation, admin, Role.ADMIN)
    viewer = add_member(session, organisation, make_user(session), Role.VIEWER)
    sign_in(client, "adm@example.com")

    make_owner = post(client, f"{ORG}/members/{viewer.id}/role", {"role": "owner"}, page=ORG)
    demote_owner = post(client, f"{ORG}/members/{owner.id}/role", {"role": "viewer"}, page=ORG)
    remove_owner = post(client, f"{ORG}/members/{owner.id}/remove", page=ORG)
    invite_owner = post(
        client, f"{ORG}/invitations", {"email": "o@example.com", "role": "owner"}, page=ORG
    )
    promote = post(client, f"{ORG}/members/{viewer.id}/role", {"role": "member"}, page=ORG)

    assert [r.status_code for r in (make_owner, demote_owner, remove_owner, invite_owner)] == [
        403
    ] * 4
    assert promote.status_code == 303
    assert _role_of(session, viewer) is Role.MEMBER
    assert _role_of(session, owner) is Role.OWNER


def test_role_changes_by_htmx_swap_the_row_and_show_refusals_in_it(
    client: TestClient, session: Session
) -> None:
    organisation = make_organisation(session, make_user(session, email="ada@example.com"))
    owner = _owner_of(session, organisation)
    sign_in(client, "ada@example.com")

    refused = client.post(
        f"{ORG}/members/{owner.id}/role", data={"role": "viewer"}, headers=htmx(client)
    )

    assert refused.status_code == 409
    assert refused.text.startswith(f'<tr id="member-{owner.id}">')
    assert organisations.LAST_OWNER in refused.text
    assert '<option value="owner" selected>' in refused.text


def test_an_invitation_is_mailed_and_joins_a_new_account(
    new_client: Callable[[], TestClient], settings: Settings, session: Session
) -> None:
    organisation = make_organisation(session, make_user(session, email="ada@example.com"))
    admin = new_client()
    sign_in(admin, "ada@example.com")

    sent = post(
        admin, f"{ORG}/invitations", {"email": "Bob@Example.com", "role": "admin"}, page=ORG
    )

    assert sent.status_code == 200 and "Invitation sent to <strong>bob@example.com" in sent.text
    (mail,) = (settings.data_dir / "mail").glob("*.eml")
    message = email.message_from_bytes(mail.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage) and message["To"] == "bob@example.com"
    link = re.search(r"http://\S+/invitations/accept\?token=\S+", message.get_content())
    assert link is not None
    path = link.group(0).removeprefix(settings.resolved_public_url)
    assert "bob@example.com" in admin.get(ORG).text  # listed as waiting

    bob = new_client()
    landing = bob.get(path)
    assert f"join <strong>{organisation.name}</strong> as admin" in landing.text
    sign_up_link = re.search(r'href="(/sign-up\?invitation=[^"]+)"', landing.text)
    assert sign_up_link is not None
    form_page = bob.get(sign_up_link.group(1).replace("&amp;", "&"))
    assert f"Join {organisation.name}" in form_page.text
    invitation = re.search(r'name="invitation" value="([^"]+)"', form_page.text)
    assert invitation is not None
    joined = post(
        bob,
        "/sign-up",
        {
            "email": "bob@example.com",
            "display_name": "Bob",
            "password": PASSWORD,
            "invitation": invitation.group(1),
        },
        page="/sign-up",
    )

    assert joined.status_code == 303, joined.text
    session.expire_all()
    roles = {
        m.user.email: m.role for m in organisations.members(session, _ctx(organisation, Role.OWNER))
    }
    assert roles == {"ada@example.com": Role.OWNER, "bob@example.com": Role.ADMIN}
    assert session.scalars(sa.select(Organisation)).all() == [organisation]  # none created
    again = bob.get(path)
    assert "This invitation was accepted already." in again.text


def test_an_invitation_only_works_for_its_email(
    client: TestClient, settings: Settings, session: Session
) -> None:
    organisation = make_organisation(session)
    make_user(session, email="eve@example.com")
    link = organisations.invite(
        session, settings, _ctx(organisation, Role.OWNER), "bob@example.com", "member", utcnow()
    )
    sign_in(client, "eve@example.com")
    path = f"/invitations/accept?token={link.token}"

    response = post(client, "/invitations/accept", {"token": link.token}, page=path)

    assert response.status_code == 403
    assert "This invitation is for bob@example.com" in response.text
    session.expire_all()
    assert len(organisations.members(session, _ctx(organisation, Role.OWNER))) == 1


def test_an_existing_user_accepts_while_signed_in_and_can_switch(
    client: TestClient, settings: Settings, session: Session
) -> None:
    bob = make_user(session, email="bob@example.com")
    own = make_organisation(session, bob, name="Bob's Brand")
    other = make_organisation(session, name="Acme")
    link = organisations.invite(
        session, settings, _ctx(other, Role.OWNER), "bob@example.com", "viewer", utcnow()
    )
    sign_in(client, "bob@example.com")

    accepted = post(
        client,
        "/invitations/accept",
        {"token": link.token},
        page=f"/invitations/accept?token={link.token}",
    )

    assert accepted.headers["location"] == "/organisation?done=joined"
    assert "<h1>Acme</h1>" in client.get(ORG).text  # the joined organisation is active
    switched = post(client, f"{ORG}/switch", {"organisation_id": str(own.id)}, page=ORG)
    assert switched.status_code == 303
    assert "<h1>Bob&#39;s Brand</h1>" in client.get(ORG).text


def test_invitations_expire_after_a_week(settings: Settings, session: Session) -> None:
    organisation = make_organisation(session)
    now = utcnow()
    link = organisations.invite(
        session, settings, _ctx(organisation, Role.OWNER), "bob@example.com", "member", now
    )

    organisations.open_invitation(session, settings, link.token, now + timedelta(days=6))
    with pytest.raises(InvalidError, match="expired"):
        organisations.open_invitation(session, settings, link.token, now + timedelta(days=7))


def test_inviting_a_member_again_is_refused(settings: Settings, session: Session) -> None:
    owner = make_user(session, email="ada@example.com")
    organisation = make_organisation(session, owner)

    with pytest.raises(ConflictError, match="is a member already"):
        organisations.invite(
            session, settings, _ctx(organisation, Role.OWNER), "ADA@example.com", "member", utcnow()
        )


def test_an_agency_adds_brands_under_it(client: TestClient, session: Session) -> None:
    agency = make_organisation(
        session, make_user(session, email="ada@example.com"), kind=OrganisationKind.AGENCY
    )
    sign_in(client, "ada@example.com")

    added = post(client, f"{ORG}/brands", {"name": "Sunny Juice"}, page=ORG)

    assert added.status_code == 303
    brand = session.scalars(sa.select(Organisation).where(Organisation.name == "Sunny Juice")).one()
    assert brand.parent_id == agency.id and brand.kind is OrganisationKind.BRAND
    assert "Sunny Juice" in client.get(ORG).text
    assert "Sunny Juice (owner)" in client.get(ORG).text  # offered in the switcher


def test_slugs_stay_unique(session: Session) -> None:
    first = make_organisation(session, name="Acme Coffee")
    second = make_organisation(session, name="ACME coffee!")
    third = make_organisation(session, name="Ácme Coffee")

    assert [first.slug, second.slug, third.slug] == [
        "acme-coffee",
        "acme-coffee-2",
        "acme-coffee-3",
    ]


def test_a_user_of_another_organisation_can_neither_see_nor_change_it(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    ada = make_user(session, email="ada@example.com")
    org_a = make_organisation(session, ada, name="A")
    target = add_member(session, org_a, make_user(session), Role.MEMBER)
    eve = make_user(session, email="eve@example.com")
    make_organisation(session, eve, name="B")
    owner_a, eve_client = new_client(), new_client()
    sign_in(owner_a, "ada@example.com")
    key = owner_a.post(
        f"/api/v1/organisations/{org_a.slug}/api-keys",
        json={"name": "A's key", "scopes": ["links:write"]},
        headers={"X-CSRF-Token": token(owner_a, "/")},
    ).json()
    sign_in(eve_client, "eve@example.com")
    header = {"X-CSRF-Token": token(eve_client, "/")}

    page = eve_client.get(ORG).text
    role = post(eve_client, f"{ORG}/members/{target.id}/role", {"role": "viewer"}, page=ORG)
    remove = post(eve_client, f"{ORG}/members/{target.id}/remove", page=ORG)
    revoke = post(eve_client, f"{ORG}/api-keys/{key['id']}/revoke", page=ORG)
    switch = post(eve_client, f"{ORG}/switch", {"organisation_id": str(org_a.id)}, page=ORG)
    api = f"/api/v1/organisations/{org_a.slug}/api-keys"
    listed = eve_client.get(api)
    one = eve_client.get(f"{api}/{key['id']}")
    deleted = eve_client.delete(f"{api}/{key['id']}", headers=header)
    created = eve_client.post(api, json={"name": "x", "scopes": ["links:write"]}, headers=header)

    assert "ada@example.com" not in page and "A&#39;s key" not in page
    assert [role.status_code, remove.status_code, revoke.status_code] == [404, 404, 404]
    assert switch.status_code == 422
    for response in (listed, one, deleted, created):
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "You are not a member of an organisation called 'a'."
    session.expire_all()
    assert _role_of(session, target) is Role.MEMBER
    assert session.scalars(sa.select(ApiKey.revoked_at)).one() is None


def test_creators_have_no_organisation_pages(client: TestClient, session: Session) -> None:
    from microreach.accounts.enums import UserKind

    make_user(session, email="cre@example.com", kind=UserKind.CREATOR)
    sign_in(client, "cre@example.com")

    response = client.get(ORG)

    assert response.status_code == 403
    assert "Creator accounts have no organisation" in response.text


def _ctx(organisation: Organisation, role: Role) -> OrgContext:
    return OrgContext(organisation=organisation, role=role)
