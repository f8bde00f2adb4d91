"""Search over the index: every filter keeps only matching rows, pages, facets, keywords."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.discovery import service
from microreach.discovery.indexer import IndexResult
from microreach.discovery.models import DiscoveryAudience, DiscoveryProfile
from microreach.discovery.schemas import SearchParams, SearchSort
from microreach.discovery.search.tokens import parse_query
from microreach.kit.errors import InvalidError
from microreach.science.niches import NICHES
from tests.discovery.conftest import NOW


def _profiles(connection: Connection) -> dict[Any, sa.Row[Any]]:
    rows = connection.execute(sa.select(DiscoveryProfile.__table__))
    return {r.account_id: r for r in rows}


def _all(session: Session, settings: Settings, **params: Any) -> list[Any]:
    """Every result of a search, following cursors."""
    items, cursor = [], None
    while True:
        page = service.search(
            session, settings, SearchParams(limit=40, cursor=cursor, **params), now=NOW
        )
        items.extend(page.items)
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def test_index_has_one_profile_per_account(connection: Connection, indexed: IndexResult) -> None:
    accounts = connection.execute(sa.text("SELECT count(*) FROM platform_accounts")).scalar_one()
    assert indexed.profiles == accounts > 150
    assert indexed.niches >= indexed.profiles


def test_pages_cover_every_account_once_in_order(
    session: Session, settings: Settings, indexed: IndexResult
) -> None:
    items = _all(session, settings, sort=SearchSort.ENGAGEMENT)
    assert len(items) == indexed.profiles == len({i.account_id for i in items})
    keys = [-1.0 if i.er_percentile is None else i.er_percentile for i in items]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"platform": ["tiktok"]}, lambda r: r.platform == "tiktok"),
        ({"tier": ["micro"]}, lambda r: r.tier == "micro"),
        ({"min_followers": 5000, "max_followers": 50000}, lambda r: 5000 <= r.followers <= 50000),
        ({"min_er_percentile": 50}, lambda r: (r.er_percentile or -1) >= 50),
        ({"min_authenticity": 70}, lambda r: (r.authenticity or -1) >= 70),
        ({"min_relationship": 40}, lambda r: (r.relationship or -1) >= 40),
        ({"country": ["US", "gb"]}, lambda r: r.country in ("US", "GB")),
        ({"language": ["en"]}, lambda r: r.language == "en"),
        ({"min_er": 0.02}, lambda r: (r.er_typical or 0) >= 0.02),
        ({"min_growth": 1.0}, lambda r: (r.follower_growth_30d or -1e9) >= 1.0),
        ({"max_sponsored_share": 0.1}, lambda r: (r.sponsored_share or 0) <= 0.1),
        ({"has_email": True}, lambda r: r.has_email),
        (
            {"active_within_days": 3},
            lambda r: r.last_post_at is not None and r.last_post_at >= NOW - timedelta(days=3),
        ),
    ],
)
def test_each_filter_returns_exactly_the_matching_accounts(
    connection: Connection,
    session: Session,
    settings: Settings,
    indexed: IndexResult,
    params: dict[str, Any],
    check: Any,
) -> None:
    profiles = _profiles(connection)
    expected = {account_id for account_id, row in profiles.items() if check(row)}
    found = {item.account_id for item in _all(session, settings, **params)}
    assert found == expected
    assert 0 < len(found) < len(profiles)


def test_niche_filter_uses_confident_niches(
    connection: Connection, session: Session, settings: Settings, indexed: IndexResult
) -> None:
    food, travel = NICHES.index("food"), NICHES.index("travel")
    expected = {
        account_id
        for account_id, row in _profiles(connection).items()
        if row.primary_niche in ("food", "travel")
        or max(row.niche_vector[food], row.niche_vector[travel]) >= 0.5
    }
    found = _all(session, settings, niche=["food", "travel"], platform=["instagram"])
    assert {i.account_id for i in found} <= expected
    assert found and all(i.platform == "instagram" for i in found)


def test_audience_filter_reads_the_newest_shares(
    connection: Connection, session: Session, settings: Settings, indexed: IndexResult
) -> None:
    a = DiscoveryAudience
    docs = set(
        connection.execute(
            sa.select(a.doc_id).where(a.dimension == "age", a.key == "18-24", a.share >= 0.3)
        ).scalars()
    )
    expected = {r.account_id for r in _profiles(connection).values() if r.doc_id in docs}
    found = _all(session, settings, audience_age="18-24", min_audience_share=0.3)
    assert {i.account_id for i in found} == expected and expected


def test_keyword_search_finds_exactly_the_documents_with_every_word(
    connection: Connection, session: Session, settings: Settings, indexed: IndexResult
) -> None:
    profiles = _profiles(connection)
    for query in ("ootd", "vintage thrift*", "recipe", "coffee morning", "fi*"):
        expected = set()
        terms = parse_query(query)
        for account_id, row in profiles.items():
            words = row.search_doc.split()
            if all(
                any(w.startswith(t.word) if t.prefix else w == t.word for w in words) for t in terms
            ):
                expected.add(account_id)
        found = _all(session, settings, q=query, sort=SearchSort.ENGAGEMENT)
        assert {i.account_id for i in found} == expected, query
        relevance = _all(session, settings, q=query)
        assert {i.account_id for i in relevance} == expected
        scores = [i.relevance for i in relevance]
        assert scores == sorted(scores, reverse=True)


def test_facets_count_the_results(
    session: Session, settings: Settings, indexed: IndexResult
) -> None:
    page = service.search(session, settings, SearchParams(platform=["instagram"], facets=True))
    assert page.facets is not None
    assert [f.value for f in page.facets["platform"]] == ["instagram"]
    total = len(_all(session, settings, platform=["instagram"]))
    assert sum(f.count for f in page.facets["tier"]) == total


def test_sort_by_fit_ranks_by_score_with_explanations(
    session: Session, settings: Settings, indexed: IndexResult
) -> None:
    items = _all(session, settings, brand_niche=["fitness"], brand_country=["US"])
    scores = [i.fit.score for i in items if i.fit]
    assert len(scores) == len(items) and scores == sorted(scores, reverse=True)
    for item in items:
        assert item.fit is not None
        assert sum(f.points for f in item.fit.factors) == item.fit.score


def test_bad_requests_name_the_field(
    session: Session, settings: Settings, indexed: IndexResult
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"tier": ["giant"]}, "tier"),
        ({"sort": SearchSort.FIT}, "sort"),
        ({"sort": SearchSort.RELEVANCE}, "sort"),
        ({"q": "!!!"}, "q"),
        ({"cursor": "nonsense"}, "cursor"),
    ]
    for params, field in cases:
        with pytest.raises(InvalidError) as caught:
            service.search(session, settings, SearchParams(**params))
        assert caught.value.field == field


def test_doc_ids_follow_engagement_then_authenticity(
    connection: Connection, indexed: IndexResult
) -> None:
    rows = sorted(_profiles(connection).values(), key=lambda r: r.doc_id)
    keys = [(r.sort_engagement, r.sort_authenticity, str(r.account_id)) for r in rows]
    assert keys == sorted(keys)


def test_facets_are_exact_below_the_cap_and_lower_bounds_above(
    connection: Connection,
    session: Session,
    settings: Settings,
    indexed: IndexResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = SearchParams(platform=["instagram", "tiktok"], facets=True)
    matching = [r for r in _profiles(connection).values() if r.platform in params.platform]
    page = service.search(session, settings, params)
    assert page.facets is not None and page.facets_among is None
    for name, counts in page.facets.items():
        exact: dict[str, int] = {}
        for row in matching:
            if getattr(row, name) is not None:
                exact[getattr(row, name)] = exact.get(getattr(row, name), 0) + 1
        expected = sorted(exact.items(), key=lambda item: (-item[1], item[0]))[:20]
        assert [(f.value, f.count) for f in counts] == expected, name

    monkeypatch.setattr(service, "FACET_CAP", 10)
    capped = service.search(session, settings, params)
    assert capped.facets is not None and capped.facets_among == 10
    assert sum(f.count for f in capped.facets["platform"]) == 10
    best = sorted(matching, key=lambda r: -r.doc_id)[:10]
    assert {f.value: f.count for f in capped.facets["tier"]} == {
        tier: sum(1 for r in best if r.tier == tier) for tier in {r.tier for r in best}
    }


def test_relevance_ranks_the_best_matches_by_engagement(
    connection: Connection,
    session: Session,
    settings: Settings,
    indexed: IndexResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    everything = _all(session, settings, q="ootd")
    assert len(everything) > 6 and everything[0].relevance is not None
    monkeypatch.setattr(service, "RELEVANCE_CANDIDATES", 6)
    page = service.search(session, settings, SearchParams(q="ootd", limit=4), now=NOW)
    assert page.relevance_ranked_among == 6
    ranked = _all(session, settings, q="ootd")
    by_engagement = _all(session, settings, q="ootd", sort=SearchSort.ENGAGEMENT)
    assert {i.account_id for i in ranked} == {i.account_id for i in by_engagement[:6]}
    assert [i.account_id for i in ranked[:4]] == [i.account_id for i in page.items]
    scores = [i.relevance for i in ranked]
    assert scores == sorted(scores, reverse=True)


def test_keyword_facets_from_the_ranked_rows_equal_a_facet_count(
    session: Session,
    settings: Settings,
    indexed: IndexResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With sort=relevance the facets are counted over the ranked rows; they are the same as
    the separate count (sort=engagement), capped or not."""
    for cap in (1000, 7):
        monkeypatch.setattr(service, "FACET_CAP", cap)
        monkeypatch.setattr(service, "RELEVANCE_CANDIDATES", cap)
        for query in ("ootd", "fi*", "coffee morning"):
            ranked = service.search(session, settings, SearchParams(q=query, facets=True))
            counted = service.search(
                session,
                settings,
                SearchParams(q=query, facets=True, sort=SearchSort.ENGAGEMENT),
            )
            assert ranked.facets == counted.facets, (cap, query)
            assert ranked.facets_among == counted.facets_among, (cap, query)
            if query == "ootd":
                assert ranked.facets_among == (7 if cap == 7 else None)
