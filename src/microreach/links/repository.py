"""Every query of the links domain; organisation-owned reads and writes take the organisation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microreach.kit.clock import as_utc
from microreach.links.clickids import CLOCK_SLACK, id_floor, id_range
from microreach.links.models import (
    BioPage,
    BioPageItem,
    ClickMark,
    ClickRollup,
    Link,
    LinksVersion,
    LinkVisitor,
    RollupState,
    ShortDomain,
)
from microreach.links.models import Click as ClickRow

VERSION_ROW_ID = 1
LINKS_CHANGED = "microreach_links_changed"


@dataclass(frozen=True, slots=True)
class Keyset:
    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class RedirectTarget:
    """What the redirect path needs of one link."""

    link_id: uuid.UUID
    destination: str
    utm: tuple[str | None, str | None, str | None, str | None]
    enabled: bool
    expires_at: datetime | None
    fallback_url: str | None


# Links


def get_link(session: Session, organisation_id: uuid.UUID, link_id: uuid.UUID) -> Link | None:
    return session.scalar(
        sa.select(Link).where(Link.id == link_id, Link.organisation_id == organisation_id)
    )


def insert_link(session: Session, link: Link) -> bool:
    """Insert in a savepoint; False (and nothing written) when the slug is taken."""
    try:
        with session.begin_nested():
            session.add(link)
            session.flush()
    except IntegrityError:
        return False
    return True


def slug_taken(session: Session, domain_id: uuid.UUID | None, slug: str) -> bool:
    domain = Link.domain_id.is_(None) if domain_id is None else Link.domain_id == domain_id
    return session.scalar(sa.select(sa.exists().where(domain, Link.slug == slug))) or False


def list_links(
    session: Session,
    organisation_id: uuid.UUID,
    *,
    limit: int,
    after: Keyset | None = None,
    creator_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
) -> list[Link]:
    """Newest first; `limit + 1` rows are asked for so the caller knows if there is more."""
    query = sa.select(Link).where(Link.organisation_id == organisation_id)
    if creator_id is not None:
        query = query.where(Link.creator_id == creator_id)
    if campaign_id is not None:
        query = query.where(Link.campaign_id == campaign_id)
    if after is not None:
        query = query.where(
            sa.or_(
                Link.created_at < after.created_at,
                sa.and_(Link.created_at == after.created_at, Link.id < after.id),
            )
        )
    query = query.order_by(Link.created_at.desc(), Link.id.desc()).limit(limit + 1)
    return list(session.scalars(query))


def bump_links_version(session: Session) -> None:
    """Tell every redirect process's cache that links changed (visible at commit); the flag in
    `session.info` lets an after-commit hook publish it at once (links.redirect)."""
    session.info[LINKS_CHANGED] = True
    updated = session.execute(
        sa.update(LinksVersion)
        .where(LinksVersion.id == VERSION_ROW_ID)
        .values(version=LinksVersion.version + 1)
    )
    if getattr(updated, "rowcount", 1) == 0:
        session.add(LinksVersion(id=VERSION_ROW_ID, version=1))
        session.flush()


# Short domains


def get_domain_by_host(
    session: Session, organisation_id: uuid.UUID, host: str
) -> ShortDomain | None:
    return session.scalar(
        sa.select(ShortDomain).where(
            ShortDomain.host == host, ShortDomain.organisation_id == organisation_id
        )
    )


def domain_hosts(session: Session, domain_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not domain_ids:
        return {}
    rows = session.execute(
        sa.select(ShortDomain.id, ShortDomain.host).where(ShortDomain.id.in_(set(domain_ids)))
    )
    return {row.id: row.host for row in rows}


def list_domains(session: Session, organisation_id: uuid.UUID) -> list[ShortDomain]:
    query = (
        sa.select(ShortDomain)
        .where(ShortDomain.organisation_id == organisation_id)
        .order_by(ShortDomain.host)
    )
    return list(session.scalars(query))


def get_domain(
    session: Session, organisation_id: uuid.UUID, domain_id: uuid.UUID
) -> ShortDomain | None:
    return session.scalar(
        sa.select(ShortDomain).where(
            ShortDomain.id == domain_id, ShortDomain.organisation_id == organisation_id
        )
    )


def host_taken(session: Session, host: str) -> bool:
    """Whether any organisation has added `host` (short domains are unique installation-wide)."""
    return session.scalar(sa.select(sa.exists().where(ShortDomain.host == host))) or False


def insert_row(session: Session, row: ShortDomain | BioPage) -> bool:
    """Insert in a savepoint; False (and nothing written) on a unique conflict."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def delete_domain(session: Session, domain: ShortDomain) -> None:
    session.delete(domain)
    session.flush()


def links_on_domain(session: Session, domain_id: uuid.UUID) -> int:
    query = sa.select(sa.func.count()).select_from(Link).where(Link.domain_id == domain_id)
    return int(session.scalar(query) or 0)


