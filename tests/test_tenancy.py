"""Tenancy: every route of the app, called as a member of another organisation, as a creator
with no part in the first organisation's campaigns and as an anonymous visitor, reads nothing
of the first organisation and changes nothing of it.

ROUTES says, for every route in ``app.routes``, how to call it or why it is public; the first
test fails when a route is added (by any domain) without an entry here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session

from microreach.accounts import organisations
from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.models import Membership, Organisation, User
from microreach.accounts.schemas import ApiKeyCreate
from microreach.config import Settings
from microreach.conversions.models import (
    AttributionRule,
    Conversion,
    ConversionSource,
    PromoCode,
)
from microreach.db.models import metadata
from microreach.db.session import Database
from microreach.kit.clock import utcnow
from microreach.links.models import BioPage, Link, ShortDomain
from microreach.reports import sharing
from tests.accounts.support import token
from tests.campaigns.support import PNG, accepted, api, brand, creator, invite, link_path
from tests.factories import make_account
from tests.web.support import TestClient, app_of, running_client

Kind = Literal["scoped", "own", "public"]


@dataclass(frozen=True)
class Spec:
    """How an outsider calls a route.

    scoped: names the first organisation's rows (ids in the path or the body): outsiders are
        refused (4xx), anonymous visitors sent to sign in (401 or 303 to /sign-in).
    own: acts on the caller's own organisation or on shared data (the creator catalogue), so
        it may succeed; anonymous visitors are still sent to sign in unless ``anonymous_ok``.
    public: for everyone by design (``reason`` says why).
    Every call, of every kind, must show none of the first organisation's secrets and change
    none of its rows.
    """

    kind: Kind
    json: Any = None
    form: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    query: str = ""
    reason: str = ""
    anonymous_ok: bool = False
    call: bool = True
    extra: dict[str, str] = field(default_factory=dict)


def scoped(**kwargs: Any) -> Spec:
    return Spec("scoped", **kwargs)


def own(**kwargs: Any) -> Spec:
    return Spec("own", **kwargs)


def public(reason: str, **kwargs: Any) -> Spec:
    return Spec("public", reason=reason, anonymous_ok=True, **kwargs)


BRIEF = {
    "name": "Outsider campaign",
    "goal": "awareness",
    "starts_on": "2026-03-01",
    "ends_on": "2026-03-31",
    "budget_minor": 100,
    "currency": "EUR",
    "default_terms": {"flat_fee": 100},
}
TERMS_FORM = {"answer": "accept", "flat_fee": "1"}
ROUTES: dict[tuple[str, str], Spec] = {
    # Meta, documentation and static files
    ("GET", "/healthz"): public("liveness probe"),
    ("GET", "/readyz"): public("readiness probe for load balancers; says nothing of data"),
    ("GET", "/metrics"): public("process metrics for scrapers; counts, no organisation data"),
    ("GET", "/api/openapi.json"): public("the API's schema"),
    ("GET", "/api/docs"): public("the API reference page"),
    ("MOUNT", "/static"): public("CSS, JavaScript and icons of the app", call=False),
    ("GET", "/{slug}"): public(
        "the redirect path: a short link is public by design; not called here because it "
        "records clicks on its own connection, outside the test's transaction (tests/links)",
        call=False,
    ),
    # Signing up, in and out, password resets
    ("GET", "/sign-up"): public("sign-up form"),
    ("POST", "/sign-up"): public("creates a new user and organisation", form={}),
    ("GET", "/portal/sign-up"): public("creator sign-up form"),
    ("POST", "/portal/sign-up"): public("creates a new creator user", form={}),
    ("GET", "/sign-in"): public("sign-in form"),
    ("POST", "/sign-in"): public("signs in with a password", form={}),
    ("POST", "/sign-out"): public(
        "ends the caller's own session; not called, as it would sign the outsiders out",
        call=False,
    ),
    ("GET", "/forgot-password"): public("reset request form"),
    ("POST", "/forgot-password"): public("mails a reset link to the address", form={}),
    ("GET", "/reset-password"): public("reset form for a signed token", query="token=x"),
    ("POST", "/reset-password"): public("resets with a signed token", form={"token": "x"}),
    ("GET", "/invitations/accept"): public(
        "organisation invitation landing page; needs the signed token", query="token=x"
    ),
    ("POST", "/invitations/accept"): scoped(form={"token": "x"}),
    # The shared creator catalogue, discovery and imports (not organisation-owned)
    ("GET", "/"): own(anonymous_ok=True),
    ("GET", "/creators/{creator_id}"): own(anonymous_ok=True),
    ("GET", "/api/v1/creators"): own(anonymous_ok=True),
    ("GET", "/api/v1/creators/{creator_id}"): own(anonymous_ok=True),
    ("GET", "/api/v1/accounts/{account_id}/scores"): own(anonymous_ok=True),
    ("GET", "/api/v1/discovery/search"): own(anonymous_ok=True),
    ("POST", "/api/v1/discovery/fit"): own(
        anonymous_ok=True, json={"brand": {}, "account_ids": ["{account_id}"]}
    ),
    ("GET", "/api/v1/discovery/lookalikes/{account_id}"): own(anonymous_ok=True),
    ("POST", "/api/v1/discovery/plan"): own(anonymous_ok=True, json={"budget": 100}),
    ("GET", "/discover"): own(anonymous_ok=True),
    ("GET", "/discover/lookalikes/{account_id}"): own(anonymous_ok=True),
    ("GET", "/imports"): own(),
    ("POST", "/imports"): own(
        form={"kind": "creators"}, files={"file": ("x.csv", b"handle\n", "text/csv")}
    ),
    ("GET", "/imports/rejects/{token}.csv"): own(),
    # Accounts: who is calling, organisations, members, invitations, API keys, the portal
    ("GET", "/api/v1/me"): own(),
    ("GET", "/api/v1/organisations/{slug}/api-keys"): scoped(),
    ("POST", "/api/v1/organisations/{slug}/api-keys"): scoped(
        json={"name": "x", "scopes": ["links:write"]}
    ),
    ("GET", "/api/v1/organisations/{slug}/api-keys/{key_id}"): scoped(),
    ("DELETE", "/api/v1/organisations/{slug}/api-keys/{key_id}"): scoped(),
    ("GET", "/organisation"): own(),
    ("POST", "/organisation/invitations"): own(form={"email": "x@example.com", "role": "member"}),
    ("POST", "/organisation/invitations/{invitation_id}/revoke"): scoped(form={}),
    ("POST", "/organisation/members/{membership_id}/role"): scoped(form={"role": "viewer"}),
    ("POST", "/organisation/members/{membership_id}/remove"): scoped(form={}),
    ("POST", "/organisation/switch"): scoped(form={"organisation_id": "{organisation_id}"}),
    ("POST", "/organisation/brands"): own(form={"name": "Outsider sub-brand"}),
    ("GET", "/organisation/api-keys"): own(),
    ("POST", "/organisation/api-keys"): own(form={"name": "x", "scopes": "links:write"}),
    ("POST", "/organisation/api-keys/{key_id}/revoke"): scoped(form={}),
    ("GET", "/portal"): own(),
    ("GET", "/mail"): own(),
    ("POST", "/portal/claims"): own(form={"platform": "instagram", "handle": "{handle}"}),
    ("POST", "/portal/claims/{claim_id}/check"): scoped(form={}),
    # Platform connections (creator portal; a creator's own, never an organisation's)
    ("GET", "/portal/connections"): own(),
    ("POST", "/portal/connections/connect/{platform}"): own(form={}),
    ("GET", "/portal/connections/callback/{platform}"): own(query="state=x&code=y"),
    ("POST", "/portal/connections/disconnect/{platform}"): scoped(
        form={"account_id": "{account_id}"}
    ),
    # Links
    ("POST", "/api/v1/links"): own(json={"destination": "https://example.com/"}),
    ("POST", "/api/v1/links/bulk"): own(
        json={"destination": "https://example.com/", "creator_ids": ["{creator_id}"]}
    ),
    ("GET", "/api/v1/links"): own(),
    ("GET", "/api/v1/links/{link_id}"): scoped(),
    ("PATCH", "/api/v1/links/{link_id}"): scoped(json={"enabled": False}),
    ("GET", "/api/v1/links/{link_id}/clicks"): scoped(),
    ("GET", "/api/v1/links/{link_id}/qr.{kind}"): scoped(),
    ("GET", "/links"): own(),
    ("POST", "/api/v1/links/bulk-campaign"): scoped(
        json={"campaign_id": "{campaign_id}", "destination": "https://example.com/"}
    ),
    ("GET", "/api/v1/short-domains"): own(),
    ("POST", "/api/v1/short-domains"): own(json={"host": "outsider-short.example"}),
    ("POST", "/api/v1/short-domains/{domain_id}/check"): scoped(json={}),
    ("PATCH", "/api/v1/short-domains/{domain_id}"): scoped(json={"enabled": False}),
    ("DELETE", "/api/v1/short-domains/{domain_id}"): scoped(),
    ("GET", "/links/new"): own(query="creator_id={creator_id}"),
    ("POST", "/links/new"): own(form={"destination": "https://example.com/"}),
    ("GET", "/links/bulk"): own(),
    ("POST", "/links/bulk"): scoped(
        form={"campaign_id": "{campaign_id}", "destination": "https://example.com/"}
    ),
    ("GET", "/links/domains"): own(),
    ("POST", "/links/domains"): own(form={"host": "outsider-short.example"}),
    ("POST", "/links/domains/{domain_id}/{action}"): scoped(form={}),
    ("GET", "/links/{link_id}"): scoped(),
    ("POST", "/links/{link_id}"): scoped(form={"destination": "https://example.com/"}),
    ("POST", "/links/{link_id}/enabled"): scoped(form={"enabled": "false"}),
    ("GET", "/@{handle}"): public(
        "a creator's link-in-bio page: public by design, it lists only short links (the "
        "world's creator has one, so the page is really drawn here)"
    ),
    ("GET", "/portal/bio"): own(),
    ("POST", "/portal/bio"): own(form={"handle": "outsider.page", "bio": "outsider"}),
    # Conversions and promo codes
    ("POST", "/api/v1/promo-codes"): own(json={"code": "OUTSIDER1", "creator_id": "{creator_id}"}),
    ("GET", "/api/v1/promo-codes"): own(),
    ("POST", "/api/v1/promo-codes/{code_id}/disable"): scoped(),
    ("POST", "/api/v1/conversions"): own(
        json={
            "order_id": "QUARTZ-ORDER",
            "amount": "1.00",
            "currency": "EUR",
            "promo_code": "QUARTZ10",
        }
    ),
    ("GET", "/api/v1/conversions/totals"): own(),
    ("POST", "/api/v1/webhooks/shopify/{slug}"): public(
        "Shopify's orders/create webhook: authenticated by the HMAC of its body under the "
        "installation's webhook secret, not by a session or key; unsigned calls get 401",
        json={"id": 1, "total_price": "1.00", "currency": "EUR"},
    ),
    # Campaigns (brand side)
    ("GET", "/api/v1/campaigns"): own(),
    ("POST", "/api/v1/campaigns"): own(json=BRIEF),
    ("GET", "/api/v1/campaigns/{campaign_id}"): scoped(),
    ("PUT", "/api/v1/campaigns/{campaign_id}"): scoped(json=BRIEF),
    ("POST", "/api/v1/campaigns/{campaign_id}/status"): scoped(json={"status": "archived"}),
    ("GET", "/api/v1/campaigns/{campaign_id}/creators"): scoped(),
    ("POST", "/api/v1/campaigns/{campaign_id}/invitations"): scoped(
        json={"creators": [{"account_id": "{account_id}", "email": "x@example.com"}]}
    ),
    ("POST", "/api/v1/campaign-creators/{member_id}/answer"): scoped(json={"answer": "withdraw"}),
    ("GET", "/api/v1/campaigns/{campaign_id}/deliverables"): scoped(),
    ("GET", "/api/v1/campaigns/{campaign_id}/drafts"): scoped(),
    ("POST", "/api/v1/drafts/{draft_id}/reviews"): scoped(json={"decision": "approved"}),
    ("GET", "/api/v1/drafts/{draft_id}/media"): scoped(),
    ("POST", "/api/v1/deliverables/{deliverable_id}/status"): scoped(json={"status": "missed"}),
    ("POST", "/api/v1/deliverables/{deliverable_id}/recheck"): scoped(json={}),
    ("GET", "/api/v1/campaigns/{campaign_id}/ledger"): scoped(),
    ("GET", "/api/v1/campaigns/{campaign_id}/payouts.csv"): scoped(),
    ("GET", "/api/v1/campaigns/{campaign_id}/audit"): scoped(),
    ("GET", "/dashboard"): own(),
    ("GET", "/campaigns"): own(),
    ("POST", "/campaigns"): own(
        form={
            "name": "x",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-02",
            "budget": "1",
            "currency": "EUR",
        }
    ),
    ("GET", "/campaigns/{campaign_id}"): scoped(),
    ("POST", "/campaigns/{campaign_id}/status"): scoped(form={"status": "archived"}),
    ("POST", "/campaigns/{campaign_id}/invitations"): scoped(
        form={"account_ids": "{account_id} x@example.com", "flat_fee": "1"}
    ),
    ("POST", "/campaigns/{campaign_id}/creators/{member_id}/answer"): scoped(
        form={"answer": "withdraw"}
    ),
    ("POST", "/campaigns/{campaign_id}/drafts/{draft_id}/review"): scoped(
        form={"decision": "approved"}
    ),
    ("POST", "/campaigns/{campaign_id}/deliverables/{deliverable_id}/decide"): scoped(
        form={"status": "missed"}
    ),
    ("POST", "/campaigns/{campaign_id}/deliverables/{deliverable_id}/recheck"): scoped(form={}),
    # Lists, notes and tags, saved searches
    ("GET", "/api/v1/lists"): own(),
    ("POST", "/api/v1/lists"): own(json={"name": "Outsider list"}),
    ("GET", "/api/v1/lists/{list_id}"): scoped(),
    ("PATCH", "/api/v1/lists/{list_id}"): scoped(json={"name": "Outsider"}),
    ("DELETE", "/api/v1/lists/{list_id}"): scoped(),
    ("POST", "/api/v1/lists/{list_id}/members"): scoped(json={"account_ids": ["{account_id}"]}),
    ("POST", "/api/v1/lists/{list_id}/members/remove"): scoped(
        json={"account_ids": ["{account_id}"]}
    ),
    ("PUT", "/api/v1/lists/{list_id}/order"): scoped(json={"account_ids": ["{account_id}"]}),
    ("GET", "/api/v1/lists/{list_id}/export.csv"): scoped(),
    ("POST", "/api/v1/lists/{list_id}/campaign"): scoped(json={"campaign_id": "{campaign_id}"}),
    ("GET", "/api/v1/lists/creators/{account_id}"): own(),
    ("POST", "/api/v1/lists/creators/{account_id}/notes"): own(json={"body": "outsider"}),
    ("PUT", "/api/v1/lists/creators/{account_id}/tags"): own(json={"tags": ["outsider"]}),
    ("DELETE", "/api/v1/lists/notes/{note_id}"): scoped(),
    ("GET", "/api/v1/saved-searches"): own(),
    ("POST", "/api/v1/saved-searches"): own(json={"name": "Outsider", "query": {}}),
    ("GET", "/api/v1/saved-searches/{search_id}"): scoped(),
    ("PATCH", "/api/v1/saved-searches/{search_id}"): scoped(json={"name": "Outsider"}),
    ("DELETE", "/api/v1/saved-searches/{search_id}"): scoped(),
    ("GET", "/lists"): own(),
    ("POST", "/lists"): own(form={"name": "Outsider list"}),
    ("GET", "/lists/add"): own(query="account_id={account_id}"),
    ("POST", "/lists/add"): scoped(form={"account_id": "{account_id}", "list_id": "{list_id}"}),
    ("GET", "/lists/creators/{account_id}"): own(),
    ("POST", "/lists/creators/{account_id}/notes"): own(form={"body": "outsider"}),
    ("POST", "/lists/creators/{account_id}/tags"): own(form={"tags": "outsider"}),
    ("POST", "/lists/notes/{note_id}/delete"): scoped(form={}),
    ("POST", "/lists/searches"): own(form={"name": "Outsider", "query": "platform=instagram"}),
    ("GET", "/lists/searches/{search_id}/count"): scoped(),
    ("POST", "/lists/searches/{search_id}/rename"): scoped(form={"name": "Outsider"}),
    ("POST", "/lists/searches/{search_id}/delete"): scoped(form={}),
    ("GET", "/lists/{list_id}"): scoped(),
    ("POST", "/lists/{list_id}"): scoped(form={"name": "Outsider"}),
    ("POST", "/lists/{list_id}/delete"): scoped(form={}),
    ("POST", "/lists/{list_id}/members/{account_id}/remove"): scoped(form={}),
    ("POST", "/lists/{list_id}/members/{account_id}/move"): scoped(form={"direction": "up"}),
    ("POST", "/lists/{list_id}/campaign"): scoped(form={"campaign_id": "{campaign_id}"}),
    # Campaign reports: the member page, its downloads and read-only links
    ("GET", "/campaigns/{campaign_id}/report"): scoped(),
    ("GET", "/campaigns/{campaign_id}/report.csv"): scoped(query="table=creators"),
    ("GET", "/campaigns/{campaign_id}/report.zip"): scoped(),
    ("GET", "/campaigns/{campaign_id}/report.xlsx"): scoped(),
    ("GET", "/campaigns/{campaign_id}/report.pdf"): scoped(),
    ("POST", "/campaigns/{campaign_id}/report/shares"): scoped(form={"days": "30"}),
    ("POST", "/campaigns/{campaign_id}/report/shares/{share_id}/revoke"): scoped(form={}),
    ("GET", "/api/v1/campaigns/{campaign_id}/report-shares"): scoped(),
    # Campaign reports: JSON, tier comparison, EMV value table, manual post metrics
    ("GET", "/api/v1/campaigns/{campaign_id}/report"): scoped(),
    ("GET", "/api/v1/reports/tier-comparison"): own(),
    ("GET", "/api/v1/reports/emv-table"): own(),
    ("PUT", "/api/v1/reports/emv-table"): own(
        json={
            "currency": "EUR",
            "rates": [{"platform": "*", "action": "likes", "low_per_1000": 1, "high_per_1000": 2}],
        }
    ),
    ("POST", "/api/v1/campaigns/{campaign_id}/posts/{post_id}/metrics"): scoped(json={"likes": 1}),
    ("POST", "/api/v1/campaigns/{campaign_id}/report-shares"): scoped(json={"days": 30}),
    ("DELETE", "/api/v1/report-shares/{share_id}"): scoped(),
    ("GET", "/reports/tiers"): own(),
    ("GET", "/reports/tiers/{currency}"): own(),
    ("GET", "/reports/tiers/{currency}/report.csv"): own(query="table=tier_comparison"),
    ("GET", "/reports/tiers/{currency}/report.zip"): own(),
    ("GET", "/reports/tiers/{currency}/report.xlsx"): own(),
    ("GET", "/reports/tiers/{currency}/report.pdf"): own(),
    ("GET", "/reports/shared/{token}"): public(
        "a report shared by a read-only link: the random token in the address is the "
        "authority (tests/reports/test_sharing.py); a wrong, expired or revoked one is a 404"
    ),
    ("GET", "/reports/shared/{token}/report.csv"): public(
        "a shared report's table as CSV, behind the same token", query="table=creators"
    ),
    ("GET", "/reports/shared/{token}/report.zip"): public("a shared report's tables, same token"),
    ("GET", "/reports/shared/{token}/report.xlsx"): public("a shared report as XLSX, same token"),
    ("GET", "/reports/shared/{token}/report.pdf"): public("a shared report as PDF, same token"),
    # Brand profile (always the caller's own organisation's)
    ("GET", "/api/v1/brand-profile"): own(),
    ("PUT", "/api/v1/brand-profile"): own(json={"name": "Outsider"}),
    ("GET", "/brands/profile"): own(),
    ("POST", "/brands/profile"): own(form={"name": "Outsider"}),
    # Campaigns (creator portal)
    ("GET", "/portal/invitations"): scoped(query="token={pending_token}"),
    ("POST", "/portal/invitations"): scoped(form={"token": "{pending_token}", **TERMS_FORM}),
    ("GET", "/portal/campaigns"): own(),
    ("GET", "/portal/campaigns/{member_id}"): scoped(),
    ("POST", "/portal/campaigns/{member_id}/answer"): scoped(form=TERMS_FORM),
    ("POST", "/portal/deliverables/{deliverable_id}/drafts"): scoped(
        form={"text": "outsider"}, files={"media": ("x.png", PNG, "image/png")}
    ),
    ("POST", "/portal/deliverables/{deliverable_id}/post"): scoped(
        form={"post_url": "https://www.instagram.com/p/outsider/", "caption": "#ad"}
    ),
    ("GET", "/portal/drafts/{draft_id}/media"): scoped(),
}

SECRETS = (
    "Quartz Org Ltd",
    "Quartz campaign",
    "QUARTZ-GUIDE",
    "QUARTZ-DRAFT",
    "QUARTZ-COMMENT",
    "QUARTZMEDIA",
    "zed.secret@example.com",
    "pending.secret@example.com",
    "quartz.invitee@example.com",
    "quartz-key",
    "quartz-destination.example",
    "quartz-brand.example",
    "QUARTZ10",
    "QUARTZ-ORDER",
    "QUARTZ-LIST",
    "QUARTZ-NOTE",
    "quartz-secret-tag",
    "QUARTZ-SEARCH",
    "quartz-short.example",
)


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, including those of included routers; HEAD is GET's."""
    found: set[tuple[str, str]] = set()
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            entries = [
                (c.methods, c.path) for c in (contexts() if callable(contexts) else contexts)
            ]
        elif hasattr(route, "methods") and route.methods is not None:
            entries = [(route.methods, route.path)]
        else:
            entries = [({"MOUNT"}, getattr(route, "path", repr(route)))]
        for methods, path in entries:
            for method in set(methods or ()) - {"HEAD"}:
                found.add((method, path))
    return found


