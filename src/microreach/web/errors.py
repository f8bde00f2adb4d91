"""One error shape: RFC 9457 problem details under /api/, a rendered error page elsewhere."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from microreach.kit.errors import MicroreachError
from microreach.web.deps import render, wants_fragment

PROBLEM_MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api"
logger = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str = Field(description="The parameter at fault, e.g. limit or cursor.")
    message: str
    value: Any = Field(default=None, description="The value received, when there was one.")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank", description="Problem type; about:blank here.")
    title: str = Field(description="The HTTP status phrase.")
    status: int
    detail: str = Field(description="What went wrong, for a person to read.")
    errors: list[FieldError] | None = Field(
        default=None, description="One entry per invalid parameter, on validation errors."
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid parameters"},
}
NOT_FOUND_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such resource"},
    **PROBLEM_RESPONSES,
}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MicroreachError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


def problem_response(
    request: Request,
    status: int,
    detail: str,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error as a problem document for API paths, as an error page for the others."""
    problem = Problem(
        title=HTTPStatus(status).phrase, status=status, detail=detail, errors=list(errors) or None
    )
    if _is_api(request):
        body = problem.model_dump(mode="json", exclude={"errors"} if not errors else set())
        return ProblemResponse(body, status_code=status, headers=headers)
    return _error_page(request, problem, headers)


def _error_page(request: Request, problem: Problem, headers: Mapping[str, str] | None) -> Response:
    fragment = wants_fragment(request)
    response = render(
        request,
        "_error.html" if fragment else "error.html",
        {"problem": problem},
        status_code=problem.status,
    )
    response.headers.update(headers or {})
    if fragment:
        # htmx swaps error responses only where told to (see the htmx-config meta tag).
        response.headers.update({"HX-Retarget": "#results", "HX-Reswap": "innerHTML"})
    return response


async def _domain_error(request: Request, exc: MicroreachError) -> Response:
    errors = []
    if exc.field is not None:
        value = jsonable_encoder(getattr(exc, "value", None))
        errors.append(FieldError(field=exc.field, message=exc.message, value=value))
    return problem_response(request, exc.status_code, str(exc), errors)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = [_field_error(error) for error in exc.errors()]
    if not _is_api(request) and all(error["loc"][:1] == ("path",) for error in exc.errors()):
        # A malformed id in a page address names no page.
        return problem_response(request, 404, f"No page at {request.url.path}.")
    detail = "; ".join(f"{error.field}: {error.message}" for error in errors)
    return problem_response(request, 422, detail, errors)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == HTTPStatus.NOT_FOUND.phrase:
        detail = f"No page at {request.url.path}."
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "Something went wrong on our side; it was logged.")


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(f"{API_PREFIX}/")


def _field_error(error: Mapping[str, Any]) -> FieldError:
    location = [str(part) for part in error.get("loc", ())]
    field = ".".join(location[1:]) or ".".join(location) or "request"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return FieldError(field=field, message=message, value=_jsonable(error.get("input")))


def _jsonable(value: Any) -> Any:
    try:
        return jsonable_encoder(value)
    except (TypeError, ValueError):
        return repr(value)
