"""Benchmark the campaign report: a campaign with 200 creators, 2,000 posts with snapshots and
10 million clicks; the full report (every metric, the breakdowns and the time series, cold
cache, built into the ReportDocument the page renders) against, in the same run, the same
figures computed by scanning the raw clicks.

Data: 200 creators (tiers from nano to mega), 10 posts each matched to deliverables, 10
snapshots per post (some platforms hide likes or give no reach), one tracked link per creator
plus one without a creator, N raw clicks over 30 days (bulk executemany on SQLite, COPY on
PostgreSQL), conversions for about 0.5% of human clicks. click_rollups are built with the
rollup job's own grouping (links.repository.rebuild_rollups), run once over all clicks in one
INSERT ... SELECT, and the report read model with the real job (reports.tasks).

"Raw" runs the same report with the three click reads (per creator, per day, per dimension)
replaced by GROUP BYs over the raw clicks table, and checks that every figure is equal.

    python bench/report.py                                  # 10M clicks, fresh SQLite file
    python bench/report.py --clicks 1000000
    python bench/report.py --database-url postgresql+psycopg://postgres@127.0.0.1/mr_bench
(use an empty PostgreSQL database: the bench adds its own organisation to it)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from microreach.accounts.context import OrgContext
from microreach.accounts.models import Organisation
from microreach.campaigns.models import Campaign, CampaignCreator, Deliverable
from microreach.db.engine import make_engine
from microreach.db.migrate import upgrade
from microreach.links.models import Click, ClickRollup, Link, RollupState
from microreach.links.service import ROLLUP_NAME
from microreach.reports import repository, service, tasks
from microreach.reports.models import ReportCampaignDay, ReportLinkDay, ReportState

TARGET_MS = 300.0
DAYS = 30
START = datetime(2026, 3, 1, tzinfo=UTC)
COUNTRIES = ("US", "GB", "DE", "FR", "ES", "IT", "BR", "IN", "NL", "SE", "CA", "AU", "")
COUNTRY_WEIGHTS = np.array([30, 14, 12, 9, 7, 6, 5, 4, 3, 2, 3, 2, 3], dtype=float)
DEVICES = ("mobile", "desktop", "tablet")
DEVICE_WEIGHTS = np.array([70, 25, 5], dtype=float)
REFERRERS = ("instagram.com", "tiktok.com", "youtube.com", "t.co", "google.com", "")
REFERRER_WEIGHTS = np.array([35, 25, 15, 5, 5, 15], dtype=float)
PLATFORMS = ("instagram", "tiktok", "youtube")
CHUNK = 250_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=10_000_000)
    parser.add_argument("--creators", type=int, default=200)
    parser.add_argument("--posts-per-creator", type=int, default=10)
    parser.add_argument("--snapshots", type=int, default=10, help="Snapshots per post.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed cold runs of each kind.")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url = args.database_url
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="microreach-bench-report-"))
        url = f"sqlite:///{folder / 'microreach.db'}"
    engine = make_engine(url)
    upgrade(engine)
    dialect = engine.dialect.name
    rng = np.random.default_rng(args.seed)
    print(f"database: {dialect} ({url.split('@')[-1]})")

    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        org, campaign_id, links = seed(
            session, rng, args.creators, args.posts_per_creator, args.snapshots
        )
        session.commit()
    print(f"campaign, creators, posts, snapshots: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    human = write_clicks(engine, rng, links, args.clicks)
    print(f"{args.clicks:,} raw clicks written: {time.perf_counter() - started:.1f} s")

    with Session(engine, expire_on_commit=False) as session:
        write_conversions(session, rng, org.id, campaign_id, links, human)
        session.commit()
        started = time.perf_counter()
        build_rollups(session, [link_id for link_id, _ in links])
        session.commit()
        rollups = session.scalar(sa.select(sa.func.count()).select_from(ClickRollup)) or 0
        print(f"click_rollups built ({rollups:,} rows): {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        session.execute(sa.delete(ReportState))
        tasks.refresh_click_days(session)
        session.commit()
        elapsed = time.perf_counter() - started
        link_days = session.scalar(sa.select(sa.func.count()).select_from(ReportLinkDay)) or 0
        campaign_days = session.scalar(sa.select(sa.func.count()).select_from(ReportCampaignDay))
        print(
            f"report read model built ({link_days:,} link-day and {campaign_days or 0:,} "
            f"campaign-day rows): {elapsed:.1f} s"
        )
        if dialect == "postgresql":
            session.execute(sa.text("ANALYZE"))
            session.commit()

    ctx = OrgContext(org)
    rollup_ms, document = timed(engine, ctx, campaign_id, args.repeat)
    with raw_clicks():
        raw_ms, raw_document = timed(engine, ctx, campaign_id, max(1, min(args.repeat, 3)))
    check_equal(document, raw_document)
    with Session(engine, expire_on_commit=False) as session:
        service.campaign_document(session, ctx, campaign_id)
        started = time.perf_counter()
        service.campaign_document(session, ctx, campaign_id)
        warm_ms = (time.perf_counter() - started) * 1000

    print()
    label = f"full campaign report over rollups (cold cache, median of {args.repeat})"
    print(f"{label}: {rollup_ms:.1f} ms")
    print(f"same figures scanning raw clicks (median): {raw_ms:.1f} ms")
    print(f"ratio raw / rollups: {raw_ms / rollup_ms:.1f}x")
    print(f"warm cache (data version check + cached result): {warm_ms:.1f} ms")
    print(f"target {TARGET_MS:.0f} ms: {'met' if rollup_ms < TARGET_MS else 'NOT met'}")
    engine.dispose()


# Data


def seed(
    session: Session, rng: np.random.Generator, creators: int, per_creator: int, snapshots: int
) -> tuple[Organisation, uuid.UUID, list[tuple[uuid.UUID, float]]]:
    from microreach.creators.models import Creator, PlatformAccount, Post, PostSnapshot

    suffix = uuid.uuid4().hex[:8]
    org = Organisation(name=f"Bench {suffix}", slug=f"bench-{suffix}", kind="brand")
    session.add(org)
    session.flush()
    campaign = Campaign(
        organisation_id=org.id,
        name="Bench campaign",
        status="active",
        goal="sales",
        starts_on=START.date(),
        ends_on=(START + timedelta(days=DAYS)).date(),
        budget_minor=10_000_000,
        currency="EUR",
    )
    session.add(campaign)
    session.flush()
    # Followers log-uniform from 2K to 2M: about two thirds micro (1K-100K).
    followers = np.exp(rng.uniform(np.log(2_000), np.log(2_000_000), creators)).astype(int)
    followers[: creators // 10] = rng.integers(300, 999, creators // 10)
    links: list[tuple[uuid.UUID, float]] = []
    snapshot_rows: list[dict[str, Any]] = []
    for index in range(creators):
        platform = PLATFORMS[index % 3]
        person = Creator(name=f"Bench creator {index}", source="synthetic")
        session.add(person)
        session.flush()
        account = PlatformAccount(
            creator_id=person.id,
            platform=platform,
            handle=f"bench{suffix}_{index}",
            followers=int(followers[index]),
            source="synthetic",
        )
        session.add(account)
        session.flush()
        fee = int(followers[index]) // 4 * 10  # 2.50 per 1,000 followers... in cents
        terms: dict[str, int | str] = {"flat_fee": fee, "per_click": 5}
        if index % 10 == 0:
            terms = {"gift": "Bench product", "gift_value": 5_000}
        member = CampaignCreator(
            organisation_id=org.id,
            campaign_id=campaign.id,
            creator_id=person.id,
            platform_account_id=account.id,
            email=f"bench{index}@example.com",
            status="accepted",
            terms=terms,
            invite_expires_at=START,
        )
        session.add(member)
        session.flush()
        link = Link(
            organisation_id=org.id,
            slug=f"b{suffix}{index}",
            destination="https://shop.example.com/",
            creator_id=person.id,
            campaign_id=campaign.id,
        )
        session.add(link)
        session.flush()
        links.append((link.id, float(np.sqrt(followers[index]))))
        for number in range(per_creator):
            posted = START + timedelta(
                days=int(rng.integers(0, DAYS - 10)), hours=int(rng.integers(0, 24))
            )
            post = Post(
                account_id=account.id,
                platform_post_id=f"bench{suffix}-{index}-{number}",
                url=f"https://example.com/{suffix}/{index}/{number}",
                post_type="reel",
                posted_at=posted,
                source="synthetic",
                deleted_at=posted + timedelta(days=12) if number == 9 and index % 25 == 0 else None,
            )
            session.add(post)
            session.flush()
            session.add(
                Deliverable(
                    organisation_id=org.id,
                    campaign_id=campaign.id,
                    member_id=member.id,
                    kind="reel",
                    due_on=posted.date(),
                    status="verified",
                    post_id=post.id,
                    post_url=post.url,
                )
            )
            rate = float(rng.uniform(0.01, 0.08))
            final_likes = int(followers[index] * rate)
            for step in range(snapshots):
                share = 1 - 0.6 ** (step + 1)
                likes = int(final_likes * share)
                snapshot_rows.append(
                    {
                        "post_id": post.id,
                        "captured_at": posted + timedelta(days=step + 1),
                        "likes": None if platform == "instagram" and index % 7 == 0 else likes,
                        "comments": likes // 20,
                        "shares": likes // 50,
                        "saves": None if platform != "instagram" else likes // 30,
                        "views": likes * 12 if platform != "instagram" else None,
                        "reach": int(followers[index] * 0.3 * share)
                        if platform == "instagram"
                        else None,
                        "impressions": int(followers[index] * 0.45 * share),
                        "source": "synthetic",
                    }
                )
    session.flush()
    session.execute(sa.insert(PostSnapshot), snapshot_rows)
    loose = Link(
        organisation_id=org.id,
        slug=f"b{suffix}loose",
        destination="https://shop.example.com/",
        campaign_id=campaign.id,
    )
    session.add(loose)
    session.flush()
    links.append((loose.id, float(np.mean([w for _, w in links]))))
    print(
        f"seeded {creators} creators, {creators * per_creator:,} posts, "
        f"{len(snapshot_rows):,} snapshots"
    )
    return org, campaign.id, links


def _choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def write_clicks(
    engine: sa.Engine, rng: np.random.Generator, links: list[tuple[uuid.UUID, float]], total: int
) -> list[tuple[uuid.UUID, datetime]]:
    """Raw clicks in chunks; returns a sample of human clicks (link, time) for conversions."""
    weights = np.array([w for _, w in links])
    ids = [link_id for link_id, _ in links]
    sqlite = engine.dialect.name == "sqlite"
    link_keys = [i.hex if sqlite else str(i) for i in ids]
    sample: list[tuple[uuid.UUID, datetime]] = []
    columns = (
        "id, link_id, occurred_at, recorded_at, referrer_domain, country, device, os, browser, "
        "is_bot, bot_name, is_unique, method"
    )
    start = np.datetime64(START.replace(tzinfo=None), "us")
    raw = engine.raw_connection()
    try:
        written = 0
        while written < total:
            size = min(CHUNK, total - written)
            which = _choice(rng, weights, size)
            offsets = rng.integers(0, DAYS * 86_400 * 1_000_000, size)
            times = np.datetime_as_string(start + offsets.astype("timedelta64[us]"), unit="us")
            bots = rng.random(size) < 0.08
            unique = rng.random(size) < 0.7
            country = _choice(rng, COUNTRY_WEIGHTS, size)
            device = _choice(rng, DEVICE_WEIGHTS, size)
            referrer = _choice(rng, REFERRER_WEIGHTS, size)
            click_ids = os.urandom(16 * size).hex()
            rows = []
            for n in range(size):
                at = str(times[n]).replace("T", " ")
                is_bot = bool(bots[n])
                rows.append(
                    (
                        click_ids[32 * n : 32 * n + 32],
                        link_keys[which[n]],
                        at if sqlite else at + "+00",
                        at if sqlite else at + "+00",
                        REFERRERS[referrer[n]] or None,
                        COUNTRIES[country[n]] or None,
                        "bot" if is_bot else DEVICES[device[n]],
                        "iOS",
                        "Safari",
                        is_bot,
                        "bench-bot" if is_bot else None,
                        bool(unique[n]),
                        "GET",
                    )
                )
                if not is_bot and n % 200 == 0:
                    sample.append((ids[which[n]], datetime.fromisoformat(at).replace(tzinfo=UTC)))
            cursor = raw.cursor()
            if sqlite:
                cursor.executemany(
                    f"INSERT INTO clicks ({columns}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
                )
            else:
                with cursor.copy(f"COPY clicks ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
            written += size
    finally:
        raw.close()
    return sample


def write_conversions(
    session: Session,
    rng: np.random.Generator,
    organisation_id: uuid.UUID,
    campaign_id: uuid.UUID,
    links: list[tuple[uuid.UUID, float]],
    sample: list[tuple[uuid.UUID, datetime]],
) -> None:
    from microreach.conversions.models import Conversion

    creator_of = dict(
        session.execute(
            sa.select(Link.id, Link.creator_id).where(Link.id.in_([i for i, _ in links]))
        ).all()
    )
    rows = [
        {
            "id": uuid.uuid4(),
            "organisation_id": organisation_id,
            "order_id": f"bench-{uuid.uuid4().hex}",
            "source": "api",
            "amount_minor": int(rng.integers(1_500, 20_000)),
            "currency": "EUR" if n % 50 else "USD",
            "occurred_at": at + timedelta(minutes=5),
            "recorded_at": at + timedelta(minutes=5),
            "rule": "last_click",
            "link_id": link_id,
            "creator_id": creator_of.get(link_id),
            "campaign_id": campaign_id,
        }
        for n, (link_id, at) in enumerate(sample)
    ]
    session.execute(sa.insert(Conversion), rows)
    print(f"{len(rows):,} conversions")


def build_rollups(session: Session, link_ids: list[uuid.UUID]) -> None:
    """links.repository.rebuild_rollups' grouping, over all the links' clicks at once."""
    c = Click
    if session.get_bind().dialect.name == "sqlite":
        hour: Any = sa.func.strftime("%Y-%m-%d %H:00:00.000000", c.occurred_at)
    else:
        session.execute(sa.text("SET TIME ZONE 'UTC'"))
        hour = sa.func.date_trunc("hour", c.occurred_at)
    country = sa.func.coalesce(c.country, "")
    referrer = sa.func.coalesce(c.referrer_domain, "")
    select = (
        sa.select(
            c.link_id,
            hour,
            country,
            c.device,
            referrer,
            c.is_bot,
            sa.func.count(),
            sa.func.sum(sa.case((c.is_unique, 1), else_=0)),
        )
        .where(c.link_id.in_(link_ids))
        .group_by(c.link_id, hour, country, c.device, referrer, c.is_bot)
    )
    session.execute(
        sa.insert(ClickRollup).from_select(
            ("link_id", "hour", "country", "device", "referrer", "is_bot", "clicks", "uniques"),
            select,
        )
    )
    now = datetime.now(UTC)
    state = session.get(RollupState, ROLLUP_NAME)
    if state is None:
        session.add(RollupState(name=ROLLUP_NAME, recorded_until=now))
    else:
        state.recorded_until = now
    session.flush()


# Timing


def timed(
    engine: sa.Engine, ctx: OrgContext, campaign_id: uuid.UUID, repeat: int
) -> tuple[float, Any]:
    samples = []
    document = None
    for _ in range(repeat):
        service.CACHE.clear()
        with Session(engine, expire_on_commit=False) as session:
            started = time.perf_counter()
            document = service.campaign_document(session, ctx, campaign_id)
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), document


@contextmanager
def raw_clicks() -> Iterator[None]:
    """Answer the report's three click reads from the raw clicks table instead."""
    saved: dict[str, Callable[..., Any]] = {
        name: getattr(repository, name)
        for name in ("clicks_by_creator", "clicks_by_day", "clicks_by_dimension")
    }

    def links_of(organisation_id: uuid.UUID, campaign_id: uuid.UUID) -> Any:
        return sa.select(Link.id).where(
            Link.organisation_id == organisation_id, Link.campaign_id == campaign_id
        )

    def by_creator(session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID) -> Any:
        query = (
            sa.select(
                Link.creator_id,
                Click.is_bot,
                sa.func.count(),
                sa.func.sum(sa.case((Click.is_unique, 1), else_=0)),
            )
            .join(Link, Link.id == Click.link_id)
            .where(Link.organisation_id == organisation_id, Link.campaign_id == campaign_id)
            .group_by(Link.creator_id, Click.is_bot)
        )
        return [(r[0], bool(r[1]), int(r[2]), int(r[3] or 0)) for r in session.execute(query)]

    def by_day(session: Session, organisation_id: uuid.UUID, campaign_id: uuid.UUID) -> Any:
        if session.get_bind().dialect.name == "sqlite":
            day: Any = sa.func.date(Click.occurred_at)
        else:
            day = sa.cast(sa.func.timezone("UTC", Click.occurred_at), sa.Date)
        query = (
            sa.select(day, Click.is_bot, sa.func.count())
            .where(Click.link_id.in_(links_of(organisation_id, campaign_id)))
            .group_by(day, Click.is_bot)
            .order_by(day)
        )
        return [
            (r[0] if isinstance(r[0], date) else date.fromisoformat(r[0]), bool(r[1]), int(r[2]))
            for r in session.execute(query)
        ]

    def by_dimension(session: Session, campaign_id: uuid.UUID) -> Any:
        out = []
        columns = {
            "country": Click.country,
            "device": Click.device,
            "referrer": Click.referrer_domain,
        }
        for name, column in columns.items():
            value = sa.func.coalesce(column, "")
            query = (
                sa.select(value, Click.is_bot, sa.func.count())
                .join(Link, Link.id == Click.link_id)
                .where(Link.campaign_id == campaign_id)
                .group_by(value, Click.is_bot)
            )
            out += [(name, r[0], bool(r[1]), int(r[2])) for r in session.execute(query)]
        return out

    repository.clicks_by_creator = by_creator  # type: ignore[assignment]
    repository.clicks_by_day = by_day  # type: ignore[assignment]
    repository.clicks_by_dimension = by_dimension  # type: ignore[assignment]
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(repository, name, function)


def check_equal(rolled: Any, raw: Any) -> None:
    """Every headline figure and every table row must be the same both ways."""
    assert [(f.key, f.value, f.low, f.high) for f in rolled.headline] == [
        (f.key, f.value, f.low, f.high) for f in raw.headline
    ], "headline figures differ"
    for table in rolled.tables:
        assert table.rows == raw.table(table.key).rows, f"table {table.key} differs"
    print("rollups and raw clicks give the same figures (every headline figure and table row)")


if __name__ == "__main__":
    main()
