"""HTML pages for signing up, in and out, and resetting a password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microreach.accounts import mail, organisations, service
from microreach.accounts.enums import OrganisationKind, UserKind
from microreach.accounts.errors import RateLimitedError
from microreach.accounts.models import User
from microreach.accounts.schemas import (
    CreatorSignUpForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from microreach.config import Settings
from microreach.kit.clock import utcnow
from microreach.kit.errors import MicroreachError
from microreach.web.auth import (
    IdentityDep,
    clear_session_cookie,
    session_token,
    set_session_cookie,
)
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PASSWORD_FIELDS = frozenset({"password", "password_again"})
SIGN_IN_NOTICES = {
    "reset": "Your password was changed and you were signed out everywhere: sign in again.",
    "signed-out": "You are signed out.",
}


def form_page(
    request: Request,
    template: str,
    values: dict[str, Any],
    error: MicroreachError | None = None,
    **context: Any,
) -> HTMLResponse:
    """A form page with the submitted values (never passwords) and the error beside its field."""
    kept = {key: value for key, value in values.items() if key not in PASSWORD_FIELDS}
    errors = {(error.field or "form"): error.message} if error else {}
    status = error.status_code if error else 200
    page = render(request, template, {"values": kept, "errors": errors, **context}, status)
    if isinstance(error, RateLimitedError):
        page.headers["Retry-After"] = str(error.retry_after)
    return page


def signed_in(
    request: Request, session: SessionDep, settings: Settings, user: User, target: str
) -> Response:
    """Start a session for ``user`` and go to ``target``, with the session cookie set; a
    session this browser had before ends (a fresh token on every sign-in: no fixation)."""
    previous = session_token(request, settings)
    if previous:
        service.end_session(session, previous)
    agent = request.headers.get("User-Agent")
    token = service.start_session(session, settings, user, agent, utcnow())
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, settings, token)
    return response


def home_of(user: User) -> str:
    return "/portal" if user.kind is UserKind.CREATOR else "/"


@router.get("/sign-up")
def sign_up_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    invitation: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    values: dict[str, Any] = {"organisation_kind": OrganisationKind.BRAND.value}
    if invitation:
        try:
            invited, organisation = organisations.open_invitation(
                session, settings, invitation, utcnow()
            )
        except MicroreachError as exc:
            return form_page(request, "accounts/sign_up.html", values, exc, invited_to=None)
        values.update(email=invited.email, invitation=invitation)
        return form_page(request, "accounts/sign_up.html", values, invited_to=organisation)
    return form_page(request, "accounts/sign_up.html", values, invited_to=None)


@router.post("/sign-up")
def sign_up(
    request: Request,
    form: Annotated[SignUpForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    try:
        with session.begin_nested():
            user = service.sign_up(session, settings, form, utcnow())
    except MicroreachError as exc:
        invited_to = None
        if form.invitation:
            invited_to = _invited_organisation(session, settings, form.invitation)
        return form_page(
            request, "accounts/sign_up.html", form.model_dump(), exc, invited_to=invited_to
        )
    return signed_in(request, session, settings, user, "/organisation?done=welcome")


def _invited_organisation(session: SessionDep, settings: Settings, token: str) -> Any:
    try:
        return organisations.open_invitation(session, settings, token, utcnow())[1]
    except MicroreachError:
        return None


@router.get("/portal/sign-up")
def creator_sign_up_page(request: Request) -> HTMLResponse:
    return form_page(request, "accounts/creator_sign_up.html", {})


@router.post("/portal/sign-up")
def creator_sign_up(
    request: Request,
    form: Annotated[CreatorSignUpForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    try:
        user = service.sign_up_creator(session, form, utcnow())
    except MicroreachError as exc:
        return form_page(request, "accounts/creator_sign_up.html", form.model_dump(), exc)
    return signed_in(request, session, settings, user, "/portal?done=welcome")


@router.get("/sign-in")
def sign_in_page(
    request: Request,
    identity: IdentityDep,
    next_path: Annotated[str, Query(alias="next", max_length=2000)] = "",
    notice: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    if identity.user is not None:
        return RedirectResponse(service.safe_next(next_path, home_of(identity.user)), 303)
    values = {"next": service.safe_next(next_path, "")}
    return form_page(request, "accounts/sign_in.html", values, notice=SIGN_IN_NOTICES.get(notice))


@router.post("/sign-in")
def sign_in(
    request: Request,
    form: Annotated[SignInForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    client = request.client.host if request.client else "unknown"
    try:
        user = service.authenticate(session, settings, form.email, form.password, client, utcnow())
    except MicroreachError as exc:
        values = {**form.model_dump(), "next": service.safe_next(form.next, "")}
        return form_page(request, "accounts/sign_in.html", values, exc, notice=None)
    return signed_in(request, session, settings, user, service.safe_next(form.next, home_of(user)))


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    token = session_token(request, settings)
    if token:
        service.end_session(session, token)
    response = RedirectResponse("/sign-in?notice=signed-out", status_code=303)
    clear_session_cookie(response, settings)
    return response


@router.get("/forgot-password")
def forgot_password_page(request: Request) -> HTMLResponse:
    return form_page(request, "accounts/forgot_password.html", {})


@router.post("/forgot-password")
def forgot_password(
    request: Request,
    form: Annotated[ForgotPasswordForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> HTMLResponse:
    try:
        reset = service.request_password_reset(session, settings, form.email, utcnow())
    except MicroreachError as exc:
        return form_page(request, "accounts/forgot_password.html", form.model_dump(), exc)
    if reset is not None:
        background.add_task(mail.send, settings, mail.reset_message(settings, reset))
    # The same answer whether or not the email has an account: no one learns who signed up.
    return render(request, "accounts/reset_sent.html", {"email": form.email.strip()})


@router.get("/reset-password")
def reset_password_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    try:
        service.open_reset(session, settings, token, utcnow())
    except MicroreachError as exc:
        return form_page(request, "accounts/reset_password.html", {"token": token}, exc)
    return form_page(request, "accounts/reset_password.html", {"token": token})


@router.post("/reset-password")
def reset_password(
    request: Request,
    form: Annotated[ResetPasswordForm, Form()],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    try:
        service.reset_password(
            session, settings, form.token, form.password, form.password_again, utcnow()
        )
    except MicroreachError as exc:
        return form_page(request, "accounts/reset_password.html", form.model_dump(), exc)
    response = RedirectResponse("/sign-in?notice=reset", status_code=303)
    clear_session_cookie(response, settings)
    return response
