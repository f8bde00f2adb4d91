"""Every query of the reports domain.

A report is a projection of several domains read in bulk (campaign members, deliverables,
posts and their snapshots, link click read model, conversions), so, like the discovery
indexer, this module reads those tables directly and read-only; the campaign itself is always
checked first through ``campaigns.service.get_campaign`` (tenancy). It writes only the
reports tables: EMV overrides and the daily click read model built from click_rollups.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microreach.campaigns.models import Campaign, CampaignCreator, Deliverable
from microreach.conversions.models import Conversion
from microreach.creators.models import PlatformAccount, Post, PostSnapshot
from microreach.links.models import ClickRollup, Link
from microreach.reports.emv import Rate
from microreach.reports.models import EmvRate, ReportCampaignDay, ReportLinkDay, ReportState

STATE = "click_days"
DIMENSIONS = ("country", "device", "referrer")


# Campaign rows


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: uuid.UUID
    creator_id: uuid.UUID
    account_id: uuid.UUID
    status: str
    terms: dict[str, Any]
    platform: str
    handle: str
    followers: int


@dataclass(frozen=True, slots=True)
class DeliverableRow:
    member_id: uuid.UUID
    status: str
    post_id: uuid.UUID | None
    post_url: str | None


@dataclass(frozen=True, slots=True)
class PostRow:
    id: uuid.UUID
    account_id: uuid.UUID
    url: str | None
    post_type: str
    posted_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    post_id: uuid.UUID
    captured_at: datetime
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    views: int | None
    reach: int | None
    impressions: int | None
    source: str


def members(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[MemberRow]:
    query = (
        sa.select(
            CampaignCreator.id,
            CampaignCreator.creator_id,
            CampaignCreator.platform_account_id,
            CampaignCreator.status,
            CampaignCreator.terms,
            PlatformAccount.platform,
            PlatformAccount.handle,
            PlatformAccount.followers,
        )
        .join(PlatformAccount, PlatformAccount.id == CampaignCreator.platform_account_id)
        .where(
            CampaignCreator.organisation_id == organisation_id,
            CampaignCreator.campaign_id == campaign_id,
        )
        .order_by(PlatformAccount.handle)
    )
    return [
        MemberRow(r[0], r[1], r[2], str(r[3]), dict(r[4] or {}), str(r[5]), r[6], int(r[7]))
        for r in session.connection().execute(query)
    ]


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _text(column: Any) -> Any:
    """A column read as the driver returns it (no per-value type processing)."""
    return sa.type_coerce(column, sa.String)


def deliverables(
    session: Session,
    organisation_id: uuid.UUID,
    campaign_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
) -> list[DeliverableRow]:
    """The deliverables of these members (the accepted ones) of the campaign."""
    d = Deliverable
    query = sa.select(_text(d.member_id), _text(d.status), _text(d.post_id), d.post_url).where(
        d.organisation_id == organisation_id, d.campaign_id == campaign_id
    )
    members = _keys(member_ids)
    return [
        DeliverableRow(members[r[0]], str(r[1]), None if r[2] is None else _uuid(r[2]), r[3])
        for r in session.connection().execute(query)
        if r[0] in members
    ]


def campaign_posts(organisation_id: uuid.UUID, campaign_id: uuid.UUID) -> Any:
    """The ids of the posts matched to deliverables of the campaign's accepted members."""
    return (
        sa.select(Deliverable.post_id)
        .join(CampaignCreator, CampaignCreator.id == Deliverable.member_id)
        .where(
            Deliverable.organisation_id == organisation_id,
            Deliverable.campaign_id == campaign_id,
            Deliverable.post_id.is_not(None),
            CampaignCreator.status == "accepted",
        )
    )


def posts(
    session: Session,
    organisation_id: uuid.UUID,
    campaign_id: uuid.UUID,
    post_ids: Sequence[uuid.UUID],
    account_ids: Sequence[uuid.UUID],
) -> list[PostRow]:
    if not post_ids:
        return []
    p = Post
    query = sa.select(
        _text(p.id),
        _text(p.account_id),
        p.url,
        _text(p.post_type),
        _text(p.posted_at),
        _text(p.deleted_at),
    ).where(p.id.in_(campaign_posts(organisation_id, campaign_id)))
    keys, accounts = _keys(post_ids), _keys(account_ids)
    return [
        PostRow(
            keys[r[0]],
            accounts.get(r[1]) or _uuid(r[1]),
            r[2],
            str(r[3]),
            _utc(r[4]),
            None if r[5] is None else _utc(r[5]),
        )
        for r in session.connection().execute(query)
        if r[0] in keys
    ]


