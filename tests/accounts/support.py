"""Helpers for the accounts tests: rows made directly, and a browser-like client that signs in
and carries its CSRF token."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
from sqlalchemy.orm import Session

from microreach.accounts import organisations
from microreach.accounts.enums import OrganisationKind, Role, UserKind
from microreach.accounts.models import Membership, Organisation, User
from microreach.accounts.security import hash_password
from microreach.kit.clock import utcnow
from tests.web.support import TestClient

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(
    session: Session,
    email: str | None = None,
    password: str = PASSWORD,
    kind: UserKind = UserKind.BRAND_USER,
    **overrides: Any,
) -> User:
    n = next(_counter)
    values: dict[str, Any] = {
        "email": email or f"person{n}@example.com",
        "password_hash": hash_password(password),
        "display_name": f"Person {n}",
        "kind": kind,
    }
    user = User(**{**values, **overrides})
    session.add(user)
    session.flush()
    return user


def make_organisation(
    session: Session,
    owner: User | None = None,
    name: str | None = None,
    kind: OrganisationKind = OrganisationKind.BRAND,
) -> Organisation:
    owner = owner or make_user(session)
    name = name or f"Brand {next(_counter)}"
    return organisations.create_organisation(session, owner, name, kind, utcnow())


def add_member(session: Session, organisation: Organisation, user: User, role: Role) -> Membership:
    membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role)
    session.add(membership)
    session.flush()
    return membership


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def token(client: TestClient, path: str = "/sign-in") -> str:
    """The CSRF token a page gives this client (follows redirects to the page shown)."""
    return csrf_of(client.get(path).text)


def post(
    client: TestClient, path: str, data: dict[str, Any] | None = None, *, page: str = "/sign-in"
) -> httpx.Response:
    """Submit a form as a browser does: with the CSRF token of ``page``; redirects not followed."""
    form = {**(data or {}), "csrf_token": token(client, page)}
    return client.post(path, data=form, follow_redirects=False)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    response = post(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response


def htmx(client: TestClient, path: str = "/organisation") -> dict[str, str]:
    """Headers htmx sends from a page: HX-Request and the page's CSRF token."""
    return {"HX-Request": "true", "X-CSRF-Token": token(client, path)}
