"""Link management: create (one or per creator), list, read, update, QR codes, click summaries."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.enums import ApiScope, Role
from microreach.campaigns import service as campaigns_service
from microreach.config import Settings
from microreach.creators import service as creators_service
from microreach.kit.clock import as_utc
from microreach.kit.errors import ConflictError, InvalidError, NotFoundError
from microreach.links import repository
from microreach.links.destinations import (
    DomainBlocklist,
    check_destination,
    system_resolver,
    with_utm,
)
from microreach.links.models import Link
from microreach.links.qr import qr_png, qr_svg
from microreach.links.schemas import (
    Breakdown,
    BulkLinkCreate,
    CampaignLinksCreate,
    CampaignLinksResult,
    ClickSummary,
    DayCount,
    HourCount,
    LinkCreate,
    LinkListParams,
    LinkOut,
    LinkPage,
    LinkUpdate,
    SkippedCreator,
)
from microreach.links.slugs import RESERVED_SLUGS, slug_candidates, validate_custom_slug

ROLLUP_NAME = "click_rollups"
DEFAULT_MEDIUM = "influencer"
BAD_CURSOR = "is not a cursor from this API; drop it to start from the first page"
Utm = tuple[str | None, str | None, str | None, str | None]


def tagged_destination(destination: str, utm: Utm) -> str:
    """The destination with the link's UTM parameters; untouched when it has no utm_source."""
    source, medium, campaign, content = utm
    if not source:
        return destination
    return with_utm(
        destination, source=source, medium=medium or "", campaign=campaign, content=content
    )


def create_link(
    session: Session, settings: Settings, ctx: OrgContext, data: LinkCreate, now: datetime
) -> LinkOut:
    _require_write(ctx)
    link = _new_link(session, settings, ctx, data, now)
    _insert_with_slug(session, link, data.slug)
    repository.bump_links_version(session)
    return _out(session, settings, [link])[0]


def bulk_create(
    session: Session, settings: Settings, ctx: OrgContext, data: BulkLinkCreate, now: datetime
) -> list[LinkOut]:
    """One link per creator (generated slugs), all in the caller's transaction."""
    _require_write(ctx)
    links = []
    for index, creator_id in enumerate(dict.fromkeys(data.creator_ids)):
        request = LinkCreate(
            destination=data.destination,
            domain=data.domain,
            creator_id=creator_id,
            campaign_id=data.campaign_id,
            utm_medium=data.utm_medium,
            utm_campaign=data.utm_campaign,
            expires_at=data.expires_at,
            fallback_url=data.fallback_url,
        )
        try:
            link = _new_link(session, settings, ctx, request, now)
        except InvalidError as exc:
            if exc.field == "creator_id":
                exc.field = f"creator_ids.{index}"
            raise
        _insert_with_slug(session, link, None)
        links.append(link)
    repository.bump_links_version(session)
    return _out(session, settings, links)


def campaign_links(
    session: Session, settings: Settings, ctx: OrgContext, data: CampaignLinksCreate, now: datetime
) -> CampaignLinksResult:
    """One link per accepted creator of the campaign to `data.destination`, with UTM from the
    invited account; creators who have a link to that destination in the campaign are skipped."""
    _require_write(ctx)
    try:
        members = campaigns_service.campaign_members(
            session, ctx, data.campaign_id, accepted_only=True
        )
    except NotFoundError:
        raise InvalidError(
            f"names no campaign of {ctx.organisation.name} ({data.campaign_id})",
            field="campaign_id",
        ) from None
    destination = _checked(settings, data.destination, "destination")
    existing = repository.campaign_link_keys(session, ctx.organisation.id, data.campaign_id)
    accounts = creators_service.accounts_by_ids(session, [m.platform_account_id for m in members])
    created: list[Link] = []
    skipped: list[SkippedCreator] = []
    for member in members:
        have = existing.get((member.creator_id, destination))
        if have is not None:
            reason = f"already has /{have.slug} to this destination in the campaign"
            skipped.append(_skip(member, reason, have.id))
            continue
        account = accounts.get(member.platform_account_id)
        request = LinkCreate(
            destination=destination,
            domain=data.domain,
            creator_id=member.creator_id,
            campaign_id=data.campaign_id,
            utm_source=account.platform.value if account else None,
            utm_content=account.handle if account else None,
            utm_medium=data.utm_medium,
            utm_campaign=data.utm_campaign,
            expires_at=data.expires_at,
            fallback_url=data.fallback_url,
        )
        link = _new_link(session, settings, ctx, request, now)
        _insert_with_slug(session, link, None)
        existing[(member.creator_id, destination)] = link
        created.append(link)
    if created:
        repository.bump_links_version(session)
    return CampaignLinksResult(created=_out(session, settings, created), skipped=skipped)