def _among(column: Any, ids: Sequence[uuid.UUID], within: Any) -> Any:
    """column IN (the subquery ``within``) when given (no bound id per row), else IN ids."""
    return column.in_(within if within is not None else list(ids))


def _keys(ids: Sequence[uuid.UUID]) -> dict[Any, uuid.UUID]:
    """Each id under every form a driver may return it in (UUID, hex, text)."""
    keys: dict[Any, uuid.UUID] = {}
    for key in ids:
        keys[key] = key
        keys[key.hex] = key
        keys[str(key)] = key
    return keys


def _utc(value: Any) -> datetime:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _engagements_sql() -> Any:
    """definitions.engagements in SQL: the sum of the known counts, NULL when none is known."""
    s = PostSnapshot
    counts = (s.likes, s.comments, s.shares, s.saves)
    return sa.case(
        (sa.and_(*(c.is_(None) for c in counts)), sa.null()),
        else_=sum((sa.func.coalesce(c, 0) for c in counts[1:]), sa.func.coalesce(counts[0], 0)),
    )


def latest_snapshots(
    session: Session, post_ids: Sequence[uuid.UUID], within: Any = None
) -> dict[uuid.UUID, SnapshotRow]:
    """The newest snapshot of each post that has one."""
    if not post_ids:
        return {}
    s = PostSnapshot
    newest = (
        sa.select(s.post_id, sa.func.max(s.captured_at).label("captured_at"))
        .where(_among(s.post_id, post_ids, within))
        .group_by(s.post_id)
        .subquery()
    )
    plain = [sa.type_coerce(c, sa.String) for c in (s.post_id, s.captured_at, s.source)]
    query = sa.select(
        plain[0],
        plain[1],
        s.likes,
        s.comments,
        s.shares,
        s.saves,
        s.views,
        s.reach,
        s.impressions,
        plain[2],
    ).join(newest, sa.and_(newest.c.post_id == s.post_id, newest.c.captured_at == s.captured_at))
    keys = _keys(post_ids)
    out = {}
    for row in session.connection().execute(query):
        post_id = keys[row[0]]
        out[post_id] = SnapshotRow(post_id, _utc(row[1]), *row[2:9], str(row[9]))
    return out


def snapshot_counts(
    session: Session, post_ids: Sequence[uuid.UUID], within: Any = None
) -> dict[uuid.UUID, int]:
    if not post_ids:
        return {}
    s = PostSnapshot
    query = (
        sa.select(_text(s.post_id), sa.func.count())
        .where(_among(s.post_id, post_ids, within))
        .group_by(s.post_id)
    )
    keys = _keys(post_ids)
    return {keys[r[0]]: int(r[1]) for r in session.connection().execute(query)}


def engagement_changes(
    session: Session, post_ids: Sequence[uuid.UUID], within: Any = None
) -> list[tuple[date, int]]:
    """(UTC day, change in engagements) over the posts: each snapshot with known engagements
    adds its difference from the post's previous such snapshot. The running sum over days is
    the engagements of all posts at the end of each day, each post at its latest capture."""
    if not post_ids:
        return []
    s = PostSnapshot
    known = (
        sa.select(s.post_id, s.captured_at, _engagements_sql().label("engagements"))
        .where(_among(s.post_id, post_ids, within), _engagements_sql().is_not(None))
        .subquery()
    )
    previous = sa.func.lag(known.c.engagements).over(
        partition_by=known.c.post_id, order_by=known.c.captured_at
    )
    changes = sa.select(
        known.c.captured_at,
        (known.c.engagements - sa.func.coalesce(previous, 0)).label("change"),
    ).subquery()
    day = _utc_day(session, changes.c.captured_at)
    query = sa.select(day, sa.func.sum(changes.c.change)).group_by(day).order_by(day)
    return [(_as_day(r[0]), int(r[1] or 0)) for r in session.connection().execute(query)]


def engagement_history(
    session: Session, post_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, datetime, int | None]]:
    """(post, capture time, engagements) of every snapshot of the posts, oldest first per
    post: the growth curves. Three columns, read without per-value type processing."""
    if not post_ids:
        return []
    s = PostSnapshot
    query = (
        sa.select(
            sa.type_coerce(s.post_id, sa.String),
            sa.type_coerce(s.captured_at, sa.String),
            _engagements_sql(),
        )
        .where(s.post_id.in_(list(post_ids)))
        .order_by(s.post_id, s.captured_at)
    )
    keys = _keys(post_ids)
    return [(keys[r[0]], _utc(r[1]), r[2]) for r in session.connection().execute(query)]


