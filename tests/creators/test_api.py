"""The creators JSON API over HTTP: keyset pages, filters, validation problems and detail."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from microreach.creators.enums import Platform
from microreach.creators.models import PlatformAccount
from microreach.science.tiers import tier_for
from tests.factories import BASE_TIME, make_account, make_creator, make_post
from tests.web.support import TestClient, make_account_snapshot, make_post_snapshot

LIST = "/api/v1/creators"


def _walk(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """Every item of every page, following next_cursor until it is null."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(LIST, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= params.get("limit", 25)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def _handles(items: list[dict[str, Any]]) -> list[str]:
    return [item["handle"] for item in items]


@pytest.fixture
def eleven(session: Session) -> list[PlatformAccount]:
    """Eleven accounts with follower ties, so the id tie-breaker matters."""
    followers = [500, 1_000, 1_000, 1_000, 25_000, 99_999, 100_000, 100_000, 750_000, 0, 3]
    names = ["kilo", "alpha", "echo", "golf", "bravo", "juliet"]
    names += ["delta", "hotel", "india", "charlie", "foxtrot"]
    return [
        make_account(session, handle=name, display_name=name.title(), followers=count)
        for name, count in zip(names, followers, strict=True)
    ]


def _expected(accounts: list[PlatformAccount], sort: str) -> list[str]:
    if sort == "handle":
        ordered = sorted(accounts, key=lambda a: (a.handle, a.id))
    elif sort == "followers_asc":
        ordered = sorted(accounts, key=lambda a: (a.followers, a.id))
    else:
        ordered = sorted(accounts, key=lambda a: (a.followers, a.id), reverse=True)
    return [account.handle for account in ordered]


@pytest.mark.parametrize("sort", ["followers_desc", "followers_asc", "handle"])
@pytest.mark.parametrize("limit", [1, 3, 11, 100])
def test_cursor_walks_every_account_once_in_order(
    client: TestClient, eleven: list[PlatformAccount], sort: str, limit: int
) -> None:
    items = _walk(client, sort=sort, limit=limit)

    assert _handles(items) == _expected(eleven, sort)


def test_default_order_is_most_followers_first(
    client: TestClient, eleven: list[PlatformAccount]
) -> None:
    page = client.get(LIST).json()

    assert _handles(page["items"]) == _expected(eleven, "followers_desc")
    assert page["next_cursor"] is None


def test_last_full_page_has_no_next_cursor(
    client: TestClient, eleven: list[PlatformAccount]
) -> None:
    first = client.get(LIST, params={"limit": 10}).json()
    second = client.get(LIST, params={"limit": 10, "cursor": first["next_cursor"]}).json()

    assert first["next_cursor"] is not None
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None


def test_item_carries_account_creator_and_tier(client: TestClient, session: Session) -> None:
    creator = make_creator(session, name="Ada Lovelace")
    account = make_account(
        session,
        creator,
        platform=Platform.TIKTOK,
        handle="ada",
        display_name="Ada L.",
        followers=12_345,
        following=321,
        media_count=88,
        country="GB",
        language="en",
        verified=True,
    )

    (item,) = client.get(LIST).json()["items"]

    assert item == {
        "id": str(account.id),
        "creator_id": str(creator.id),
        "creator_name": "Ada Lovelace",
        "platform": "tiktok",
        "handle": "ada",
        "display_name": "Ada L.",
        "followers": 12_345,
        "following": 321,
        "media_count": 88,
        "country": "GB",
        "language": "en",
        "verified": True,
        "tier": {"name": "micro", "label": "micro (1K-100K)"},
    }


def test_filter_by_platform(client: TestClient, session: Session) -> None:
    make_account(session, handle="on-insta", platform=Platform.INSTAGRAM)
    make_account(session, handle="on-yt", platform=Platform.YOUTUBE)

    items = client.get(LIST, params={"platform": "youtube"}).json()["items"]

    assert _handles(items) == ["on-yt"]


def test_filter_by_follower_bounds_is_inclusive(
    client: TestClient, eleven: list[PlatformAccount]
) -> None:
    items = _walk(client, min_followers=1_000, max_followers=100_000, sort="followers_asc")

    assert [item["followers"] for item in items] == [
        1_000,
        1_000,
        1_000,
        25_000,
        99_999,
        100_000,
        100_000,
    ]