def _skip(
    member: campaigns_service.MemberRef, reason: str, link_id: uuid.UUID | None
) -> SkippedCreator:
    return SkippedCreator(
        creator_id=member.creator_id,
        platform_account_id=member.platform_account_id,
        reason=reason,
        link_id=link_id,
    )


def utm_defaults(
    session: Session, settings: Settings, creator_id: uuid.UUID | None
) -> dict[str, str]:
    """The UTM fields `create_link` fills in for a link of `creator_id` (forms prefill them)."""
    if creator_id is None:
        return {}
    platform, handle = _creator_defaults(session, settings, creator_id)
    values = {"utm_medium": DEFAULT_MEDIUM}
    if platform:
        values["utm_source"] = platform
    if handle:
        values["utm_content"] = handle
    return values


def list_links(
    session: Session, settings: Settings, ctx: OrgContext, params: LinkListParams
) -> LinkPage:
    _require_read(ctx)
    after = _decode_cursor(params.cursor) if params.cursor else None
    rows = repository.list_links(
        session,
        ctx.organisation.id,
        limit=params.limit,
        after=after,
        creator_id=params.creator_id,
        campaign_id=params.campaign_id,
    )
    page = rows[: params.limit]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > params.limit else None
    return LinkPage(items=_out(session, settings, page), next_cursor=next_cursor)


def clicks_by_link(session: Session, ctx: OrgContext, links: list[LinkOut]) -> dict[uuid.UUID, int]:
    """Rolled-up human clicks of links already read through `ctx`."""
    _require_read(ctx)
    return repository.human_clicks(session, [link.id for link in links])


def get_link(session: Session, settings: Settings, ctx: OrgContext, link_id: uuid.UUID) -> LinkOut:
    _require_read(ctx)
    return _out(session, settings, [_link(session, ctx, link_id)])[0]


def update_link(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    link_id: uuid.UUID,
    data: LinkUpdate,
    now: datetime,
) -> LinkOut:
    """Change only the fields present in `data`."""
    _require_write(ctx)
    link = _link(session, ctx, link_id)
    sent = data.model_fields_set
    if "destination" in sent:
        if data.destination is None:
            raise InvalidError("cannot be cleared; send a new URL", field="destination")
        link.destination = _checked(settings, data.destination, "destination")
    if "fallback_url" in sent:
        link.fallback_url = _checked_optional(settings, data.fallback_url, "fallback_url")
    if "enabled" in sent:
        if data.enabled is None:
            raise InvalidError("must be true or false", field="enabled")
        link.enabled = data.enabled
    if "expires_at" in sent:
        link.expires_at = as_utc(data.expires_at) if data.expires_at else None
    for name in ("title", "utm_source", "utm_medium", "utm_campaign", "utm_content"):
        if name in sent:
            setattr(link, name, getattr(data, name) or None)
    link.updated_at = now
    session.flush()
    repository.bump_links_version(session)
    return _out(session, settings, [link])[0]


def qr_code(
    session: Session,
    settings: Settings,
    ctx: OrgContext,
    link_id: uuid.UUID,
    kind: Literal["svg", "png"],
    scale: int,
) -> bytes:
    """The link's short URL as a QR code image."""
    _require_read(ctx)
    link = _link(session, ctx, link_id)
    url = _short_urls(session, settings, [link])[link.id]
    try:
        if kind == "svg":
            return qr_svg(url, scale=scale, title=url).encode()
        return qr_png(url, scale=scale)
    except ValueError as exc:
        raise InvalidError(str(exc), field="scale") from None


