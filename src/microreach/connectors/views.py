"""Creator portal pages for platform connections: the state of each platform, the connect
button (to the platform's sign-in), the OAuth callback, and disconnect."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microreach.accounts.errors import UnauthorizedError
from microreach.accounts.models import User
from microreach.connectors import service
from microreach.connectors.base import ConnectorContext
from microreach.connectors.errors import ConnectorError
from microreach.connectors.quota import SessionQuotaLedger
from microreach.creators.enums import Platform
from microreach.creators.views import PLATFORM_LABELS
from microreach.kit.clock import utcnow
from microreach.kit.errors import ConfigError, MicroreachError
from microreach.web.auth import CurrentUser, IdentityDep
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PAGE = "/portal/connections"
PlatformName = Annotated[str, Path(max_length=24)]
# What a platform may send back to the callback; every value is bounded.
QueryText = Annotated[str, Query(max_length=4096)]
DONE = {
    "connected": "Connected: microreach now reads this account through the platform's API.",
    "disconnected": "Disconnected: the platform's grant was revoked and the tokens deleted.",
    "disconnected-locally": (
        "Disconnected here and the tokens deleted, but the platform refused to revoke the "
        "grant: remove microreach in the platform's app settings too."
    ),
}


def connector_context(settings: SettingsDep, session: SessionDep) -> ConnectorContext:
    """The connectors' context for one request; YouTube quota is spent in the request's
    transaction (tests replace this dependency with one replaying recorded responses)."""
    ledger = SessionQuotaLedger(session, {Platform.YOUTUBE: settings.youtube_daily_quota})
    return ConnectorContext(settings=settings, quota=ledger)


ContextDep = Annotated[ConnectorContext, Depends(connector_context)]


def _session_id(identity: IdentityDep) -> str:
    """The server-side session a connect attempt is bound to (API keys cannot connect)."""
    if identity.user_session is None:
        raise UnauthorizedError("Sign in to connect an account.")
    return identity.user_session.id


SessionIdDep = Annotated[str, Depends(_session_id)]


def _page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: User,
    *,
    error: MicroreachError | None = None,
    notice: str | None = None,
    status_code: int | None = None,
) -> HTMLResponse:
    context = {
        "platforms": service.connection_states(session, settings, user, utcnow()),
        "labels": PLATFORM_LABELS,
        "credentials": service.CREDENTIALS,
        "redirect_uri": lambda p: service.redirect_uri(settings, p),
        "notice": notice or DONE.get(request.query_params.get("done", "")),
        "error": _message(error) if error else None,
    }
    status = status_code or (error.status_code if error else 200)
    return render(request, "connectors/connections.html", context, status)


def _message(error: MicroreachError) -> str:
    return str(error) if isinstance(error, ConfigError) else error.message


@router.get(PAGE)
def connections(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> HTMLResponse:
    return _page(request, session, settings, user)


@router.post(PAGE + "/connect/{platform}")
def connect(
    request: Request,
    platform: PlatformName,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    session_id: SessionIdDep,
    context: ContextDep,
) -> Response:
    chosen = service.oauth_platform(platform)
    try:
        url = service.start_connection(session, context, user, session_id, chosen, utcnow())
    except MicroreachError as exc:
        return _page(request, session, settings, user, error=exc)
    return RedirectResponse(url, status_code=303)


@router.get(PAGE + "/callback/{platform}")
def callback(
    request: Request,
    platform: PlatformName,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    session_id: SessionIdDep,
    context: ContextDep,
    state: QueryText = "",
    code: QueryText = "",
    error: QueryText = "",
    error_description: QueryText = "",
) -> Response:
    """Where the platform sends the person back: with a code, or with an error (declined)."""
    chosen = service.oauth_platform(platform)
    now = utcnow()
    try:
        if error or not code:
            if state:
                service.spend_state(session, settings, user, session_id, chosen, state, now)
            return _declined(request, session, settings, user, chosen, error, error_description)
        service.finish_connection(
            session, context, user, session_id, chosen, state=state, code=code, now=now
        )
    except MicroreachError as exc:
        # A platform's refusal is a bad gateway whatever its own status was.
        status = 502 if isinstance(exc, ConnectorError) else exc.status_code
        return _page(request, session, settings, user, error=exc, status_code=status)
    return RedirectResponse(f"{PAGE}?done=connected", status_code=303)


def _declined(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: User,
    platform: Platform,
    error: str,
    description: str,
) -> HTMLResponse:
    label = PLATFORM_LABELS[platform]
    if error in ("access_denied", "user_denied") or not error:
        why = "you did not allow microreach" if error else "it sent no authorization code"
    else:
        why = f"it answered {error}"
    detail = f" ({description})" if description else ""
    message = f"Nothing was connected: {label} says {why}{detail}."
    return _page(request, session, settings, user, error=MicroreachError(message), status_code=400)


@router.post(PAGE + "/disconnect/{platform}")
def disconnect(
    request: Request,
    platform: PlatformName,
    account_id: Annotated[uuid.UUID, Form()],
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    context: ContextDep,
) -> Response:
    chosen = service.oauth_platform(platform)
    try:
        _, problem = service.disconnect(session, context, user, chosen, account_id)
    except MicroreachError as exc:
        return _page(request, session, settings, user, error=exc)
    done = "disconnected-locally" if problem else "disconnected"
    return RedirectResponse(f"{PAGE}?done={done}", status_code=303)
