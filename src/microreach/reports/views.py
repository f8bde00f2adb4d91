"""HTML pages and downloads of a campaign report: the member page with its charts, share links
and exports (CSV per table, a zip of all tables, XLSX, PDF), and the read-only shared copy.

Every route renders one ReportDocument from `reports.service.campaign_document`; the page and
the files format it with the same functions (`reports.render.values`), so they agree.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import Role
from microreach.campaigns import service as campaigns_service
from microreach.campaigns.money import format_amount
from microreach.kit.clock import utcnow
from microreach.kit.errors import InvalidError, MicroreachError, NotFoundError
from microreach.reports import service, sharing
from microreach.reports.document import ReportDocument
from microreach.reports.render import csv, pdf, xlsx
from microreach.reports.render.charts import page_charts
from microreach.reports.render.page import page_tables
from microreach.reports.render.values import display, figure_range
from microreach.web.auth import require_member
from microreach.web.deps import SessionDep, SettingsDep, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Member = Annotated[OrgContext, Depends(require_member(Role.VIEWER))]
TableKey = Annotated[str | None, Query(max_length=64)]
SHARED_HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the address; never send it on
    "X-Robots-Tag": "noindex, nofollow",
}
DONE = {"revoked": "Link revoked: it no longer opens the report."}
_UNSAFE_NAME = re.compile(r"[^a-z0-9]+")


def _report_context(document: ReportDocument, base: str) -> dict[str, Any]:
    return {
        "document": document,
        "charts": page_charts(document),
        "tables": page_tables(document),
        "base": base,
        "fmt": display,
        "range_of": figure_range,
    }


def _share_rows(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> list[Any]:
    now = utcnow()
    return [
        {"share": row.share, "status": sharing.status_of(row.share, now), "by": row.created_by}
        for row in sharing.list_shares(session, ctx, campaign_id)
    ]


def _page(
    request: Request,
    session: Session,
    ctx: OrgContext,
    campaign_id: uuid.UUID,
    *,
    error: MicroreachError | None = None,
    values: dict[str, Any] | None = None,
    new_share: sharing.NewShare | None = None,
) -> HTMLResponse:
    document = service.campaign_document(session, ctx, campaign_id)
    context = {
        **_report_context(document, f"/campaigns/{campaign_id}"),
        "campaign_id": campaign_id,
        "shares": _share_rows(session, ctx, campaign_id),
        "can_share": ctx.role is not None and ctx.role.at_least(Role.MEMBER),
        "new_share": new_share,
        "notice": DONE.get(request.query_params.get("done", "")),
        "errors": {(error.field or "form"): error.message} if error else {},
        "values": values or {},
        "max_days": sharing.MAX_DAYS,
        "default_days": sharing.DEFAULT_DAYS,
    }
    return render(request, "reports/report.html", context, error.status_code if error else 200)


@router.get("/campaigns/{campaign_id}/report")
def report_page(
    request: Request, campaign_id: uuid.UUID, session: SessionDep, ctx: Member
) -> HTMLResponse:
    return _page(request, session, ctx, campaign_id)


@router.post("/campaigns/{campaign_id}/report/shares")
def create_share(
    request: Request,
    campaign_id: uuid.UUID,
    days: Annotated[str, Form(max_length=12)],
    session: SessionDep,
    settings: SettingsDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            count = _days(days)
            created = sharing.create_share(session, settings, ctx, campaign_id, count, utcnow())
    except MicroreachError as exc:
        return _page(request, session, ctx, campaign_id, error=exc, values={"days": days})
    # Rendered, not redirected: the link is shown this once and never stored in clear.
    return _page(request, session, ctx, campaign_id, new_share=created)


@router.post("/campaigns/{campaign_id}/report/shares/{share_id}/revoke")
def revoke_share(
    request: Request,
    campaign_id: uuid.UUID,
    share_id: uuid.UUID,
    session: SessionDep,
    ctx: Member,
) -> Response:
    try:
        with session.begin_nested():
            sharing.revoke_share(session, ctx, share_id, utcnow())
    except MicroreachError as exc:
        return _page(request, session, ctx, campaign_id, error=exc)
    return RedirectResponse(f"/campaigns/{campaign_id}/report?done=revoked#shares", 303)


def _days(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit():
        raise InvalidError(f"{text or 'nothing'} is not a whole number of days.", field="days")
    return sharing.check_days(int(text))


# Downloads, for members and for shared links alike


def _stem(document: ReportDocument) -> str:
    name = _UNSAFE_NAME.sub("-", document.title.lower()).strip("-")[:60] or "report"
    return f"report-{name}-{document.generated_at:%Y-%m-%d}"


def _file(body: bytes, media_type: str, filename: str, headers: dict[str, str]) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers={**headers, **disposition})


def _csv(document: ReportDocument, table: str | None, headers: dict[str, str]) -> Response:
    keys = [t.key for t in document.tables]
    if not table:
        raise InvalidError(f"name a table: one of {', '.join(keys)}.", field="table")
    try:
        chosen = document.table(table)
    except KeyError:
        raise InvalidError(
            f"{table} is not a table of this report; one of {', '.join(keys)}.", field="table"
        ) from None
    body = csv.table_csv(document, chosen)
    return _file(body, "text/csv; charset=utf-8", f"{_stem(document)}-{chosen.key}.csv", headers)


def _zip(document: ReportDocument, headers: dict[str, str]) -> Response:
    stem = _stem(document)
    return _file(csv.tables_zip(document, stem), "application/zip", f"{stem}.zip", headers)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(document: ReportDocument, headers: dict[str, str]) -> Response:
    return _file(xlsx.workbook(document), XLSX_TYPE, f"{_stem(document)}.xlsx", headers)


def _pdf(document: ReportDocument, headers: dict[str, str]) -> Response:
    return _file(pdf.report_pdf(document), "application/pdf", f"{_stem(document)}.pdf", headers)


PRIVATE = {"Cache-Control": "private, no-store"}


@router.get("/campaigns/{campaign_id}/report.csv")
def report_csv(
    campaign_id: uuid.UUID, session: SessionDep, ctx: Member, table: TableKey = None
) -> Response:
    return _csv(service.campaign_document(session, ctx, campaign_id), table, PRIVATE)


@router.get("/campaigns/{campaign_id}/report.zip")
def report_zip(campaign_id: uuid.UUID, session: SessionDep, ctx: Member) -> Response:
    return _zip(service.campaign_document(session, ctx, campaign_id), PRIVATE)


@router.get("/campaigns/{campaign_id}/report.xlsx")
def report_xlsx(campaign_id: uuid.UUID, session: SessionDep, ctx: Member) -> Response:
    return _xlsx(service.campaign_document(session, ctx, campaign_id), PRIVATE)


@router.get("/campaigns/{campaign_id}/report.pdf")
def report_pdf(campaign_id: uuid.UUID, session: SessionDep, ctx: Member) -> Response:
    return _pdf(service.campaign_document(session, ctx, campaign_id), PRIVATE)


# The read-only copy behind a shared link (no sign-in; the token is the authority)


def _shared(
    session: Session, settings: SettingsDep, token: str
) -> tuple[sharing.OpenShare, ReportDocument]:
    opened = sharing.open_share(session, settings, token, utcnow())
    return opened, service.campaign_document(session, opened.ctx, opened.share.campaign_id)


def _gone(request: Request, error: NotFoundError) -> HTMLResponse:
    response = render(request, "reports/shared_gone.html", {"message": error.message}, 404)
    response.headers.update(SHARED_HEADERS)
    return response


@router.get(f"{sharing.SHARED_PATH}/{{token}}")
def shared_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    try:
        opened, document = _shared(session, settings, token)
    except NotFoundError as exc:
        return _gone(request, exc)
    context = {
        **_report_context(document, f"{sharing.SHARED_PATH}/{token}"),
        "expires_at": opened.share.expires_at,
    }
    response = render(request, "reports/shared.html", context)
    response.headers.update(SHARED_HEADERS)
    return response


@router.get(f"{sharing.SHARED_PATH}/{{token}}/report.csv")
def shared_csv(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    table: TableKey = None,
) -> Response:
    try:
        _, document = _shared(session, settings, token)
    except NotFoundError as exc:
        return _gone(request, exc)
    return _csv(document, table, SHARED_HEADERS)


def _shared_export(
    request: Request,
    session: Session,
    settings: Any,
    token: str,
    export: Callable[[ReportDocument, dict[str, str]], Response],
) -> Response:
    """A shared report's download, or the page saying the link is gone."""
    try:
        _, document = _shared(session, settings, token)
    except NotFoundError as exc:
        return _gone(request, exc)
    return export(document, SHARED_HEADERS)