def click_summary(session: Session, ctx: OrgContext, link_id: uuid.UUID) -> ClickSummary:
    """Totals and breakdowns of human clicks from the rollups; bot clicks as one number."""
    _require_read(ctx)
    link = _link(session, ctx, link_id)
    rollups = repository.rollups_of(session, link.id)
    totals: dict[str, dict[str, list[int]]] = {
        "country": defaultdict(lambda: [0, 0]),
        "device": defaultdict(lambda: [0, 0]),
        "referrer": defaultdict(lambda: [0, 0]),
    }
    hours: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    bots = 0
    for row in rollups:
        if row.is_bot:
            bots += row.clicks
            continue
        for name, key in (("country", row.country), ("device", row.device)):
            _add(totals[name][key], row.clicks, row.uniques)
        _add(totals["referrer"][row.referrer], row.clicks, row.uniques)
        _add(hours[row.hour], row.clicks, row.uniques)
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for hour, count in hours.items():
        _add(days[hour.date()], count[0], count[1])
    return ClickSummary(
        link_id=link.id,
        clicks=sum(count[0] for count in hours.values()),
        uniques=sum(count[1] for count in hours.values()),
        bot_clicks=bots,
        by_country=_breakdown(totals["country"].items()),
        by_device=_breakdown(totals["device"].items()),
        by_referrer=_breakdown(totals["referrer"].items()),
        by_hour=[HourCount(hour=h, clicks=c[0], uniques=c[1]) for h, c in sorted(hours.items())],
        by_day=[DayCount(day=d, clicks=c[0], uniques=c[1]) for d, c in sorted(days.items())],
        rolled_up_until=repository.rollup_watermark(session, ROLLUP_NAME),
    )


# Helpers


def _require_read(ctx: OrgContext) -> None:
    if ctx.api_key is not None:
        scopes = ctx.api_key.scopes
        if ApiScope.LINKS_WRITE.value not in scopes and ApiScope.REPORTS_READ.value not in scopes:
            ctx.require_scope(ApiScope.LINKS_WRITE)


def _require_write(ctx: OrgContext) -> None:
    if ctx.api_key is not None:
        ctx.require_scope(ApiScope.LINKS_WRITE)
    else:
        ctx.require_role(Role.MEMBER, "change links")


def _link(session: Session, ctx: OrgContext, link_id: uuid.UUID) -> Link:
    link = repository.get_link(session, ctx.organisation.id, link_id)
    if link is None:
        raise NotFoundError(f"No link with id {link_id}.")
    return link


def _new_link(
    session: Session, settings: Settings, ctx: OrgContext, data: LinkCreate, now: datetime
) -> Link:
    destination = _checked(settings, data.destination, "destination")
    fallback = _checked_optional(settings, data.fallback_url, "fallback_url")
    domain_id = _domain_id(session, ctx, data.domain)
    if data.campaign_id is not None:
        _check_campaign(session, ctx, data.campaign_id)
    source, content = data.utm_source, data.utm_content
    medium = data.utm_medium
    if data.creator_id is not None:
        platform, handle = _creator_defaults(session, settings, data.creator_id)
        source = source or platform
        content = content or handle
        medium = medium or DEFAULT_MEDIUM
    return Link(
        id=uuid.uuid4(),
        organisation_id=ctx.organisation.id,
        domain_id=domain_id,
        slug="",
        destination=destination,
        utm_source=source or None,
        utm_medium=medium or None,
        utm_campaign=data.utm_campaign or None,
        utm_content=content or None,
        creator_id=data.creator_id,
        campaign_id=data.campaign_id,
        title=data.title,
        enabled=data.enabled,
        expires_at=as_utc(data.expires_at) if data.expires_at else None,
        fallback_url=fallback,
        created_at=now,
        updated_at=now,
    )


def _creator_defaults(
    session: Session, settings: Settings, creator_id: uuid.UUID
) -> tuple[str | None, str | None]:
    """The platform and handle of the creator's largest account (utm_source, utm_content)."""
    try:
        creator = creators_service.get_creator(session, settings, creator_id)
    except NotFoundError:
        raise InvalidError(f"names no creator ({creator_id})", field="creator_id") from None
    if not creator.accounts:
        return None, None
    account = creator.accounts[0]
    return account.platform.value, account.handle


def _check_campaign(session: Session, ctx: OrgContext, campaign_id: uuid.UUID) -> None:
    """A link may only carry a campaign of its own organisation (reports group by it)."""
    try:
        campaigns_service.get_campaign(session, ctx, campaign_id)
    except NotFoundError:
        raise InvalidError(
            f"names no campaign of {ctx.organisation.name} ({campaign_id})", field="campaign_id"
        ) from None


