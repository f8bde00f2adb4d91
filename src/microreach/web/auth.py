"""Authentication in the web layer: session and CSRF cookies, the app-wide identity and CSRF
dependencies, API keys, and the dependencies routes use to require a member or a scope.

CSRF: every unsafe request (POST, PUT, PATCH, DELETE) must carry a token in the form field
``csrf_token`` or the ``X-CSRF-Token`` header (htmx sends it from <body hx-headers>). The token
is an HMAC, under the installation key, of the session id of a signed-in browser, or of the
random ``mr_csrf`` cookie of an anonymous one. Exempt: API-key requests (Authorization header,
which cookies never carry) and /api/ requests without a session cookie (no ambient authority).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

import jinja2
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microreach.accounts import service
from microreach.accounts.context import ANONYMOUS, Identity, OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.accounts.errors import RateLimitedError, UnauthorizedError
from microreach.accounts.models import User
from microreach.accounts.security import csrf_token, csrf_token_valid
from microreach.config import Settings
from microreach.kit.clock import utcnow
from microreach.kit.errors import ForbiddenError
from microreach.web.deps import SessionDep, SettingsDep, wants_fragment
from microreach.web.errors import API_PREFIX, problem_response

SESSION_COOKIE = "mr_session"
ANONYMOUS_COOKIE = "mr_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGN_IN_PATH = "/sign-in"
ANONYMOUS_COOKIE_MAX_AGE = 365 * 24 * 3600
CSRF_FAILED = (
    "This form is out of date or did not come from microreach (CSRF check failed): "
    "reload the page and try again."
)
_SEED = "csrf_anonymous_seed"
_DROP_SESSION = "drop_session_cookie"


def cookie_name(settings: Settings, name: str) -> str:
    """``__Host-`` prefixed when Secure: the browser then refuses it from any other origin."""
    return f"__Host-{name}" if settings.cookies_secure else name


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        cookie_name(settings, SESSION_COOKIE),
        token,
        max_age=settings.session_max_days * 24 * 3600,
        path="/",
        secure=settings.cookies_secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings, SESSION_COOKIE),
        path="/",
        secure=settings.cookies_secure,
        httponly=True,
        samesite="lax",
    )


def session_token(request: Request, settings: Settings) -> str | None:
    return request.cookies.get(cookie_name(settings, SESSION_COOKIE)) or None


class AuthCookies:
    """Gives every browser the anonymous CSRF cookie, and drops a session cookie the
    identity dependency found stale. Pure ASGI: it adds headers, it never buffers bodies."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        name = cookie_name(self.settings, ANONYMOUS_COOKIE)
        existing = HTTPConnection(scope).cookies.get(name)
        state = scope.setdefault("state", {})
        state[_SEED] = existing or secrets.token_urlsafe(32)

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # Only pages carry forms: a short-link redirect or a JSON answer never sets a
                # cookie, so a click on a tracked link leaves nothing in the visitor's browser.
                page = headers.get("content-type", "").startswith("text/html")
                if existing is None and page:
                    headers.append("set-cookie", self._cookie(name, state[_SEED]))
                if state.get(_DROP_SESSION):
                    headers.append("set-cookie", self._dropped_session())
            await send(message)

        await self.app(scope, receive, send_with_cookies)

    def _cookie(self, name: str, value: str) -> str:
        response = Response()
        response.set_cookie(
            name,
            value,
            max_age=ANONYMOUS_COOKIE_MAX_AGE,
            path="/",
            secure=self.settings.cookies_secure,
            httponly=True,
            samesite="lax",
        )
        return response.headers["set-cookie"]

    def _dropped_session(self) -> str:
        response = Response()
        clear_session_cookie(response, self.settings)
        return response.headers["set-cookie"]


# App-wide dependencies: every route resolves who is asking, then checks CSRF.


