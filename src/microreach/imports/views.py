"""The upload page: the same imports as the command line, for a signed-in member.

The request is refused with 413 from its Content-Length before any byte of the body is read
(the route class runs ahead of the app-wide CSRF check, which parses the form). The upload is
imported inside the request's transaction; rejected rows go to a CSV under the data directory
whose random name is the download link, shown only to members.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.routing import APIRoute

from microreach.accounts.enums import Role
from microreach.config import Settings
from microreach.creators.enums import Platform
from microreach.imports import mapping, service
from microreach.imports.schemas import ImportKind, ImportReport
from microreach.kit.errors import InvalidError, NotFoundError
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep, SettingsDep, get_settings, render

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Room for the other form fields and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 64 * 1024
SHOWN_ERRORS = 100
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class UploadLimitRoute(APIRoute):
    """Refuses a POST whose declared body is over the limit, or undeclared, unread."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            if request.method == "POST":
                length = request.headers.get("content-length", "")
                if not length.isdigit():
                    return Response("Length required.", status_code=411)
                if int(length) > MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES:
                    return _page(request, {}, status_code=413, error=_too_large())
            return await handler(request)

        return limited


# Creator data is shared by every organisation: any member who may edit may import.
router = APIRouter(
    include_in_schema=False,
    default_response_class=HTMLResponse,
    route_class=UploadLimitRoute,
    dependencies=[Depends(require_member(Role.MEMBER))],
)


@router.get("/imports")
def upload_page(request: Request) -> HTMLResponse:
    return _page(request, {"kind": ImportKind.CREATORS.value})


@router.post("/imports")
def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[ImportKind, Form()],
    platform: Annotated[str, Form()] = "",
    column_map: Annotated[str, Form()] = "",
) -> HTMLResponse:
    values = {"kind": kind.value, "platform": platform, "column_map": column_map}
    try:
        options = _options(kind, platform, column_map)
        report = _import(session, settings, file, options)
    except InvalidError as exc:
        return _page(request, values, status_code=422, error=exc)
    return _page(request, values, report=report, token=_token_of(report))


@router.get("/imports/rejects/{token}.csv")
def rejects(token: str, settings: SettingsDep) -> FileResponse:
    if not _TOKEN.match(token):
        raise NotFoundError("No such rejects file.")
    path = _rejects_dir(settings) / f"{token}.csv"
    if not path.is_file():
        raise NotFoundError("No such rejects file.")
    return FileResponse(path, media_type="text/csv", filename="rejects.csv")


def _options(kind: ImportKind, platform: str, column_map: str) -> service.ImportOptions:
    chosen: Platform | None = None
    if platform:
        try:
            chosen = Platform(platform)
        except ValueError:
            raise InvalidError("unknown platform", field="platform") from None
    lines = [line.strip() for line in column_map.splitlines() if line.strip()]
    try:
        overrides = mapping.parse_map_options(lines)
    except InvalidError as exc:
        raise InvalidError(exc.message, field="column_map") from None
    return service.ImportOptions(kind=kind, platform=chosen, column_map=overrides)


def _import(
    session: SessionDep, settings: Settings, file: UploadFile, options: service.ImportOptions
) -> ImportReport:
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise _too_large()
    directory = _rejects_dir(settings)
    path = directory / f"{secrets.token_urlsafe(24)}.csv"
    return service.import_stream(
        session.connection(), file.file, file.filename or "upload.csv", options, rejects_path=path
    )


def _rejects_dir(settings: Settings) -> Path:
    return settings.data_dir / "imports" / "rejects"


def _token_of(report: ImportReport) -> str | None:
    return report.rejects_path.stem if report.rejects_path is not None else None


def _too_large() -> InvalidError:
    error = InvalidError(
        f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB: import it with "
        "`microreach import` on the server",
        field="file",
    )
    error.status_code = 413
    return error


def _page(
    request: Request,
    values: dict[str, str],
    *,
    status_code: int = 200,
    error: InvalidError | None = None,
    report: ImportReport | None = None,
    token: str | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "values": values,
        "errors": {(error.field or "form"): error.message} if error else {},
        "kinds": list(ImportKind),
        "platforms": list(Platform),
        "fields": mapping.FIELDS,
        "required": mapping.REQUIRED,
        "report": report,
        "shown_errors": report.errors[:SHOWN_ERRORS] if report else [],
        "token": token,
        "max_mb": MAX_UPLOAD_BYTES // 2**20,
        "score_every": get_settings(request).schedule_score_seconds,
    }
    return render(request, "imports/upload.html", context, status_code)
