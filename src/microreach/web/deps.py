"""Per-request dependencies (settings, session, templates) and the template environment."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.db.session import Database

TEMPLATES_DIR = Path(__file__).with_name("templates")
_UNITS = ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K"))


def compact_number(value: int | None) -> str:
    """12345 -> 12.3K, 1500000 -> 1.5M; one decimal, dropped when it is zero."""
    if value is None:
        return "—"
    for index, (size, suffix) in enumerate(_UNITS):
        if abs(value) >= size:
            shown = round(value / size, 1)
            if abs(shown) >= 1000 and index > 0:
                shown, suffix = round(value / _UNITS[index - 1][0], 1), _UNITS[index - 1][1]
            return f"{shown:g}{suffix}" if shown % 1 else f"{int(shown)}{suffix}"
    return str(value)


def grouped_number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def day(value: datetime) -> str:
    """15 Jan 2026."""
    return f"{value.day} {value:%b %Y}"


@jinja2.pass_context
def app_url(context: Mapping[str, Any], path: str) -> str:
    """``path`` under the app's root path; pages link only to their own origin."""
    request: Request = context["request"]
    return f"{request.scope.get('root_path', '')}{path}"


def make_templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["compact"] = compact_number
    environment.filters["grouped"] = grouped_number
    environment.filters["day"] = day
    environment.globals["app_url"] = app_url
    return Jinja2Templates(env=environment)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request, committed once when the handler returns without error."""
    database: Database = request.app.state.database
    with database.sessions() as session:
        yield session
        session.commit()


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render template ``name`` with the app's templates; responses vary on HX-Request."""
    templates = get_templates(request)
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers={"Vary": "HX-Request"}
    )


def wants_fragment(request: Request) -> bool:
    """An htmx swap asks for a fragment; a history restore needs the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
# Function scope: the commit happens before the response is sent, so a failed commit is an error.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
