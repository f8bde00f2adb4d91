"""HTML page of the brand profile: a form of comma-separated lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.brands import service
from microreach.brands.schemas import AGE_BANDS, BrandProfileIn, BrandProfileOut
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError, MicroreachError
from microreach.science.niches import NICHES
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
PATH = "/brands/profile"


class ProfileForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = ""
    website: str = ""
    niches: list[str] = []
    countries: str = ""
    languages: str = ""
    age_bands: list[str] = []
    female: str = ""
    male: str = ""
    other: str = ""
    interests: str = ""
    keywords: str = ""
    competitors: str = ""


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


def _profile_in(form: ProfileForm) -> BrandProfileIn:
    shares: dict[str, int] = {}
    for gender in ("female", "male", "other"):
        raw = getattr(form, gender).strip().rstrip("%")
        if raw:
            if not raw.isdigit():
                raise InvalidError("Give whole percentages.", field="gender_shares")
            shares[gender] = int(raw)
    try:
        return BrandProfileIn(
            name=form.name,
            website=form.website or None,
            niches=form.niches,
            countries=_split(form.countries),
            languages=_split(form.languages),
            age_bands=form.age_bands,
            gender_shares=shares,
            interests=_split(form.interests),
            keywords=_split(form.keywords),
            competitors=_split(form.competitors),
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "form"
        raise InvalidError(str(error["msg"]).removeprefix("Value error, "), field=field) from None


def _page(
    request: Request,
    profile: BrandProfileOut,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "profile": profile,
        "niches": NICHES,
        "age_bands": AGE_BANDS,
        "errors": {(error.field or "form"): error.message} if error else {},
        "values": values or {},
        "saved": request.query_params.get("done") == "saved",
    }
    return render(request, "brands/profile.html", context, error.status_code if error else 200)


@router.get(PATH)
def profile_page(request: Request, session: SessionDep, ctx: Member) -> HTMLResponse:
    return _page(request, service.get_profile(session, ctx))


@router.post(PATH)
def save(
    request: Request, form: Annotated[ProfileForm, Form()], session: SessionDep, ctx: Member
) -> Response:
    try:
        with session.begin_nested():
            service.save_profile(session, ctx, _profile_in(form), utcnow())
    except MicroreachError as exc:
        return _page(request, service.get_profile(session, ctx), exc, form.model_dump())
    return RedirectResponse(f"{PATH}?done=saved", status_code=303)