@pytest.mark.parametrize(
    ("tier", "followers"),
    [
        ("nano", [0, 3, 500]),
        ("micro", [1_000, 1_000, 1_000, 25_000, 99_999]),
        ("mid", [100_000, 100_000]),
        ("macro", [750_000]),
        ("mega", []),
    ],
)
def test_filter_by_tier_of_the_configured_scheme(
    client: TestClient, eleven: list[PlatformAccount], tier: str, followers: list[int]
) -> None:
    items = _walk(client, tier=tier, sort="followers_asc")

    assert [item["followers"] for item in items] == followers
    assert {item["tier"]["name"] for item in items} <= {tier}


@pytest.mark.parametrize(
    ("q", "handles"),
    [
        ("ECH", ["echo"]),
        ("@golf", ["golf"]),
        ("Juliet", ["juliet"]),
        ("o", ["bravo", "echo", "foxtrot", "golf", "hotel", "kilo"]),
        ("%", []),
        ("_", []),
    ],
)
def test_search_matches_handle_or_display_name(
    client: TestClient, eleven: list[PlatformAccount], q: str, handles: list[str]
) -> None:
    items = _walk(client, q=q, sort="handle")

    assert _handles(items) == handles


def test_search_by_display_name_only(client: TestClient, session: Session) -> None:
    make_account(session, handle="xy123", display_name="Marie Curie")

    items = client.get(LIST, params={"q": "curie"}).json()["items"]

    assert _handles(items) == ["xy123"]


def test_filters_combine(client: TestClient, session: Session) -> None:
    make_account(session, handle="yt-small", platform=Platform.YOUTUBE, followers=2_000)
    make_account(session, handle="yt-big", platform=Platform.YOUTUBE, followers=200_000)
    make_account(session, handle="ig-small", platform=Platform.INSTAGRAM, followers=2_000)

    items = client.get(LIST, params={"platform": "youtube", "tier": "micro"}).json()["items"]

    assert _handles(items) == ["yt-small"]


def test_blank_parameters_mean_unset(client: TestClient, eleven: list[PlatformAccount]) -> None:
    params = {"platform": "", "tier": "", "q": " ", "min_followers": "", "sort": ""}
    items = client.get(LIST, params=params).json()["items"]

    assert _handles(items) == _expected(eleven, "followers_desc")