def load_identity(request: Request, session: SessionDep, settings: SettingsDep) -> Identity:
    """The API key of an Authorization header, else the session of the cookie, else nobody."""
    now = utcnow()
    authorization = request.headers.get("Authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise UnauthorizedError("Expected Authorization: Bearer mr_... with an API key.")
        identity = service.authenticate_api_key(session, settings, credentials.strip(), now)
    else:
        token = session_token(request, settings)
        resolved = service.resolve_session(session, settings, token, now) if token else None
        if token and resolved is None:
            setattr(request.state, _DROP_SESSION, True)
        identity = resolved or ANONYMOUS
    request.state.identity = identity
    return identity


IdentityDep = Annotated[Identity, Depends(load_identity)]


async def csrf_protect(request: Request, identity: IdentityDep, settings: SettingsDep) -> None:
    """Refuse an unsafe request without the browser's CSRF token (see the module docstring)."""
    if request.method not in UNSAFE_METHODS or identity.api_key is not None:
        return
    if _is_api(request) and session_token(request, settings) is None:
        return
    token = request.headers.get(CSRF_HEADER) or await _form_token(request)
    seed = csrf_seed(request, identity)
    if not token or not seed or not csrf_token_valid(settings.secret_key or "", seed, token):
        raise ForbiddenError(CSRF_FAILED)


async def _form_token(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else None


def csrf_seed(request: Request, identity: Identity) -> str | None:
    if identity.user_session is not None:
        return identity.user_session.id
    seed = getattr(request.state, _SEED, None)
    return seed if isinstance(seed, str) else None


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(f"{API_PREFIX}/")


APP_DEPENDENCIES = [Depends(load_identity), Depends(csrf_protect)]


# Route dependencies


def current_user(identity: IdentityDep) -> User:
    """The signed-in person; 401 (API) or a redirect to sign in (pages) otherwise."""
    if identity.user is None:
        raise UnauthorizedError("Sign in to continue.")
    return identity.user


CurrentUser = Annotated[User, Depends(current_user)]


def require_member(role: Role = Role.VIEWER) -> Callable[[Identity], OrgContext]:
    """A dependency: the active organisation of a signed-in member with at least ``role``."""

    def member(identity: IdentityDep) -> OrgContext:
        return service.member_context(identity, role)

    return member


def require_member_of(role: Role = Role.VIEWER) -> Callable[..., OrgContext]:
    """A dependency for routes with a ``{slug}``: that organisation, for its members only."""

    def member_of(slug: str, identity: IdentityDep, session: SessionDep) -> OrgContext:
        return service.member_context_for(session, identity, slug, role)

    return member_of


def api_key_auth(scope: ApiScope) -> Callable[[Identity], OrgContext]:
    """A dependency: the organisation of an ``Authorization: Bearer mr_...`` key with ``scope``."""

    def key(identity: IdentityDep) -> OrgContext:
        return service.key_context(identity, scope)

    return key


def org_access(scope: ApiScope, role: Role = Role.VIEWER) -> Callable[[Identity], OrgContext]:
    """A dependency accepting either an API key with ``scope`` or a member with ``role``."""

    def access(identity: IdentityDep) -> OrgContext:
        if identity.api_key is not None:
            return service.key_context(identity, scope)
        return service.member_context(identity, role)

    return access


# Templates and errors


@jinja2.pass_context
def template_csrf_token(context: jinja2.runtime.Context) -> str:
    request: Request = context["request"]
    settings: Settings = request.app.state.settings
    seed = csrf_seed(request, template_identity(context))
    return csrf_token(settings.secret_key or "", seed) if seed else ""


@jinja2.pass_context
def template_identity(context: jinja2.runtime.Context) -> Identity:
    request: Request = context["request"]
    identity = getattr(request.state, "identity", None)
    return identity if isinstance(identity, Identity) else ANONYMOUS


def install(app: FastAPI) -> None:
    """Template helpers (csrf_token(), identity()) and the 401 and 429 error responses."""
    environment = app.state.templates.env
    environment.globals["csrf_token"] = template_csrf_token
    environment.globals["identity"] = template_identity
    app.add_exception_handler(UnauthorizedError, _unauthorized)  # type: ignore[arg-type]
    app.add_exception_handler(RateLimitedError, _rate_limited)  # type: ignore[arg-type]


async def _unauthorized(request: Request, exc: UnauthorizedError) -> Response:
    if _is_api(request):
        challenge = 'Bearer realm="microreach"'
        if request.headers.get("Authorization") is not None:
            challenge += ', error="invalid_token"'
        return problem_response(request, 401, str(exc), headers={"WWW-Authenticate": challenge})
    target = SIGN_IN_PATH
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = f"{SIGN_IN_PATH}?{urlencode({'next': here})}"
    if wants_fragment(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _rate_limited(request: Request, exc: RateLimitedError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)}
    return problem_response(request, 429, str(exc), headers=headers)