def campaign_link_keys(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> dict[tuple[uuid.UUID, str], Link]:
    """The organisation's links in a campaign by (creator, destination)."""
    query = sa.select(Link).where(
        Link.organisation_id == organisation_id,
        Link.campaign_id == campaign_id,
        Link.creator_id.is_not(None),
    )
    return {
        (link.creator_id, link.destination): link
        for link in session.scalars(query)
        if link.creator_id
    }


# Link-in-bio pages


def bio_page_of_user(session: Session, user_id: uuid.UUID) -> BioPage | None:
    return session.scalar(sa.select(BioPage).where(BioPage.user_id == user_id))


def bio_page_by_handle(session: Session, handle: str) -> BioPage | None:
    return session.scalar(sa.select(BioPage).where(BioPage.handle == handle))


def bio_items(session: Session, page_id: uuid.UUID) -> dict[uuid.UUID, BioPageItem]:
    query = sa.select(BioPageItem).where(BioPageItem.page_id == page_id)
    return {item.link_id: item for item in session.scalars(query)}


def replace_bio_items(session: Session, page_id: uuid.UUID, items: list[BioPageItem]) -> None:
    session.execute(sa.delete(BioPageItem).where(BioPageItem.page_id == page_id))
    session.add_all(items)
    session.flush()


def live_links(
    session: Session,
    memberships: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID]],
    now: datetime,
) -> list[Link]:
    """Enabled, unexpired links of (organisation, campaign, creator) triples, newest first,
    on the app host or on an enabled short domain."""
    if not memberships:
        return []
    owners = sa.or_(
        *(
            sa.and_(
                Link.organisation_id == organisation_id,
                Link.campaign_id == campaign_id,
                Link.creator_id == creator_id,
            )
            for organisation_id, campaign_id, creator_id in memberships
        )
    )
    enabled_domains = sa.select(ShortDomain.id).where(ShortDomain.enabled.is_(True))
    query = (
        sa.select(Link)
        .where(
            owners,
            Link.enabled.is_(True),
            sa.or_(Link.expires_at.is_(None), Link.expires_at > now),
            sa.or_(Link.domain_id.is_(None), Link.domain_id.in_(enabled_domains)),
        )
        .order_by(Link.created_at.desc(), Link.id.desc())
    )
    return list(session.scalars(query))


# Redirect path (connections, not the ORM: run from the redirect process's thread)


def links_version(connection: sa.Connection) -> int:
    value = connection.scalar(
        sa.select(LinksVersion.version).where(LinksVersion.id == VERSION_ROW_ID)
    )
    return int(value or 0)


def all_domain_hosts(connection: sa.Connection) -> frozenset[str]:
    """Hosts of enabled short domains; any other Host is the app's own."""
    query = sa.select(ShortDomain.host).where(ShortDomain.enabled.is_(True))
    return frozenset(connection.scalars(query))


# A (short-domain host, slug) pair; host None is the app's own host.
SlugKey = tuple[str | None, str]
# Slugs per statement when reading many links (within every database's parameter limit).
SLUGS_PER_STATEMENT = 500

_TARGET_COLUMNS = (
    Link.id,
    Link.destination,
    Link.utm_source,
    Link.utm_medium,
    Link.utm_campaign,
    Link.utm_content,
    Link.enabled,
    Link.expires_at,
    Link.fallback_url,
)


def redirect_targets(
    connection: sa.Connection, keys: Sequence[SlugKey]
) -> dict[SlugKey, RedirectTarget]:
    """The links that exist among ``keys`` (host None: the app's host; a host: an enabled
    short domain), one statement per host and per SLUGS_PER_STATEMENT slugs."""
    by_host: dict[str | None, list[str]] = {}
    for host, slug in dict.fromkeys(keys):
        by_host.setdefault(host, []).append(slug)
    found: dict[SlugKey, RedirectTarget] = {}
    for host, slugs in by_host.items():
        for start in range(0, len(slugs), SLUGS_PER_STATEMENT):
            query = sa.select(Link.slug, *_TARGET_COLUMNS).where(
                Link.slug.in_(slugs[start : start + SLUGS_PER_STATEMENT])
            )
            if host is None:
                query = query.where(Link.domain_id.is_(None))
            else:
                query = query.join(ShortDomain, ShortDomain.id == Link.domain_id).where(
                    ShortDomain.host == host, ShortDomain.enabled.is_(True)
                )
            for row in connection.execute(query):
                found[(host, row[0])] = _target(row[1:])
    return found


def newest_redirect_targets(
    connection: sa.Connection, limit: int
) -> list[tuple[SlugKey, RedirectTarget]]:
    """The ``limit`` newest links (on the app's host and on enabled short domains), newest
    first, keyed as redirect_targets keys them: what a redirect process loads before its
    first request."""
    query = (
        sa.select(ShortDomain.host, Link.slug, *_TARGET_COLUMNS)
        .outerjoin(ShortDomain, ShortDomain.id == Link.domain_id)
        .where(sa.or_(Link.domain_id.is_(None), ShortDomain.enabled.is_(True)))
        .order_by(Link.created_at.desc(), Link.id.desc())
        .limit(limit)
    )
    return [((row[0], row[1]), _target(row[2:])) for row in connection.execute(query)]