def _foreign_cursor() -> str:
    raw = f'["followers_desc", "many", "{uuid.uuid4()}"]'.encode()
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"limit": "101"}, "limit", "less than or equal to 100"),
        ({"limit": "ten"}, "limit", "valid integer"),
        ({"platform": "myspace"}, "platform", "'instagram'"),
        ({"min_followers": "-1"}, "min_followers", "greater than or equal to 0"),
        ({"max_followers": "-5"}, "max_followers", "greater than or equal to 0"),
        ({"min_followers": "10", "max_followers": "5"}, "max_followers", "min_followers (10)"),
        ({"min_followers": str(2**70)}, "min_followers", "less than or equal to"),
        ({"sort": "random"}, "sort", "'followers_desc'"),
        ({"tier": "giga"}, "tier", "unknown tier 'giga'; known tiers: nano, micro"),
        ({"q": "a\x00b"}, "q", "control characters"),
        ({"q": "x" * 101}, "q", "at most 100 characters"),
        ({"cursor": "not a cursor!"}, "cursor", "is not a cursor from this API"),
        ({"cursor": "bm9wZQ"}, "cursor", "is not a cursor from this API"),
        ({"cursor": _foreign_cursor()}, "cursor", "is not a cursor from this API"),
    ],
)
def test_bad_parameters_are_422_problems_naming_the_field(
    client: TestClient, params: dict[str, str], field: str, message: str
) -> None:
    response = client.get(LIST, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["status"] == 422
    assert problem["title"] == "Unprocessable Entity"
    assert [error["field"] for error in problem["errors"]] == [field]
    assert message in problem["errors"][0]["message"]
    assert field in problem["detail"]


def test_bad_value_is_echoed_in_the_problem(client: TestClient) -> None:
    problem = client.get(LIST, params={"limit": "500"}).json()

    assert problem["errors"] == [
        {"field": "limit", "message": "Input should be less than or equal to 100", "value": "500"}
    ]


def test_cursor_of_another_sort_is_refused(
    client: TestClient, eleven: list[PlatformAccount]
) -> None:
    cursor = client.get(LIST, params={"limit": 2, "sort": "handle"}).json()["next_cursor"]

    response = client.get(LIST, params={"cursor": cursor, "sort": "followers_desc"})

    assert response.status_code == 422
    assert "was issued for sort=handle" in response.json()["errors"][0]["message"]


def _creator_with_history(session: Session) -> tuple[Any, PlatformAccount, PlatformAccount]:
    creator = make_creator(session, name="Grace Hopper")
    small = make_account(session, creator, platform=Platform.TIKTOK, followers=800)
    big = make_account(session, creator, platform=Platform.YOUTUBE, followers=150_000)
    for day in (3, 1, 2):
        make_account_snapshot(session, big, BASE_TIME - timedelta(days=day), 150_000 - day * 10)
    return creator, small, big


def test_detail_returns_creator_accounts_tiers_and_history(
    client: TestClient, session: Session
) -> None:
    creator, small, big = _creator_with_history(session)

    response = client.get(f"{LIST}/{creator.id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["kind"]) == (str(creator.id), "Grace Hopper", "person")
    assert [a["id"] for a in body["accounts"]] == [str(big.id), str(small.id)]
    assert [a["tier"]["name"] for a in body["accounts"]] == ["mid", "nano"]
    assert [p["followers"] for p in body["accounts"][0]["follower_history"]] == [
        149_970,
        149_980,
        149_990,
    ]
    assert body["accounts"][1]["follower_history"] == []
    assert body["accounts"][1]["recent_posts"] == []


def test_detail_lists_twelve_newest_live_posts_with_latest_metrics(
    client: TestClient, session: Session
) -> None:
    account = make_account(session)
    posts = [
        make_post(session, account, posted_at=BASE_TIME - timedelta(hours=hour))
        for hour in range(15)
    ]
    make_post(session, account, posted_at=BASE_TIME + timedelta(hours=1), deleted_at=BASE_TIME)
    make_post_snapshot(session, posts[0], BASE_TIME, likes=10, comments=1, views=100)
    make_post_snapshot(
        session, posts[0], BASE_TIME + timedelta(days=1), likes=25, comments=4, views=None
    )

    body = client.get(f"{LIST}/{account.creator_id}").json()

    recent = body["accounts"][0]["recent_posts"]
    assert [post["id"] for post in recent] == [str(post.id) for post in posts[:12]]
    assert recent[0]["metrics"] == {
        "captured_at": "2026-01-16T12:00:00Z",
        "likes": 25,
        "comments": 4,
        "views": None,
    }
    assert all(post["metrics"] is None for post in recent[1:])


def test_detail_of_unknown_creator_is_a_404_problem(client: TestClient) -> None:
    missing = uuid.uuid4()

    response = client.get(f"{LIST}/{missing}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": f"No creator with id {missing}.",
    }


def test_detail_with_malformed_id_is_a_422_problem(client: TestClient) -> None:
    response = client.get(f"{LIST}/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "creator_id"
    assert response.json()["errors"][0]["value"] == "not-a-uuid"


def test_the_tier_scheme_can_be_chosen_per_request(client: TestClient, session: Session) -> None:
    account = make_account(session, followers=7000)
    session.flush()
    default = client.get("/api/v1/creators", params={"q": account.handle}).json()
    chosen = client.get(
        "/api/v1/creators", params={"q": account.handle, "tier_scheme": "hypeauditor-2018"}
    ).json()
    assert default["items"][0]["tier"]["name"] == "micro"
    assert chosen["items"][0]["tier"]["label"] == tier_for(7000, None, "hypeauditor-2018").label
    assert chosen["items"][0]["tier"]["label"] != default["items"][0]["tier"]["label"]
    detail = client.get(
        f"/api/v1/creators/{account.creator_id}", params={"tier_scheme": "later-fohr-2021"}
    ).json()
    assert detail["accounts"][0]["tier"]["name"] == tier_for(7000, None, "later-fohr-2021").name


def test_an_unknown_tier_scheme_is_refused_naming_the_parameter(
    client: TestClient, session: Session
) -> None:
    account = make_account(session)
    session.flush()
    for response in (
        client.get("/api/v1/creators", params={"tier_scheme": "giant"}),
        client.get(f"/api/v1/creators/{account.creator_id}", params={"tier_scheme": "giant"}),
    ):
        assert response.status_code == 422
        assert "tier_scheme" in response.text and "unknown tier scheme" in response.text