@pytest.fixture
def new_client(settings: Settings, database: Database) -> Iterator[Callable[[], TestClient]]:
    with ExitStack() as stack:
        yield lambda: stack.enter_context(running_client(settings, database))


def test_every_route_is_in_the_table(new_client: Callable[[], TestClient]) -> None:
    routes = app_routes(app_of(new_client()))
    missing = sorted(routes - ROUTES.keys())
    stale = sorted(ROUTES.keys() - routes)
    assert not missing, (
        f"routes without a tenancy entry: {missing}; add each to ROUTES in tests/test_tenancy.py "
        "with how an outsider calls it, or why it is public"
    )
    assert not stale, f"entries for routes that no longer exist: {stale}"


@dataclass
class World:
    ids: dict[str, str]
    organisation_id: uuid.UUID
    user_ids: list[uuid.UUID]


@pytest.fixture
def world(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> Iterator[World]:
    """The first organisation with one of everything, made through HTTP where it can be."""
    account = make_account(session, handle="quartz.creator")
    pending_account = make_account(session, handle="quartz.pending")
    alice, zed = new_client(), new_client()
    brand(alice, "alice@example.com", "Quartz Org Ltd")
    campaign, page, items = accepted(alice, zed, str(account.id), "zed.secret@example.com")
    api(
        alice,
        "PUT",
        f"/api/v1/campaigns/{campaign['id']}",
        {
            **{k: v for k, v in campaign.items() if k in _BRIEF_KEYS},
            "name": "Quartz campaign",
            "guidelines": "QUARTZ-GUIDE",
        },
    )
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', zed.get(page).text)
    assert csrf
    zed.post(
        f"/portal/deliverables/{items[0]['id']}/drafts",
        data={"text": "QUARTZ-DRAFT", "csrf_token": csrf.group(1)},
        files={"media": ("q.png", PNG + b"QUARTZMEDIA", "image/png")},
    )
    drafts = api(alice, "GET", f"/api/v1/campaigns/{campaign['id']}/drafts").json()
    api(
        alice,
        "POST",
        f"/api/v1/drafts/{drafts[0]['id']}/reviews",
        {"decision": "comment", "body": "QUARTZ-COMMENT"},
    )
    api(
        alice,
        "PUT",
        "/api/v1/brand-profile",
        {"name": "Quartz Org Ltd", "website": "https://quartz-brand.example/"},
    )
    pending = invite(alice, campaign["id"], (str(pending_account.id), "pending.secret@example.com"))
    pending_token = link_path(pending.json()[0]["url"]).split("token=")[1]

    user = session.scalars(sa.select(User).where(User.email == "alice@example.com")).one()
    org = session.scalars(
        sa.select(Organisation).where(Organisation.name == "Quartz Org Ltd")
    ).one()
    membership = session.scalars(sa.select(Membership).where(Membership.user_id == user.id)).one()
    ctx = OrgContext(org, user, Role.OWNER)
    now = utcnow()
    key = organisations.create_api_key(
        session, settings, ctx, ApiKeyCreate(name="quartz-key", scopes=[ApiScope.LINKS_WRITE]), now
    )
    invitation = organisations.invite(
        session, settings, ctx, "quartz.invitee@example.com", "member", now
    )
    domain = ShortDomain(
        organisation_id=org.id, host="quartz-short.example", enabled=True, verified_at=now
    )
    session.add(domain)
    link = Link(
        organisation_id=org.id,
        slug="quartzslug",
        destination="https://quartz-destination.example/",
        campaign_id=uuid.UUID(campaign["id"]),
        creator_id=account.creator_id,
    )
    session.add(link)
    session.flush()
    zed_id = session.scalars(sa.select(User.id).where(User.email == "zed.secret@example.com")).one()
    session.add(BioPage(user_id=zed_id, handle=account.handle, bio="Quartz bio line"))
    session.flush()
    code = PromoCode(
        id=uuid.uuid4(),
        organisation_id=org.id,
        code="QUARTZ10",
        code_key="QUARTZ10",
        creator_id=account.creator_id,
    )
    session.add(code)
    session.flush()
    session.add(
        Conversion(
            organisation_id=org.id,
            order_id="QUARTZ-ORDER",
            source=ConversionSource.API,
            amount_minor=100,
            currency="EUR",
            occurred_at=now,
            promo_code="QUARTZ10",
            rule=AttributionRule.PROMO_CODE,
            promo_code_id=code.id,
            creator_id=account.creator_id,
        )
    )
    session.flush()
    share = sharing.create_share(session, settings, ctx, uuid.UUID(campaign["id"]), 30, now)
    zed_user = session.scalars(sa.select(User).where(User.email == "zed.secret@example.com")).one()
    ids = {
        "campaign_id": campaign["id"],
        "member_id": items[0]["member_id"],
        "deliverable_id": items[0]["id"],
        "draft_id": drafts[0]["id"],
        "slug": org.slug,
        "organisation_id": str(org.id),
        "key_id": str(key.id),
        "invitation_id": str(invitation.invitation.id),
        "membership_id": str(membership.id),
        "claim_id": str(uuid.uuid4()),
        "link_id": str(link.id),
        "share_id": str(share.share.id),
        "currency": "EUR",
        "domain_id": str(domain.id),
        "action": "remove",
        "code_id": str(code.id),
        "kind": "png",
        "token": "0" * 32,
        "creator_id": str(account.creator_id),
        "account_id": str(account.id),
        "handle": account.handle,
        "pending_token": pending_token,
        "post_id": str(uuid.uuid4()),
        **_quartz_lists(alice, str(account.id)),
        "platform": "instagram",
    }
    yield World(ids, org.id, [user.id, zed_user.id])


def _quartz_lists(alice: TestClient, account_id: str) -> dict[str, str]:
    """A list with the account on it, a note, a tag and a saved search of the first
    organisation."""
    made = api(alice, "POST", "/api/v1/lists", {"name": "QUARTZ-LIST", "description": "x"})
    list_id = made.json()["id"]
    api(alice, "POST", f"/api/v1/lists/{list_id}/members", {"account_ids": [account_id]})
    note = api(alice, "POST", f"/api/v1/lists/creators/{account_id}/notes", {"body": "QUARTZ-NOTE"})
    api(alice, "PUT", f"/api/v1/lists/creators/{account_id}/tags", {"tags": ["quartz-secret-tag"]})
    search = api(
        alice,
        "POST",
        "/api/v1/saved-searches",
        {"name": "QUARTZ-SEARCH", "query": {"platform": ["instagram"]}},
    )
    assert search.status_code == 201, search.text
    return {"list_id": list_id, "note_id": note.json()["id"], "search_id": search.json()["id"]}


_BRIEF_KEYS = (
    "goal",
    "starts_on",
    "ends_on",
    "budget_minor",
    "currency",
    "required_hashtags",
    "required_mentions",
    "disclosure_required",
    "deliverables",
    "default_terms",
)


def snapshot(session: Session, world: World) -> dict[str, list[tuple[str, ...]]]:
    """Every row the first organisation owns (any table with organisation_id), its
    organisation row, and the rows of its people."""
    session.expire_all()
    rows: dict[str, list[tuple[str, ...]]] = {}
    for table in metadata.sorted_tables:
        columns = table.columns
        if "organisation_id" in columns:
            where = columns["organisation_id"] == world.organisation_id
        elif table.name == "organisations":
            where = columns["id"] == world.organisation_id
        elif table.name == "users":
            where = columns["id"].in_(world.user_ids)
        elif "user_id" in columns:
            where = columns["user_id"].in_(world.user_ids)
        else:
            continue
        result = session.execute(sa.select(table).where(where))
        rows[table.name] = sorted(tuple(str(v) for v in row) for row in result)
    return rows


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _call(
    client: TestClient, csrf: str, method: str, path: str, spec: Spec, ids: dict[str, str]
) -> Any:
    url = _fill(path, ids).replace("{token}", ids["token"])
    if spec.query:
        url += "?" + _fill(spec.query, ids)
    headers = {"X-CSRF-Token": csrf} if method != "GET" else {}
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if spec.json is not None:
        kwargs["json"] = _fill(spec.json, ids)
    elif spec.form is not None or spec.files is not None:
        kwargs["data"] = {**_fill(spec.form or {}, ids), "csrf_token": csrf}
        if spec.files:
            kwargs["files"] = spec.files
    return client.request(method, url, **kwargs)


def _outsiders(
    new_client: Callable[[], TestClient], session: Session
) -> dict[str, tuple[TestClient, str]]:
    bob, carl, anonymous = new_client(), new_client(), new_client()
    brand(bob, "bob@example.com", "Other Brand")
    creator(carl, "carl@example.com")
    return {
        "member of another organisation": (bob, token(bob, "/organisation")),
        "creator outside the campaign": (carl, token(carl, "/portal")),
        "anonymous": (anonymous, token(anonymous, "/sign-in")),
    }


def test_outsiders_read_and_change_nothing_of_another_organisation(
    new_client: Callable[[], TestClient], session: Session, world: World
) -> None:
    before = snapshot(session, world)
    outsiders = _outsiders(new_client, session)
    failures: list[str] = []
    for (method, path), spec in sorted(ROUTES.items()):
        if not spec.call:
            continue
        for who, (client, csrf) in outsiders.items():
            response = _call(client, csrf, method, path, spec, world.ids)
            shown = response.text + response.headers.get("location", "")
            leaked = [s for s in SECRETS if s.lower() in shown.lower()]
            if leaked:
                failures.append(f"{method} {path} as {who}: shows {leaked}")
            if spec.kind == "public":
                continue
            if who == "anonymous" and not spec.anonymous_ok:
                to_sign_in = response.status_code == 303 and response.headers[
                    "location"
                ].startswith("/sign-in")
                if response.status_code != 401 and not to_sign_in:
                    failures.append(
                        f"{method} {path} as {who}: {response.status_code}, not sent to sign in"
                    )
            elif spec.kind == "scoped" and response.status_code < 400:
                failures.append(f"{method} {path} as {who}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert snapshot(session, world) == before


def test_the_table_calls_scoped_routes_with_the_first_organisations_ids() -> None:
    """A scoped entry must name something of the first organisation (path or body)."""
    for (method, path), spec in ROUTES.items():
        if spec.kind == "scoped":
            named = "{" in path or "{" in str(spec.json) + str(spec.form) + spec.query
            assert named or spec.form is not None, f"{method} {path}"
