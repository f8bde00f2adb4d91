"""Saved searches (checked by discovery's own parameters, counted now) and the CSV export."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.discovery import service as discovery
from microreach.discovery.indexer import IndexResult
from microreach.discovery.models import DiscoveryProfile
from microreach.discovery.schemas import SearchParams
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError
from microreach.lists import export, searches, service
from microreach.lists.schemas import ListIn, SavedSearchIn
from tests.factories import make_account
from tests.lists.conftest import Team


def _save(session: Session, settings: Settings, team: Team, query: dict[str, object]) -> str:
    body = SavedSearchIn(name="Fitness", query=query)
    return str(searches.save_search(session, settings, team.member, body, utcnow()).id)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"min_authenticity": 150}, "query.min_authenticity"),
        ({"niche": ["not-a-niche"]}, "query.niche"),
        ({"bogus": 1}, "query.bogus"),
        ({"tier": ["giant"]}, "query.tier"),
        ({"sort": "relevance"}, "query.sort"),
        ({"q": "!!!"}, "query.q"),
    ],
)
def test_invalid_queries_name_the_field(
    session: Session, settings: Settings, team: Team, query: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidError) as caught:
        _save(session, settings, team, query)
    assert caught.value.field == field
    assert searches.list_searches(session, team.member) == []


def test_a_saved_search_counts_what_discovery_finds_now(
    session: Session, settings: Settings, team: Team, indexed: IndexResult
) -> None:
    query = {"platform": "instagram", "min_followers": "1000", "cursor": "x", "facets": True}
    search_id = uuid.UUID(_save(session, settings, team, query))
    run = searches.run_search(session, settings, team.viewer, search_id)
    # Single values for list fields become lists; page position and facets are not kept.
    assert run.query == {"platform": ["instagram"], "min_followers": 1000}
    assert run.url == "/discover?platform=instagram&min_followers=1000"
    params = SearchParams(platform=["instagram"], min_followers=1000, limit=10)
    seen, page = 0, discovery.search(session, settings, params)
    seen += len(page.items)
    while page.next_cursor:
        page = discovery.search(
            session, settings, params.model_copy(update={"cursor": page.next_cursor})
        )
        seen += len(page.items)
    assert run.results == seen > 0
    assert run.results < indexed.profiles
    with pytest.raises(NotFoundError):
        searches.run_search(session, settings, team.other, search_id)


def test_saved_searches_are_renamed_and_deleted(
    session: Session, settings: Settings, team: Team
) -> None:
    first = uuid.UUID(_save(session, settings, team, {"country": ["de"]}))
    body = SavedSearchIn(name="Other", query={})
    second = searches.save_search(session, settings, team.member, body, utcnow())
    with pytest.raises(ConflictError):
        searches.rename_search(session, team.member, second.id, "FITNESS", utcnow())
    renamed = searches.rename_search(session, team.member, first, "Germany", utcnow())
    assert renamed.name == "Germany" and renamed.query == {"country": ["DE"]}
    searches.delete_search(session, team.member, second.id)
    assert [s.name for s in searches.list_searches(session, team.viewer)] == ["Germany"]


def test_query_strings_become_queries() -> None:
    pairs = [("platform", "instagram"), ("platform", "tiktok"), ("q", "vegan"), ("tier", "micro")]
    assert searches.query_from_pairs(pairs) == {
        "platform": ["instagram", "tiktok"],
        "q": "vegan",
        "tier": ["micro"],
    }


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (12, "12"),
    ],
)
def test_cells_that_look_like_formulas_are_quoted(value: object, cell: str) -> None:
    assert export.safe_cell(value) == cell


def test_export_has_one_row_per_member_with_key_numbers(
    session: Session, settings: Settings, team: Team, indexed: IndexResult
) -> None:
    row = session.execute(
        sa.select(DiscoveryProfile).where(DiscoveryProfile.er_typical.is_not(None)).limit(1)
    ).scalar_one()
    plain = make_account(session, handle="not_indexed")
    list_id = service.create_list(session, team.member, ListIn(name="Q3 / launch"), utcnow()).id
    service.add_members(session, team.member, list_id, [row.account_id, plain.id], utcnow())
    service.set_tags(session, team.member, row.account_id, ["=cmd()", "vegan"], utcnow())
    service.add_note(session, team.member, row.account_id, "note", utcnow())
    name, rows = export.export(session, team.viewer, list_id)
    assert name == "Q3-launch.csv"
    text = "".join(export.csv_lines(rows))
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert list(parsed[0]) == list(export.HEADER)
    first, second = parsed
    assert first["handle"] == row.handle and first["platform"] == row.platform
    assert first["followers"] == str(row.followers) and first["tier"] == row.tier
    assert float(first["engagement_rate_pct"]) == pytest.approx(row.er_typical * 100, abs=0.01)
    assert first["tags"] == "'=cmd(); vegan" and first["notes"] == "1"
    assert first["has_contact_email"] in {"yes", "no"}
    assert second["handle"] == "not_indexed" and second["followers"] == ""
    assert second["profile_url"] == "https://www.instagram.com/not_indexed/"
    with pytest.raises(NotFoundError):
        export.export(session, team.other, list_id)