def campaign(session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID) -> Campaign:
    """The campaign (already checked through campaigns.service by the caller)."""
    return session.scalars(
        sa.select(Campaign).where(
            Campaign.organisation_id == organisation_id, Campaign.id == campaign_id
        )
    ).one()


def campaigns_of(session: Session, organisation_id: uuid.UUID) -> list[Campaign]:
    return list(
        session.scalars(
            sa.select(Campaign)
            .where(Campaign.organisation_id == organisation_id)
            .order_by(Campaign.starts_on, Campaign.name)
        )
    )


# Clicks (the daily read model) and conversions


def _campaign_links(organisation_id: uuid.UUID, campaign_id: uuid.UUID) -> sa.Select[Any]:
    return sa.select(Link.id).where(
        Link.organisation_id == organisation_id, Link.campaign_id == campaign_id
    )


def clicks_by_creator(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[tuple[uuid.UUID | None, bool, int, int]]:
    """(creator or None, is_bot, clicks, uniques) over the campaign's links."""
    query = (
        sa.select(
            Link.creator_id,
            ReportLinkDay.is_bot,
            sa.func.sum(ReportLinkDay.clicks),
            sa.func.sum(ReportLinkDay.uniques),
        )
        .join(Link, Link.id == ReportLinkDay.link_id)
        .where(Link.organisation_id == organisation_id, Link.campaign_id == campaign_id)
        .group_by(Link.creator_id, ReportLinkDay.is_bot)
    )
    return [
        (r[0], bool(r[1]), int(r[2] or 0), int(r[3] or 0))
        for r in session.connection().execute(query)
    ]


def clicks_by_day(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[tuple[date, bool, int]]:
    query = (
        sa.select(ReportLinkDay.day, ReportLinkDay.is_bot, sa.func.sum(ReportLinkDay.clicks))
        .where(ReportLinkDay.link_id.in_(_campaign_links(organisation_id, campaign_id)))
        .group_by(ReportLinkDay.day, ReportLinkDay.is_bot)
        .order_by(ReportLinkDay.day)
    )
    return [(r[0], bool(r[1]), int(r[2] or 0)) for r in session.connection().execute(query)]


def clicks_by_dimension(
    session: Session, campaign_id: uuid.UUID
) -> list[tuple[str, str, bool, int]]:
    """(dimension, value, is_bot, clicks); the campaign was checked by the caller."""
    d = ReportCampaignDay
    query = (
        sa.select(d.dimension, d.value, d.is_bot, sa.func.sum(d.clicks))
        .where(d.campaign_id == campaign_id)
        .group_by(d.dimension, d.value, d.is_bot)
    )
    return [(r[0], r[1], bool(r[2]), int(r[3] or 0)) for r in session.connection().execute(query)]


def conversions_by_creator(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[tuple[uuid.UUID | None, str, int, int]]:
    """(creator or None, currency, conversions, revenue) attributed to the campaign."""
    query = (
        sa.select(
            Conversion.creator_id,
            Conversion.currency,
            sa.func.count(),
            sa.func.sum(Conversion.amount_minor),
        )
        .where(Conversion.organisation_id == organisation_id, Conversion.campaign_id == campaign_id)
        .group_by(Conversion.creator_id, Conversion.currency)
    )
    return [(r[0], r[1], int(r[2]), int(r[3] or 0)) for r in session.connection().execute(query)]


def conversions_by_day(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[tuple[date, str, int, int]]:
    """(UTC day, currency, conversions, revenue) of the campaign's conversions, day order;
    summed in the database, as a campaign can have many thousands of sales."""
    day = _utc_day(session, Conversion.occurred_at)
    query = (
        sa.select(day, Conversion.currency, sa.func.count(), sa.func.sum(Conversion.amount_minor))
        .where(Conversion.organisation_id == organisation_id, Conversion.campaign_id == campaign_id)
        .group_by(day, Conversion.currency)
        .order_by(day, Conversion.currency)
    )
    return [
        (_as_day(r[0]), r[1], int(r[2]), int(r[3] or 0))
        for r in session.connection().execute(query)
    ]


def newest_conversion(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> datetime | None:
    """When the campaign's latest conversion happened (None without conversions)."""
    newest = session.scalar(
        sa.select(sa.func.max(Conversion.occurred_at)).where(
            Conversion.organisation_id == organisation_id, Conversion.campaign_id == campaign_id
        )
    )
    return _utc(newest) if newest is not None else None


def _as_day(value: Any) -> date:
    """A day as the database returns it (text on SQLite, a date on PostgreSQL)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def clicks_until(session: Session) -> datetime | None:
    """Clicks recorded before this time are in the read model."""
    return session.scalar(sa.select(ReportState.recorded_until).where(ReportState.name == STATE))


# The data version (part of the cache key)


def data_version(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID
) -> tuple[Any, ...]:
    """Cheap aggregates that move when anything a campaign report reads changes: the click
    read model's version, the conversions, the snapshots and posts of the campaign's
    deliverables, the deliverables, the members (status, terms, followers) and the campaign."""
    state = session.scalar(sa.select(ReportState.version).where(ReportState.name == STATE))
    conversions = session.execute(
        sa.select(sa.func.count(), sa.func.max(Conversion.recorded_at)).where(
            Conversion.organisation_id == organisation_id, Conversion.campaign_id == campaign_id
        )
    ).one()
    post_ids = (
        sa.select(Deliverable.post_id)
        .where(
            Deliverable.organisation_id == organisation_id,
            Deliverable.campaign_id == campaign_id,
            Deliverable.post_id.is_not(None),
        )
        .scalar_subquery()
    )
    snaps = session.execute(
        sa.select(sa.func.count(), sa.func.max(PostSnapshot.captured_at)).where(
            PostSnapshot.post_id.in_(post_ids)
        )
    ).one()
    deleted = session.scalar(
        sa.select(sa.func.count()).where(Post.id.in_(post_ids), Post.deleted_at.is_not(None))
    )
    items = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.max(Deliverable.updated_at),
            sa.func.count(Deliverable.post_id),
        ).where(
            Deliverable.organisation_id == organisation_id, Deliverable.campaign_id == campaign_id
        )
    ).one()
    people = tuple(
        (str(m.id), m.status, sorted(m.terms.items()), m.followers)
        for m in members(session, organisation_id, campaign_id)
    )
    campaign = session.execute(
        sa.select(Campaign.updated_at, Campaign.status).where(Campaign.id == campaign_id)
    ).one_or_none()
    emv = session.execute(
        sa.select(sa.func.count(), sa.func.max(EmvRate.updated_at)).where(
            EmvRate.organisation_id == organisation_id
        )
    ).one()
    return (
        state,
        tuple(conversions),
        tuple(snaps),
        deleted,
        tuple(items),
        hash(repr(people)),
        tuple(campaign) if campaign else None,
        tuple(emv),
    )


# EMV overrides


def emv_overrides(
    session: Session, organisation_id: uuid.UUID, currency: str
) -> dict[tuple[str, str], Rate]:
    query = sa.select(EmvRate).where(
        EmvRate.organisation_id == organisation_id, EmvRate.currency == currency
    )
    return {
        (row.platform, row.action): Rate(row.low_per_mille, row.high_per_mille)
        for row in session.scalars(query)
    }


def replace_emv_overrides(
    session: Session,
    organisation_id: uuid.UUID,
    currency: str,
    rates: dict[tuple[str, str], Rate],
    now: datetime,
) -> None:
    session.execute(
        sa.delete(EmvRate).where(
            EmvRate.organisation_id == organisation_id, EmvRate.currency == currency
        )
    )
    session.add_all(
        EmvRate(
            organisation_id=organisation_id,
            currency=currency,
            platform=platform,
            action=action,
            low_per_mille=rate.low,
            high_per_mille=rate.high,
            updated_at=now,
        )
        for (platform, action), rate in rates.items()
    )
    session.flush()


# Building the daily read model from click_rollups


def _utc_day(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.date(column)
    return sa.cast(sa.func.timezone("UTC", column), sa.Date)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _link_days_select(session: Session, where: Iterable[Any]) -> sa.Select[Any]:
    r = ClickRollup
    day = _utc_day(session, r.hour)
    return (
        sa.select(r.link_id, day, r.is_bot, sa.func.sum(r.clicks), sa.func.sum(r.uniques))
        .where(*where)
        .group_by(r.link_id, day, r.is_bot)
    )


def _campaign_days_select(session: Session, dimension: str, where: Iterable[Any]) -> sa.Select[Any]:
    r = ClickRollup
    day = _utc_day(session, r.hour)
    value = getattr(r, dimension)
    return (
        sa.select(
            Link.campaign_id, day, sa.literal(dimension), value, r.is_bot, sa.func.sum(r.clicks)
        )
        .join(Link, Link.id == r.link_id)
        .join(Campaign, Campaign.id == Link.campaign_id)
        .where(*where)
        .group_by(Link.campaign_id, day, value, r.is_bot)
    )


_LINK_COLUMNS = ("link_id", "day", "is_bot", "clicks", "uniques")
_CAMPAIGN_COLUMNS = ("campaign_id", "day", "dimension", "value", "is_bot", "clicks")


def rebuild_all(session: Session) -> None:
    """Replace the whole read model with sums of click_rollups (first run)."""
    session.execute(sa.delete(ReportLinkDay))
    session.execute(sa.delete(ReportCampaignDay))
    session.execute(
        sa.insert(ReportLinkDay).from_select(_LINK_COLUMNS, _link_days_select(session, ()))
    )
    for dimension in DIMENSIONS:
        session.execute(
            sa.insert(ReportCampaignDay).from_select(
                _CAMPAIGN_COLUMNS, _campaign_days_select(session, dimension, ())
            )
        )


def rebuild_days(session: Session, link_days: set[tuple[uuid.UUID, date]]) -> None:
    """Rebuild the rows of these (link, day) pairs and of their campaigns' days."""
    campaign_of = (
        dict(
            session.execute(
                sa.select(Link.id, Link.campaign_id).where(
                    Link.id.in_({link_id for link_id, _ in link_days})
                )
            ).all()
        )
        if link_days
        else {}
    )
    for link_id, day in sorted(link_days):
        start, end = _day_bounds(day)
        session.execute(
            sa.delete(ReportLinkDay).where(
                ReportLinkDay.link_id == link_id, ReportLinkDay.day == day
            )
        )
        where = (ClickRollup.link_id == link_id, ClickRollup.hour >= start, ClickRollup.hour < end)
        session.execute(
            sa.insert(ReportLinkDay).from_select(_LINK_COLUMNS, _link_days_select(session, where))
        )
    campaign_days = {
        (campaign_of[link_id], day)
        for link_id, day in link_days
        if campaign_of.get(link_id) is not None
    }
    for campaign_id, day in sorted(campaign_days):
        start, end = _day_bounds(day)
        session.execute(
            sa.delete(ReportCampaignDay).where(
                ReportCampaignDay.campaign_id == campaign_id, ReportCampaignDay.day == day
            )
        )
        where = (Link.campaign_id == campaign_id, ClickRollup.hour >= start, ClickRollup.hour < end)
        for dimension in DIMENSIONS:
            session.execute(
                sa.insert(ReportCampaignDay).from_select(
                    _CAMPAIGN_COLUMNS, _campaign_days_select(session, dimension, where)
                )
            )


def set_state(session: Session, until: datetime, changed: bool) -> None:
    state = session.get(ReportState, STATE)
    if state is None:
        session.add(ReportState(name=STATE, recorded_until=until, version=1))
    else:
        state.recorded_until = until
        if changed:
            state.version += 1
    session.flush()


# Manual snapshots of campaign posts


def campaign_post(
    session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID, post_id: uuid.UUID
) -> PostRow | None:
    """The post when it is a deliverable's matched post in the organisation's campaign."""
    row = session.execute(
        sa.select(
            Post.id, Post.account_id, Post.url, Post.post_type, Post.posted_at, Post.deleted_at
        )
        .join(Deliverable, Deliverable.post_id == Post.id)
        .where(
            Deliverable.organisation_id == organisation_id,
            Deliverable.campaign_id == campaign_id,
            Post.id == post_id,
        )
        .limit(1)
    ).first()
    return None if row is None else PostRow(row[0], row[1], row[2], str(row[3]), row[4], row[5])


def insert_snapshot(
    session: Session, post_id: uuid.UUID, captured_at: datetime, counts: dict[str, int | None]
) -> bool:
    """Insert a manual snapshot in a savepoint; False when one exists at that time."""
    from microreach.creators.enums import DataSource

    try:
        with session.begin_nested():
            session.add(
                PostSnapshot(
                    post_id=post_id, captured_at=captured_at, source=DataSource.MANUAL, **counts
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True