@router.get(f"{sharing.SHARED_PATH}/{{token}}/report.zip")
def shared_zip(
    request: Request, token: str, session: SessionDep, settings: SettingsDep
) -> Response:
    return _shared_export(request, session, settings, token, _zip)


@router.get(f"{sharing.SHARED_PATH}/{{token}}/report.xlsx")
def shared_xlsx(
    request: Request, token: str, session: SessionDep, settings: SettingsDep
) -> Response:
    return _shared_export(request, session, settings, token, _xlsx)


@router.get(f"{sharing.SHARED_PATH}/{{token}}/report.pdf")
def shared_pdf(
    request: Request, token: str, session: SessionDep, settings: SettingsDep
) -> Response:
    return _shared_export(request, session, settings, token, _pdf)


# Micro versus larger creators across the organisation's campaigns (one currency at a time)

Currency = Annotated[str, Path(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")]


def _tiers(session: Session, ctx: OrgContext, currency: str | None) -> ReportDocument:
    return service.tier_comparison_document(session, ctx, currency)


def _tiers_page(request: Request, document: ReportDocument) -> HTMLResponse:
    context = _report_context(document, f"{TIERS_PATH}/{document.currency}")
    return render(request, "reports/tiers.html", context)


TIERS_PATH = "/reports/tiers"


@router.get(TIERS_PATH)
def tiers_page(request: Request, session: SessionDep, ctx: Member) -> HTMLResponse:
    """In the currency most of the organisation's campaigns use."""
    return _tiers_page(request, _tiers(session, ctx, None))


@router.get(f"{TIERS_PATH}/{{currency}}")
def tiers_page_in(
    request: Request, currency: Currency, session: SessionDep, ctx: Member
) -> HTMLResponse:
    return _tiers_page(request, _tiers(session, ctx, currency))


@router.get(f"{TIERS_PATH}/{{currency}}/report.csv")
def tiers_csv(
    currency: Currency, session: SessionDep, ctx: Member, table: TableKey = None
) -> Response:
    return _csv(_tiers(session, ctx, currency), table, PRIVATE)


@router.get(f"{TIERS_PATH}/{{currency}}/report.zip")
def tiers_zip(currency: Currency, session: SessionDep, ctx: Member) -> Response:
    return _zip(_tiers(session, ctx, currency), PRIVATE)


@router.get(f"{TIERS_PATH}/{{currency}}/report.xlsx")
def tiers_xlsx(currency: Currency, session: SessionDep, ctx: Member) -> Response:
    return _xlsx(_tiers(session, ctx, currency), PRIVATE)


@router.get(f"{TIERS_PATH}/{{currency}}/report.pdf")
def tiers_pdf(currency: Currency, session: SessionDep, ctx: Member) -> Response:
    return _pdf(_tiers(session, ctx, currency), PRIVATE)


@dataclass(frozen=True, slots=True)
class DashboardRow:
    """One campaign's headline numbers on the dashboard, formatted for the page."""

    campaign_id: uuid.UUID
    name: str
    status: str
    dates: str
    creators: int
    posts_live: int
    clicks: int
    conversions: int
    revenue: str
    cost: str
    cpc: str
    roas: str
    data_as_of: datetime | None


def _money(minor: float | None, currency: str) -> str:
    return "n/a" if minor is None else format_amount(round(minor), currency)


def dashboard_rows(session: Session, ctx: OrgContext) -> list[DashboardRow]:
    """Active campaigns first, then drafts; each with the report's headline figures."""
    campaigns = [
        c
        for c in campaigns_service.list_campaigns(session, ctx)
        if c.status.value in ("active", "draft")
    ]
    campaigns.sort(key=lambda c: (c.status.value != "active", c.starts_on, c.name))
    rows = []
    for campaign in campaigns:
        report = service.campaign_report(session, ctx, campaign.id)
        overall = report.overall
        rows.append(
            DashboardRow(
                campaign_id=campaign.id,
                name=campaign.name,
                status=campaign.status.value,
                dates=f"{campaign.starts_on.isoformat()} to {campaign.ends_on.isoformat()}",
                creators=overall.creators,
                posts_live=overall.posts_live,
                clicks=overall.clicks_human,
                conversions=overall.conversions,
                revenue=_money(overall.revenue, report.currency),
                cost=_money(overall.cost, report.currency),
                cpc=_money(overall.cpc, report.currency),
                roas="n/a" if overall.roas is None else f"{overall.roas:.2f}x",
                data_as_of=report.data_as_of,
            )
        )
    return rows


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, ctx: Member) -> HTMLResponse:
    """The organisation's campaigns at a glance: active ones first, with their headline
    numbers from the same report the campaign pages and exports use."""
    return render(request, "reports/dashboard.html", {"rows": dashboard_rows(session, ctx)})
