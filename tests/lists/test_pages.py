"""The lists pages: /lists, a list's page, the add-to-list control (htmx and plain forms),
saving a search from Discover, notes and tags, and inviting a list to a campaign."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.orm import Session

from microreach.discovery.indexer import IndexResult
from tests.accounts.support import htmx, token
from tests.campaigns.support import brand, create_campaign, form
from tests.factories import make_account, make_creator
from tests.web.support import TestClient


def _list_id(location: str) -> str:
    match = re.fullmatch(r"/lists/([0-9a-f-]{36})\?done=\w+", location)
    assert match, location
    return match.group(1)


def test_lists_page_says_what_to_do_next(new_client: Callable[[], TestClient]) -> None:
    shop, anonymous = new_client(), new_client()
    brand(shop)
    page = shop.get("/lists")
    assert page.status_code == 200
    assert "No lists yet" in page.text and "No saved searches yet" in page.text
    assert 'href="/lists"' in shop.get("/campaigns").text
    assert (
        anonymous.get("/lists", follow_redirects=False).headers["location"].startswith("/sign-in")
    )
    made = form(shop, "/lists", {"name": "Summer", "description": "For June"}, "/lists")
    assert made.status_code == 303
    detail = shop.get(made.headers["location"])
    assert "List created" in detail.text and "This list is empty" in detail.text
    again = form(shop, "/lists", {"name": "SUMMER"}, "/lists")
    assert again.status_code == 409
    assert re.search(r'class="field-error"[^>]*>[^<]*list called', again.text)


def test_add_to_list_from_discovery_and_creator_pages(
    new_client: Callable[[], TestClient], session: Session, indexed: IndexResult
) -> None:
    shop, anonymous = new_client(), new_client()
    brand(shop)
    discover = shop.get("/discover")
    assert "Add to list" in discover.text and "Save this search" in discover.text
    assert "Add to list" not in anonymous.get("/discover").text
    account_id = re.search(r"/lists/add\?account_id=([0-9a-f-]{36})", discover.text)
    assert account_id
    account = account_id.group(1)
    fragment = shop.get(f"/lists/add?account_id={account}", headers=htmx(shop, "/lists"))
    assert "<html" not in fragment.text and 'name="new_list"' in fragment.text
    added = shop.post(
        "/lists/add",
        data={"account_id": account, "new_list": "From discover"},
        headers=htmx(shop, "/lists"),
    )
    assert added.status_code == 200 and "Added to" in added.text and "<html" not in added.text
    list_id = re.search(r'/lists/([0-9a-f-]{36})"', added.text)
    assert list_id
    # Without JavaScript: the link opens the form as a page, which posts and redirects.
    page = shop.get(f"/lists/add?account_id={account}&next=/discover")
    assert "<html" in page.text and "From discover (1)" in page.text
    plain = make_account(session)
    posted = form(
        shop, "/lists/add", {"account_id": str(plain.id), "list_id": list_id.group(1)}, "/lists"
    )
    assert posted.status_code == 303 and _list_id(posted.headers["location"]) == list_id.group(1)
    listed = shop.get(f"/lists/{list_id.group(1)}")
    assert f"@{plain.handle}" in listed.text and "not indexed" in listed.text
    creator_page = shop.get(f"/creators/{plain.creator_id}")
    assert f"/lists/add?account_id={plain.id}" in creator_page.text
    bad = form(shop, "/lists/add", {"account_id": str(plain.id), "list_id": "nope"}, "/lists")
    assert bad.status_code == 422 and "nope is not an id" in bad.text
    # A whole results page at once.
    many = re.search(r'hx-get="(/lists/add\?account_id=[^"]+)"[^>]*>Add these (\d+)', discover.text)
    assert many and int(many.group(2)) > 1
    ids = re.findall(r"account_id=([0-9a-f-]{36})", many.group(1))
    page_form = shop.get(many.group(1).replace("&amp;", "&"), headers=htmx(shop, "/lists"))
    assert f"Add {len(ids)} creators to" in page_form.text
    bulk = shop.post(
        "/lists/add",
        data={"account_id": ids, "list_id": list_id.group(1)},
        headers=htmx(shop, "/lists"),
    )
    assert f"Added {len(ids) - 1} to" in bulk.text and "(1 already on it)" in bulk.text
    assert shop.get(f"/api/v1/lists/{list_id.group(1)}").json()["members"] == len(ids) + 1


def test_save_a_search_from_discovery(new_client: Callable[[], TestClient]) -> None:
    shop = new_client()
    brand(shop)
    bad = form(
        shop,
        "/lists/searches",
        {"name": "Bad", "query": "platform=instagram&min_authenticity=500"},
        "/lists",
    )
    assert bad.status_code == 422 and "query.min_authenticity" in bad.text
    saved = form(
        shop, "/lists/searches", {"name": "Insta", "query": "platform=instagram&q=vegan"}, "/lists"
    )
    assert saved.status_code == 303
    page = shop.get(saved.headers["location"])
    assert "Search saved" in page.text and "Insta" in page.text
    assert "/discover?q=vegan&amp;platform=instagram" in page.text
    count_url = re.search(r'hx-get="(/lists/searches/[0-9a-f-]{36}/count)"', page.text)
    assert count_url
    count = shop.get(count_url.group(1), headers={"HX-Request": "true"})
    assert ">0</data> accounts match now" in count.text and "<html" not in count.text
    whole = shop.get(count_url.group(1))
    assert "<html" in whole.text and "See them in Discover" in whole.text
    form(shop, "/lists/searches", {"name": "Other", "query": ""}, "/lists")
    ids = re.findall(r"/lists/searches/([0-9a-f-]{36})/rename", shop.get("/lists").text)
    assert len(ids) == 2
    # Renaming a search to its own name in other case is fine; to another's name is not.
    clash = [form(shop, f"/lists/searches/{i}/rename", {"name": "INSTA"}, "/lists") for i in ids]
    refused = [r for r in clash if r.status_code == 409]
    assert sorted(r.status_code for r in clash) == [303, 409]
    assert re.search(r'class="field-error">[^<]*saved search called', refused[0].text)


def test_notes_tags_and_invite_from_the_list_page(
    new_client: Callable[[], TestClient], session: Session
) -> None:
    shop = new_client()
    brand(shop)
    with_mail = make_account(session, creator=make_creator(session, contact_email="m@example.com"))
    without = make_account(session)
    list_id = _list_id(form(shop, "/lists", {"name": "Spring"}, "/lists").headers["location"])
    for account in (with_mail, without):
        form(shop, "/lists/add", {"account_id": str(account.id), "list_id": list_id}, "/lists")
    notes_path = f"/lists/creators/{with_mail.id}"
    assert form(shop, f"{notes_path}/notes", {"body": "Great reels"}, notes_path).status_code == 303
    assert form(shop, f"{notes_path}/tags", {"tags": "Vegan, DE"}, notes_path).status_code == 303
    bad = form(shop, f"{notes_path}/tags", {"tags": "ok, #"}, notes_path)
    assert bad.status_code == 422 and "is not a tag" in bad.text
    notes = shop.get(notes_path)
    assert "Great reels" in notes.text and 'value="de, vegan"' in notes.text
    assert "Spring" in notes.text
    page = shop.get(f"/lists/{list_id}?tag=vegan")
    assert f"@{with_mail.handle}" in page.text and f"@{without.handle}" not in page.text
    assert ">1 note</a>" in page.text
    campaign = create_campaign(shop)
    invited = form(
        shop, f"/lists/{list_id}/campaign", {"campaign_id": campaign["id"]}, f"/lists/{list_id}"
    )
    assert invited.status_code == 200, invited.text
    assert "Invited to Spring running shoes" in invited.text
    assert f"@{with_mail.handle} at m@example.com" in invited.text
    assert f"@{without.handle}: no contact email" in invited.text
    order = f"/lists/{list_id}/members/{without.id}/move"
    assert form(shop, order, {"direction": "up"}, f"/lists/{list_id}").status_code == 303
    members = shop.get(f"/api/v1/lists/{list_id}").json()["member_list"]
    assert [m["handle"] for m in members] == [without.handle, with_mail.handle]
    assert form(shop, order, {"direction": "sideways"}, f"/lists/{list_id}").status_code == 422
    removed = form(shop, f"/lists/{list_id}/members/{without.id}/remove", {}, f"/lists/{list_id}")
    assert removed.status_code == 303
    assert f"@{without.handle}" not in shop.get(f"/lists/{list_id}").text
    csrf = token(shop, "/lists")
    deleted = shop.post(
        f"/lists/{list_id}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert deleted.headers["location"] == "/lists?done=deleted"
