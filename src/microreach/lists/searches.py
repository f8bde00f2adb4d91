"""Saved searches: a named discovery query, checked by discovery's own SearchParams, run by
opening /discover with its filters; how many accounts match is counted when asked."""

from __future__ import annotations

import typing
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.config import Settings
from microreach.discovery import service as discovery_service
from microreach.discovery.schemas import SearchParams
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError
from microreach.lists import repository
from microreach.lists.models import SavedSearch
from microreach.lists.schemas import SavedSearchIn, SavedSearchOut, SavedSearchRun
from microreach.lists.service import invalid, require_read, require_write

DISCOVER_PATH = "/discover"
# Page position and facet counting belong to one visit, not to the search.
NOT_SAVED = frozenset({"cursor", "facets"})
LIST_FIELDS = frozenset(
    name
    for name, field in SearchParams.model_fields.items()
    if typing.get_origin(field.annotation) is list
)


def query_from_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A query string's (name, value) pairs as a query dict: repeated names become lists."""
    query: dict[str, Any] = {}
    for name, value in pairs:
        if name in LIST_FIELDS:
            query.setdefault(name, []).append(value)
        else:
            query[name] = value
    return query


def check_query(session: Session, settings: Settings, raw: dict[str, Any]) -> SearchParams:
    """The query as discovery's SearchParams; InvalidError naming the field (query.<name>)."""
    unknown = sorted(set(raw) - set(SearchParams.model_fields))
    if unknown:
        raise invalid(
            f"Unknown search field {', '.join(unknown)}; use the parameters of "
            "GET /api/v1/discovery/search.",
            f"query.{unknown[0]}",
            unknown,
        )
    query = {
        k: ([v] if k in LIST_FIELDS and not isinstance(v, list) else v)
        for k, v in raw.items()
        if k not in NOT_SAVED
    }
    try:
        params = SearchParams.model_validate(query)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        name = str(first["loc"][0]) if first["loc"] else "query"
        messages = "; ".join(
            f"query.{e['loc'][0] if e['loc'] else ''}: {_message(e['msg'])}" for e in errors
        )
        raise invalid(messages, f"query.{name}", query.get(name)) from None
    try:
        discovery_service.resolve_sort(params, bool(params.q), params.brand())
        discovery_service.count(session, settings, params)
    except InvalidError as exc:
        raise invalid(
            exc.message, f"query.{exc.field or 'q'}", query.get(exc.field or "")
        ) from None
    return params


def _message(raw: object) -> str:
    return str(raw).removeprefix("Value error, ")


def stored_query(params: SearchParams) -> dict[str, Any]:
    return params.model_dump(mode="json", exclude_defaults=True, exclude=set(NOT_SAVED))


def discover_url(query: dict[str, Any]) -> str:
    return f"{DISCOVER_PATH}?{urlencode(query, doseq=True)}" if query else DISCOVER_PATH


def search_out(row: SavedSearch) -> SavedSearchOut:
    return SavedSearchOut(
        id=row.id,
        name=row.name,
        query=row.query,
        url=discover_url(row.query),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_searches(session: Session, ctx: OrgContext) -> list[SavedSearchOut]:
    require_read(ctx)
    return [search_out(row) for row in repository.searches_of(session, ctx.organisation.id)]


def get_search(session: Session, ctx: OrgContext, search_id: uuid.UUID) -> SavedSearch:
    require_read(ctx)
    row = repository.get_search(session, ctx.organisation.id, search_id)
    if row is None:
        raise NotFoundError(f"{ctx.organisation.name} has no saved search {search_id}.")
    return row


def _unique_name(session: Session, ctx: OrgContext, name: str, own: uuid.UUID | None) -> str:
    key = name.casefold()
    existing = repository.search_by_name(session, ctx.organisation.id, key)
    if existing is not None and existing.id != own:
        raise ConflictError(
            f"{ctx.organisation.name} has a saved search called {existing.name!r} already; "
            "choose another name.",
            field="name",
        )
    return key


def save_search(
    session: Session, settings: Settings, ctx: OrgContext, body: SavedSearchIn, now: datetime
) -> SavedSearchOut:
    require_write(ctx, "save searches")
    key = _unique_name(session, ctx, body.name, None)
    params = check_query(session, settings, body.query)
    row = repository.add(
        session,
        SavedSearch(
            organisation_id=ctx.organisation.id,
            name=body.name,
            name_key=key,
            query=stored_query(params),
            created_by_id=ctx.user.id if ctx.user else None,
            created_at=now,
            updated_at=now,
        ),
    )
    return search_out(row)


def rename_search(
    session: Session, ctx: OrgContext, search_id: uuid.UUID, name: str, now: datetime
) -> SavedSearchOut:
    require_write(ctx, "rename saved searches")
    row = get_search(session, ctx, search_id)
    row.name_key = _unique_name(session, ctx, name, row.id)
    row.name = name
    row.updated_at = now
    session.flush()
    return search_out(row)


def delete_search(session: Session, ctx: OrgContext, search_id: uuid.UUID) -> None:
    require_write(ctx, "delete saved searches")
    repository.delete(session, get_search(session, ctx, search_id))


def run_search(
    session: Session, settings: Settings, ctx: OrgContext, search_id: uuid.UUID
) -> SavedSearchRun:
    """The saved search with how many indexed accounts match it now."""
    row = get_search(session, ctx, search_id)
    params = SearchParams.model_validate(row.query)
    results = discovery_service.count(session, settings, params)
    return SavedSearchRun(**search_out(row).model_dump(), results=results)