def _target(row: Sequence[Any]) -> RedirectTarget:
    link_id, destination, source, medium, campaign, content, enabled, expires, fallback = row
    return RedirectTarget(
        link_id=link_id,
        destination=destination,
        utm=(source, medium, campaign, content),
        enabled=enabled,
        expires_at=expires,
        fallback_url=fallback,
    )


# Rollups


def rollup_watermark(session: Session, name: str) -> datetime | None:
    return session.scalar(sa.select(RollupState.recorded_until).where(RollupState.name == name))


def set_rollup_watermark(session: Session, name: str, until: datetime) -> None:
    state = session.get(RollupState, name)
    if state is None:
        session.add(RollupState(name=name, recorded_until=until))
    else:
        state.recorded_until = until
    session.flush()


def touched_link_hours(
    session: Session, recorded_from: datetime | None, recorded_until: datetime
) -> list[tuple[uuid.UUID, datetime]]:
    """(link, UTC hour) pairs that have clicks recorded in [recorded_from, recorded_until),
    from the click writers' marks (ClickMark)."""
    query = sa.select(ClickMark.link_id, ClickMark.hour).where(
        ClickMark.recorded_at < recorded_until
    )
    if recorded_from is not None:
        query = query.where(ClickMark.recorded_at >= recorded_from)
    return [(link_id, as_utc(hour)) for link_id, hour in session.execute(query.distinct())]


def delete_marks_before(session: Session, recorded_before: datetime) -> None:
    """Forget the marks every job has read (see reports.tasks)."""
    session.execute(sa.delete(ClickMark).where(ClickMark.recorded_at < recorded_before))


# Links per statement of a rollup rebuild (bound parameters stay far under SQLite's limit).
ROLLUP_LINKS_PER_STATEMENT = 500


def rebuild_rollups(session: Session, hour_start: datetime, link_ids: Sequence[uuid.UUID]) -> None:
    """Replace the rollup rows of one hour of the given links with counts of their raw clicks.

    The hour's clicks are read once, from the primary key's range of ids of that hour
    (links.clickids), and counted per link; only the given links' rows are replaced, so a
    link whose raw clicks are gone (retention) keeps its rollups."""
    hour_end = hour_start + timedelta(hours=1)
    low, high = id_range(hour_start, hour_end)
    country = sa.func.coalesce(ClickRow.country, "")
    referrer = sa.func.coalesce(ClickRow.referrer_domain, "")
    wanted = set(link_ids)
    rows = [
        row
        for row in session.execute(
            sa.select(
                ClickRow.link_id,
                country.label("country"),
                ClickRow.device,
                referrer.label("referrer"),
                ClickRow.is_bot,
                sa.func.count().label("clicks"),
                sa.func.sum(sa.case((ClickRow.is_unique, 1), else_=0)).label("uniques"),
            )
            .where(
                ClickRow.id >= low,
                ClickRow.id < high,
                ClickRow.occurred_at >= hour_start,
                ClickRow.occurred_at < hour_end,
            )
            .group_by(ClickRow.link_id, country, ClickRow.device, referrer, ClickRow.is_bot)
        )
        if row.link_id in wanted
    ]
    ordered = sorted(wanted)
    for start in range(0, len(ordered), ROLLUP_LINKS_PER_STATEMENT):
        chunk = ordered[start : start + ROLLUP_LINKS_PER_STATEMENT]
        session.execute(
            sa.delete(ClickRollup).where(
                ClickRollup.hour == hour_start, ClickRollup.link_id.in_(chunk)
            )
        )
    if rows:
        session.execute(
            sa.insert(ClickRollup),
            [
                {
                    "link_id": row.link_id,
                    "hour": hour_start,
                    "country": row.country,
                    "device": row.device,
                    "referrer": row.referrer,
                    "is_bot": row.is_bot,
                    "clicks": row.clicks,
                    "uniques": int(row.uniques or 0),
                }
                for row in rows
            ],
        )


def rollups_of(session: Session, link_id: uuid.UUID) -> list[ClickRollup]:
    return list(
        session.scalars(
            sa.select(ClickRollup).where(ClickRollup.link_id == link_id).order_by(ClickRollup.hour)
        )
    )


def human_clicks(session: Session, link_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Rolled-up human clicks per link."""
    if not link_ids:
        return {}
    rows = session.execute(
        sa.select(ClickRollup.link_id, sa.func.sum(ClickRollup.clicks))
        .where(ClickRollup.link_id.in_(list(link_ids)), ClickRollup.is_bot.is_(False))
        .group_by(ClickRollup.link_id)
    )
    return {link_id: int(total or 0) for link_id, total in rows}


def delete_visitors_before(session: Session, day: date) -> None:
    session.execute(sa.delete(LinkVisitor).where(LinkVisitor.day < day))


def delete_clicks_before(session: Session, occurred_before: datetime) -> None:
    # Through the primary key: every such click has an id time under `occurred_before` plus
    # the clock slack (links.clickids).
    high = id_floor(occurred_before + CLOCK_SLACK)
    session.execute(
        sa.delete(ClickRow).where(ClickRow.id < high, ClickRow.occurred_at < occurred_before)
    )
