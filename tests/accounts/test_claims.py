"""The creator portal: sign up as a creator, claim an account, verify it with a bio code."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts.enums import ClaimStatus, UserKind
from microreach.accounts.models import CreatorClaim, User
from microreach.creators.enums import Platform
from microreach.creators.models import PlatformAccount
from tests.accounts.support import PASSWORD, make_organisation, make_user, post, sign_in
from tests.factories import make_account
from tests.web.support import TestClient

PORTAL = "/portal"


def _creator(client: TestClient, email: str = "cre@example.com") -> None:
    data = {"email": email, "display_name": "Cre Ator", "password": PASSWORD}
    response = post(client, "/portal/sign-up", data, page="/portal/sign-up")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/portal?done=welcome"


def _claim(client: TestClient, platform: str, handle: str) -> httpx.Response:
    return post(client, f"{PORTAL}/claims", {"platform": platform, "handle": handle}, page=PORTAL)


def _code(html: str) -> str:
    match = re.search(r"<code>(MR-[A-Z0-9]{6})</code>", html)
    assert match, html
    return match.group(1)


def _set_bio(session: Session, account: PlatformAccount, bio: str) -> None:
    account.bio = bio
    session.flush()


def test_a_creator_signs_up_and_lands_on_the_portal(client: TestClient, session: Session) -> None:
    _creator(client)

    user = session.scalars(sa.select(User)).one()
    assert user.kind is UserKind.CREATOR
    html = client.get("/portal?done=welcome").text
    assert "Your accounts" in html and "No accounts claimed yet." in html
    assert '<a href="/portal">Portal</a>' in html


def test_claim_then_verify_with_the_code_in_the_bio(client: TestClient, session: Session) -> None:
    account = make_account(session, platform=Platform.TIKTOK, handle="sunny.runs", bio="I run.")
    _creator(client)

    claimed = _claim(client, "tiktok", "@Sunny.Runs")
    assert claimed.status_code == 303
    page = client.get(PORTAL).text
    code = _code(page)
    assert "@sunny.runs" in page and ">pending</span>" in page
    claim = session.scalars(sa.select(CreatorClaim)).one()
    check = f"{PORTAL}/claims/{claim.id}/check"

    not_yet = post(client, check, page=PORTAL)
    assert not_yet.status_code == 422
    assert f"The code {code} is not in the bio we have for @sunny.runs yet" in not_yet.text

    _set_bio(session, account, f"I run. {code.lower()}")
    verified = post(client, check, page=PORTAL)

    assert verified.status_code == 303
    session.expire_all()
    claim = session.scalars(sa.select(CreatorClaim)).one()
    assert claim.status is ClaimStatus.VERIFIED and claim.verified_at is not None
    assert ">verified</span>" in client.get(PORTAL).text


def test_claiming_twice_keeps_one_claim_and_its_code(client: TestClient, session: Session) -> None:
    make_account(session, handle="sunny")
    _creator(client)

    _claim(client, "instagram", "sunny")
    first = _code(client.get(PORTAL).text)
    _claim(client, "instagram", "SUNNY")

    assert _code(client.get(PORTAL).text) == first
    assert session.scalar(sa.select(sa.func.count()).select_from(CreatorClaim)) == 1


def test_unknown_accounts_and_bad_input_are_explained(client: TestClient, session: Session) -> None:
    _creator(client)

    unknown = _claim(client, "youtube", "@nobody")
    blank = _claim(client, "youtube", "  @ ")
    platform = _claim(client, "myspace", "tom")

    assert unknown.status_code == 404
    assert "microreach does not track @nobody on youtube yet." in unknown.text
    assert blank.status_code == 422 and "Enter the account" in blank.text
    assert platform.status_code == 422 and "Choose a platform." in platform.text


def test_an_account_verified_by_one_creator_cannot_be_verified_by_another(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    account = make_account(session, handle="sunny")
    first, second = new_client(), new_client()
    _creator(first, "one@example.com")
    _creator(second, "two@example.com")
    _claim(first, "instagram", "sunny")
    _claim(second, "instagram", "sunny")
    codes = dict(session.execute(sa.select(CreatorClaim.code, CreatorClaim.id)).all())
    first_code = _code(first.get(PORTAL).text)
    _set_bio(session, account, " ".join(codes))
    assert post(first, f"{PORTAL}/claims/{codes[first_code]}/check", page=PORTAL).status_code == 303

    second_code = _code(second.get(PORTAL).text)
    refused = post(second, f"{PORTAL}/claims/{codes[second_code]}/check", page=PORTAL)
    again = _claim(second, "instagram", "sunny")

    assert refused.status_code == 409
    assert "@sunny is claimed and verified by another creator already." in refused.text
    assert again.status_code == 303  # the existing pending claim is shown again, not a new one


def test_claims_belong_to_their_creator(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    make_account(session, handle="sunny")
    owner, other = new_client(), new_client()
    _creator(owner, "one@example.com")
    _creator(other, "two@example.com")
    _claim(owner, "instagram", "sunny")
    claim = session.scalars(sa.select(CreatorClaim)).one()

    response = post(other, f"{PORTAL}/claims/{claim.id}/check", page=PORTAL)

    assert response.status_code == 404
    assert "@sunny" not in other.get(PORTAL).text


def test_brand_users_are_not_creators(client: TestClient, session: Session) -> None:
    make_organisation(session, make_user(session, email="ada@example.com"))
    sign_in(client, "ada@example.com")

    response = client.get(PORTAL)

    assert response.status_code == 403
    assert "The creator portal is for creator accounts." in response.text


def test_the_portal_needs_a_sign_in(client: TestClient) -> None:
    response = client.get(PORTAL, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fportal"