def _domain_id(session: Session, ctx: OrgContext, host: str | None) -> uuid.UUID | None:
    if not host:
        return None
    domain = repository.get_domain_by_host(session, ctx.organisation.id, host.strip().lower())
    if domain is None:
        raise InvalidError(
            f"{host!r} is not a short domain of {ctx.organisation.name}", field="domain"
        )
    if not domain.enabled:
        raise InvalidError(
            f"{host!r} is not enabled yet; verify it and enable it under short domains",
            field="domain",
        )
    return domain.id


def _insert_with_slug(session: Session, link: Link, custom: str | None) -> None:
    if custom is not None:
        link.slug = validate_custom_slug(custom)
        if not repository.insert_link(session, link):
            raise ConflictError(f"{custom!r} is already used by another link", field="slug")
        return
    for candidate in slug_candidates():
        if candidate.lower() in RESERVED_SLUGS:
            continue
        link.slug = candidate
        if repository.insert_link(session, link):
            return
    raise ConflictError("no free slug found after several tries; try again", field="slug")


def _checked(settings: Settings, url: str, field: str) -> str:
    blocklist = DomainBlocklist.of(
        domain for domain in settings.destination_blocklist.split(",") if domain.strip()
    )
    return check_destination(
        url,
        blocklist=blocklist,
        allow_private=settings.destination_allow_private,
        resolver=system_resolver if settings.destination_check_dns else None,
        field=field,
    )


def _checked_optional(settings: Settings, url: str | None, field: str) -> str | None:
    return _checked(settings, url, field) if url else None


def short_urls(session: Session, settings: Settings, links: list[Link]) -> dict[uuid.UUID, str]:
    """Each link's public short URL (its short domain, else the app's public URL)."""
    return _short_urls(session, settings, links)


def _short_urls(session: Session, settings: Settings, links: list[Link]) -> dict[uuid.UUID, str]:
    hosts = repository.domain_hosts(
        session, [link.domain_id for link in links if link.domain_id is not None]
    )
    base = settings.resolved_public_url
    return {
        link.id: (
            f"https://{hosts[link.domain_id]}/{link.slug}"
            if link.domain_id is not None
            else f"{base}/{link.slug}"
        )
        for link in links
    }


def _out(session: Session, settings: Settings, links: list[Link]) -> list[LinkOut]:
    short_urls = _short_urls(session, settings, links)
    hosts = repository.domain_hosts(
        session, [link.domain_id for link in links if link.domain_id is not None]
    )
    return [
        LinkOut(
            id=link.id,
            slug=link.slug,
            domain=hosts.get(link.domain_id) if link.domain_id else None,
            short_url=short_urls[link.id],
            destination=link.destination,
            redirect_url=tagged_destination(
                link.destination,
                (link.utm_source, link.utm_medium, link.utm_campaign, link.utm_content),
            ),
            utm_source=link.utm_source,
            utm_medium=link.utm_medium,
            utm_campaign=link.utm_campaign,
            utm_content=link.utm_content,
            creator_id=link.creator_id,
            campaign_id=link.campaign_id,
            title=link.title,
            enabled=link.enabled,
            expires_at=link.expires_at,
            fallback_url=link.fallback_url,
            created_at=link.created_at,
            updated_at=link.updated_at,
        )
        for link in links
    ]


def _add(counts: list[int], clicks: int, uniques: int) -> None:
    counts[0] += clicks
    counts[1] += uniques


def _breakdown(items: Iterable[tuple[str, list[int]]]) -> list[Breakdown]:
    rows = [Breakdown(key=key, clicks=c[0], uniques=c[1]) for key, c in items]
    return sorted(rows, key=lambda row: (-row.clicks, row.key))


def _encode_cursor(link: Link) -> str:
    raw = json.dumps([link.created_at.isoformat(), str(link.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(token: str) -> repository.Keyset:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        created_at, row_id = json.loads(raw)
        return repository.Keyset(
            created_at=as_utc(datetime.fromisoformat(created_at)), id=uuid.UUID(row_id)
        )
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidError(BAD_CURSOR, field="cursor") from None
