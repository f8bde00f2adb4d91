"""Discovery: filtered and keyword search with facets, brand fit, and the index refresh.

Lookalikes live in ``lookalikes.py`` and the budget planner in ``planner.py``; all three read
the index that ``refresh_index`` builds from the creators and scores tables."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators.models import Creator, PlatformAccount
from microreach.discovery import cursors, indexer, repository
from microreach.discovery.fit import Brand, CreatorFacts, fit, fit_score
from microreach.discovery.indexer import IndexResult
from microreach.discovery.models import DiscoveryProfile as P
from microreach.discovery.schemas import (
    BrandProfile,
    FacetCount,
    FitFactor,
    FitOut,
    FitRequest,
    FitResult,
    NicheShare,
    ResultItem,
    SearchPage,
    SearchParams,
    SearchSort,
)
from microreach.discovery.search import fts
from microreach.discovery.search.tokens import parse_query
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError, NotFoundError
from microreach.science.niches import NICHES
from microreach.science.tiers import get_scheme
from microreach.scores.models import AccountScore, ScoreState

# With sort=fit (relevance), the best this many matches by engagement percentile, then
# authenticity, are ranked by fit (keyword relevance): the work per search stays bounded
# however many accounts match.
FIT_CANDIDATES = 1000
RELEVANCE_CANDIDATES = 1000
# Facets count the best this many matches; past it each count is a lower bound. The same
# number as RELEVANCE_CANDIDATES: a keyword search counts its facets over its ranked rows.
FACET_CAP = 1000
FACET_VALUES = 20
FACETS = repository.FACET_COLUMNS
NICHE_SHOWN = 0.5


def refresh_index(
    connection: Connection, settings: Settings | None = None, *, tier_scheme: str | None = None
) -> IndexResult:
    """Rebuild the discovery index from the stored scores in the caller's transaction (the
    caller commits). rebuild_index does it with its own connection and two transactions."""
    scheme = tier_scheme or (settings.tier_scheme if settings else "brief")
    return indexer.rebuild(connection, tier_scheme=scheme, now=utcnow())


def rebuild_index(
    engine: Engine, settings: Settings, *, progress: Callable[[int], None] | None = None
) -> IndexResult:
    """Rebuild the discovery index with a connection of its own: build it into temporary
    tables in one transaction (the long part, which only reads the database), commit, then
    replace the index by them in a second one. On SQLite the other writers (click writers,
    imports, the scoring job) wait only for the second: about a tenth of the time."""
    with engine.connect() as connection:
        result = indexer.stage(
            connection, tier_scheme=settings.tier_scheme, now=utcnow(), progress=progress
        )
        connection.commit()
        indexer.publish(connection)
        connection.commit()
    return result


# A change made up to this long before a rebuild started may have missed it (its transaction
# still open): index_outdated counts it as newer.
REBUILD_SLACK = timedelta(minutes=1)


def index_outdated(connection: Connection, slack: timedelta | None = None) -> bool:
    """Whether the index may miss something: an account added or deleted, an account or creator
    changed, a capture, a score written or peers re-ranked since it was built (less ``slack``,
    REBUILD_SLACK by default)."""
    built = connection.execute(sa.select(sa.func.max(P.indexed_at))).scalar()
    accounts = connection.execute(
        sa.select(sa.func.count())
        .select_from(PlatformAccount)
        .join(Creator, Creator.id == PlatformAccount.creator_id)
    ).scalar()
    profiles = connection.execute(sa.select(sa.func.count(P.doc_id))).scalar()
    if accounts != profiles:
        return True
    if built is None:  # nothing to index, nothing indexed
        return False
    since = built - (REBUILD_SLACK if slack is None else slack)
    newer = (
        sa.select(PlatformAccount.id).where(
            sa.or_(PlatformAccount.updated_at > since, PlatformAccount.last_captured_at > since)
        ),
        sa.select(Creator.id).where(Creator.updated_at > since),
        sa.select(AccountScore.account_id).where(AccountScore.computed_at > since),
        sa.select(ScoreState.name).where(ScoreState.ranked_at > since),
    )
    return any(connection.execute(query.limit(1)).first() is not None for query in newer)


# --- search ---------------------------------------------------------------------------------


def resolve_sort(params: SearchParams, has_terms: bool, brand: BrandProfile | None) -> SearchSort:
    if params.sort is None:
        if has_terms:
            return SearchSort.RELEVANCE
        return SearchSort.FIT if brand is not None else SearchSort.ENGAGEMENT
    if params.sort is SearchSort.RELEVANCE and not has_terms:
        raise InvalidError("sort=relevance needs keywords in q", field="sort")
    if params.sort is SearchSort.FIT and brand is None:
        raise InvalidError("sort=fit needs a brand profile (brand_* parameters)", field="sort")
    return params.sort


def filter_clauses(
    params: SearchParams, tier_scheme: str, now: datetime
) -> list[sa.ColumnElement[bool]]:
    """The SQL conditions of every filter set in ``params`` (keywords excluded)."""
    clauses, niches = split_filters(params, tier_scheme, now)
    return clauses if niches is None else [*clauses, niches.clause()]


def split_filters(
    params: SearchParams, tier_scheme: str, now: datetime
) -> tuple[list[sa.ColumnElement[bool]], repository.NicheFilter | None]:
    """The SQL conditions of the filters set in ``params`` but the niches, and the niche
    filter, which the repository may read from the niche index in doc_id order."""
    _check_tiers(params.tier, tier_scheme)
    c: list[sa.ColumnElement[bool]] = []
    platforms = [p.value for p in params.platform]
    if platforms:
        c.append(P.platform.in_(platforms))
    if params.tier:
        c.append(P.tier.in_(params.tier))
    if params.min_followers is not None:
        c.append(P.followers >= params.min_followers)
    if params.max_followers is not None:
        c.append(P.followers <= params.max_followers)
    floor = None
    if params.min_er_percentile is not None:
        floor = repository.engagement_floor(params.min_er_percentile)
        # The same filter as a doc_id range, which every index of the search can narrow by.
        c.extend([P.sort_engagement >= params.min_er_percentile, P.doc_id >= floor])
    niches = None
    if params.niche:
        niches = repository.NicheFilter(
            tuple(params.niche),
            tuple(platforms),
            tuple(params.tier),
            tuple(params.country),
            floor,
        )
    c.extend(_range(P.er_typical, params.min_er, params.max_er))
    if params.min_authenticity is not None:
        c.append(P.sort_authenticity >= params.min_authenticity)
    if params.min_relationship is not None:
        c.append(P.relationship >= params.min_relationship)
    if params.country:
        c.append(P.country.in_(params.country))
    if params.language:
        c.append(P.language.in_(params.language))
    c.extend(_audience(params))
    c.extend(_range(P.follower_growth_30d, params.min_growth, params.max_growth))
    if params.max_sponsored_share is not None:
        c.append(sa.func.coalesce(P.sponsored_share, 0.0) <= params.max_sponsored_share)
    if params.active_within_days is not None:
        c.append(P.last_post_at >= now - timedelta(days=params.active_within_days))
    if params.has_email is not None:
        c.append(P.has_email.is_(params.has_email))
    return c, niches


def _range(column: Any, low: float | None, high: float | None) -> list[sa.ColumnElement[bool]]:
    out = []
    if low is not None:
        out.append(column >= low)
    if high is not None:
        out.append(column <= high)
    return out


def _audience(params: SearchParams) -> list[sa.ColumnElement[bool]]:
    share = params.min_audience_share
    wanted = (
        ("country", params.audience_country),
        ("age", params.audience_age),
        ("gender", params.audience_gender),
    )
    return [repository.audience_clause(dim, key, share) for dim, key in wanted if key]


def _check_tiers(tiers: Sequence[str], scheme_key: str) -> None:
    known = [tier.name for tier in get_scheme(scheme_key).tiers]
    for tier in tiers:
        if tier not in known:
            raise InvalidError(
                f"unknown tier {tier!r}; known tiers: {', '.join(known)}", field="tier"
            )


def search(
    session: Session, settings: Settings, params: SearchParams, now: datetime | None = None
) -> SearchPage:
    """One page of accounts matching ``params``, with the next cursor and optional facets."""
    brand = params.brand()
    terms = parse_query(params.q) if params.q else ()
    if params.q and not terms:
        raise InvalidError("has no word to search for", field="q")
    sort = resolve_sort(params, bool(terms), brand)
    base, niches = split_filters(params, settings.tier_scheme, now or utcnow())
    clauses = base if niches is None else [*base, niches.clause()]
    connection = session.connection()
    matches = (
        fts.matches(connection.dialect.name, terms, sort is SearchSort.RELEVANCE) if terms else None
    )
    after = cursors.decode(params.cursor, sort.value) if params.cursor else None
    if sort is SearchSort.FIT:
        assert brand is not None
        page = _fit_page(connection, base, niches, matches, brand, params.limit, after)
    elif sort is SearchSort.RELEVANCE:
        assert matches is not None
        page = _relevance_page(
            connection, clauses, matches, brand, params.limit, after, params.facets
        )
    else:
        page = _sql_page(connection, base, niches, matches, sort, brand, params.limit, after)
    if params.facets and page.facets is None:
        page.facets, page.facets_among = facets(connection, base, matches, niches)
    return page


def _items(
    connection: Connection, rows: Sequence[Any], brand: BrandProfile | None
) -> list[ResultItem]:
    docs = _docs(connection, rows) if brand is not None and _needs_doc(brand) else {}
    return [
        item_out(row, _fit_of(brand, row, docs.get(row.doc_id, "")) if brand else None)
        for row in rows
    ]


def _sql_page(
    connection: Connection,
    clauses: list[sa.ColumnElement[bool]],
    niches: repository.NicheFilter | None,
    matches: fts.KeywordMatch | None,
    sort: SearchSort,
    brand: BrandProfile | None,
    limit: int,
    after: tuple[float, int] | None,
) -> SearchPage:
    rows = repository.search(connection, clauses, matches, sort.value, after, limit + 1, niches)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = cursors.encode(sort.value, float(last.sort_key), last.doc_id)
    return SearchPage(items=_items(connection, page, brand), next_cursor=next_cursor, sort=sort)


def _after(
    ranked: list[tuple[float, int]], after: tuple[float, int] | None
) -> list[tuple[float, int]]:
    """The (key, doc_id) pairs, sorted highest first, that come after the keyset ``after``."""
    if after is None:
        return ranked
    key, doc_id = after
    return [(k, d) for k, d in ranked if k < key or (k == key and d < doc_id)]


def _relevance_page(
    connection: Connection,
    clauses: list[sa.ColumnElement[bool]],
    matches: fts.KeywordMatch,
    brand: BrandProfile | None,
    limit: int,
    after: tuple[float, int] | None,
    with_facets: bool,
) -> SearchPage:
    # The facets count the best FACET_CAP matches: the rows ranked here, when as many.
    with_facets = with_facets and FACET_CAP == RELEVANCE_CANDIDATES
    window = repository.relevance_window(
        connection, clauses, matches, RELEVANCE_CANDIDATES, with_facets
    )
    ranked = sorted(((float(r.rank), r.doc_id) for r in window), key=lambda p: (-p[0], -p[1]))
    ranked = _after(ranked, after)
    page = ranked[:limit]
    full = repository.rows_by_doc(connection, [doc_id for _, doc_id in page])
    items = _items(connection, [full[doc_id] for _, doc_id in page], brand)
    for item, (key, _) in zip(items, page, strict=True):
        item.relevance = round(key, 6)
    next_cursor = None
    if len(ranked) > limit:
        key, doc_id = page[-1]
        next_cursor = cursors.encode(SearchSort.RELEVANCE.value, key, doc_id)
    page_out = SearchPage(
        items=items,
        next_cursor=next_cursor,
        sort=SearchSort.RELEVANCE,
        relevance_ranked_among=len(window),
    )
    if with_facets:
        counted = Counter(tuple(getattr(row, name) for name in FACETS) for row in window)
        page_out.facets, page_out.facets_among = _facets_of(
            [(*key, n) for key, n in counted.items()]
        )
    return page_out


def _fit_page(
    connection: Connection,
    clauses: list[sa.ColumnElement[bool]],
    niches: repository.NicheFilter | None,
    matches: fts.KeywordMatch | None,
    brand: BrandProfile,
    limit: int,
    after: tuple[float, int] | None,
) -> SearchPage:
    needs_doc = _needs_doc(brand)
    rows = repository.candidates(
        connection, clauses, matches, FIT_CANDIDATES, needs_doc, repository.FIT_COLUMNS, niches
    )
    plain = to_brand(brand)
    facts = {row.doc_id: facts_of(row, row.search_doc if needs_doc else "") for row in rows}
    ranked = sorted(
        ((float(fit_score(plain, f)), doc_id) for doc_id, f in facts.items()),
        key=lambda p: (-p[0], -p[1]),
    )
    ranked = _after(ranked, after)
    page = ranked[:limit]
    full = repository.rows_by_doc(connection, [doc_id for _, doc_id in page])
    items = [item_out(full[doc_id], fit_out(fit(plain, facts[doc_id]))) for _, doc_id in page]
    next_cursor = None
    if len(ranked) > limit:
        key, doc_id = page[-1]
        next_cursor = cursors.encode(SearchSort.FIT.value, int(key), doc_id)
    return SearchPage(
        items=items, next_cursor=next_cursor, sort=SearchSort.FIT, fit_ranked_among=len(rows)
    )


def facets(
    connection: Connection,
    clauses: list[sa.ColumnElement[bool]],
    matches: fts.KeywordMatch | None,
    niches: repository.NicheFilter | None = None,
) -> tuple[dict[str, list[FacetCount]], int | None]:
    """Counts of the current results per platform, tier, primary niche and country (the
    FACET_VALUES most frequent of each), and FACET_CAP when there were more matches than it
    counted: the counts are then over the best FACET_CAP matches, each one a lower bound."""
    return _facets_of(repository.facet_rows(connection, clauses, matches, FACET_CAP, niches))


def _facets_of(rows: Sequence[tuple[Any, ...]]) -> tuple[dict[str, list[FacetCount]], int | None]:
    """The facets of (platform, tier, primary_niche, country, n) rows of the best matches."""
    out: dict[str, list[FacetCount]] = {}
    for position, name in enumerate(FACETS):
        totals: Counter[str] = Counter()
        for row in rows:
            if row[position] is not None:
                totals[str(row[position])] += row[-1]
        top = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:FACET_VALUES]
        out[name] = [FacetCount(value=value, count=n) for value, n in top]
    counted = sum(row[-1] for row in rows)
    return out, FACET_CAP if counted >= FACET_CAP else None


# --- fit --------------------------------------------------------------------------------------


def to_brand(profile: BrandProfile) -> Brand:
    return Brand(
        niches=tuple(profile.niches),
        countries=tuple(profile.countries),
        languages=tuple(profile.languages),
        age_bands=tuple(profile.age_bands),
        gender=profile.gender,
        competitors=tuple(profile.competitors),
        safety_keywords=tuple(profile.safety_keywords),
    )


def facts_of(row: Any, search_doc: str) -> CreatorFacts:
    vector = row.niche_vector or []
    return CreatorFacts(
        niches=dict(zip(NICHES, vector, strict=False)),
        country=row.country,
        language=row.language,
        audience=row.audience or {},
        er_percentile=row.er_percentile,
        authenticity=row.authenticity,
        search_doc=search_doc,
        mentions=tuple(row.mentions or ()),
    )


def fit_out(result: Any) -> FitOut:
    return FitOut(
        score=result.score,
        factors=[
            FitFactor(
                key=f.key,
                label=f.label,
                points=f.points,
                max_points=f.max_points,
                explanation=f.explanation,
            )
            for f in result.factors
        ],
    )


def _fit_of(brand: BrandProfile, row: Any, search_doc: str) -> FitOut:
    return fit_out(fit(to_brand(brand), facts_of(row, search_doc)))


def _needs_doc(brand: BrandProfile) -> bool:
    return bool(brand.safety_keywords or brand.competitors)


def _docs(connection: Connection, rows: Sequence[Any]) -> dict[int, str]:
    found = repository.profiles_by_account(connection, [r.account_id for r in rows], True)
    return {row.doc_id: row.search_doc for row in found}


def fit_accounts(session: Session, request: FitRequest) -> list[FitResult]:
    """The brand's fit with each of the accounts, in the order asked; NotFoundError names the
    first account the index does not hold."""
    connection = session.connection()
    rows = {
        r.account_id: r
        for r in repository.profiles_by_account(connection, request.account_ids, True)
    }
    brand = to_brand(request.brand)
    out = []
    for account_id in request.account_ids:
        row = rows.get(account_id)
        if row is None:
            raise NotFoundError(
                f"No indexed account with id {account_id}; new accounts are indexed once scored, "
                "by the periodic jobs, or at once by `microreach score` then "
                "`microreach discovery index`.",
                field="account_ids",
            )
        out.append(
            FitResult(
                account_id=account_id,
                handle=row.handle,
                fit=fit_out(fit(brand, facts_of(row, row.search_doc))),
            )
        )
    return out


# --- rows as the API shows them ---------------------------------------------------------------


def niches_of(row: Any) -> list[NicheShare]:
    vector = dict(zip(NICHES, row.niche_vector or [], strict=False))
    shown = sorted(
        ((n, c) for n, c in vector.items() if c >= NICHE_SHOWN and n != "other"),
        key=lambda item: (-item[1], item[0]),
    )
    if not shown and row.primary_niche:
        shown = [(row.primary_niche, vector.get(row.primary_niche, 0.0))]
    return [NicheShare(niche=n, confidence=c) for n, c in shown]


def item_out(row: Any, fit_result: FitOut | None = None) -> ResultItem:
    return ResultItem(
        account_id=_uuid(row.account_id),
        creator_id=_uuid(row.creator_id),
        creator_name=row.creator_name,
        platform=row.platform,
        handle=row.handle,
        display_name=row.display_name,
        followers=row.followers,
        tier=row.tier,
        niches=niches_of(row),
        country=row.country,
        language=row.language,
        er_typical=row.er_typical,
        er_low=row.er_low,
        er_high=row.er_high,
        er_percentile=row.er_percentile,
        authenticity=row.authenticity,
        relationship=row.relationship,
        follower_growth_30d=row.follower_growth_30d,
        sponsored_share=row.sponsored_share,
        last_post_at=row.last_post_at,
        has_email=row.has_email,
        fit=fit_result,
    )


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# --- small reads for other domains (lists) ----------------------------------------------------


def count(
    session: Session, settings: Settings, params: SearchParams, now: datetime | None = None
) -> int:
    """How many indexed accounts match the filters and keywords of ``params`` now."""
    terms = parse_query(params.q) if params.q else ()
    if params.q and not terms:
        raise InvalidError("has no word to search for", field="q")
    clauses = filter_clauses(params, settings.tier_scheme, now or utcnow())
    connection = session.connection()
    matches = fts.matches(connection.dialect.name, terms, False) if terms else None
    return repository.count(connection, clauses, matches)


def items_by_accounts(
    session: Session, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ResultItem]:
    """The search rows of these accounts as the API shows them (unindexed ones left out)."""
    if not account_ids:
        return {}
    rows = repository.profiles_by_account(session.connection(), list(account_ids))
    items = (item_out(row) for row in rows)
    return {item.account_id: item for item in items}
