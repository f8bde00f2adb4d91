"""Every campaign metric, defined once as a pure function (docs/metrics.md, Campaign metrics).

Counts are integers; a count the platform did not give is None, never 0. Money is integer minor
units of one currency. A ratio whose denominator is zero (or unknown) is None, shown as "n/a":
never infinity and never 0. Nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BASIS_POINTS = 10_000
ESTIMATED_REACH_RATE = 0.20
"""Share of an account's followers assumed to see a post when the platform gives no reach
(an assumption, marked "estimated" wherever it is used; docs/metrics.md)."""


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is unknown or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def known_sum(values: Iterable[int | None]) -> int | None:
    """The sum of the known values; None when none is known."""
    total: int | None = None
    for value in values:
        if value is not None:
            total = value if total is None else total + value
    return total


# Post counts


@dataclass(frozen=True, slots=True)
class PostCounts:
    """A post's latest counts (None: not given by the source) and its account's followers."""

    followers: int
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    views: int | None = None
    reach: int | None = None
    impressions: int | None = None


def engagements(post: PostCounts) -> int | None:
    """likes + comments + shares + saves, over the counts the source gave; None if none."""
    return known_sum((post.likes, post.comments, post.shares, post.saves))


def post_reach(post: PostCounts) -> tuple[int, bool]:
    """(reach, estimated): the measured reach, else followers x ESTIMATED_REACH_RATE."""
    if post.reach is not None:
        return post.reach, False
    return round(post.followers * ESTIMATED_REACH_RATE), True


@dataclass(frozen=True, slots=True)
class Totals:
    """The post-side totals of a group of posts (a campaign, a creator, a platform, a tier)."""

    posts: int
    reach: int
    reach_estimated_posts: int
    impressions: int | None
    views: int | None
    engagements: int | None
    followers: int
    """Sum, over the posts whose engagements are known, of the posting account's followers
    (the base of the engagement rate by followers)."""
    engagements_on_viewed: int | None
    """Engagements of the posts whose views are known (numerator of the rate by views)."""

    @property
    def reach_estimated(self) -> bool:
        return self.reach_estimated_posts > 0


def post_totals(posts: Sequence[PostCounts]) -> Totals:
    reaches = [post_reach(post) for post in posts]
    viewed = [post for post in posts if post.views is not None]
    return Totals(
        posts=len(posts),
        reach=sum(value for value, _ in reaches),
        reach_estimated_posts=sum(1 for _, estimated in reaches if estimated),
        impressions=known_sum(post.impressions for post in posts),
        views=known_sum(post.views for post in posts),
        engagements=known_sum(engagements(post) for post in posts),
        followers=sum(post.followers for post in posts if engagements(post) is not None),
        engagements_on_viewed=known_sum(engagements(post) for post in viewed),
    )


def combine(parts: Sequence[Totals]) -> Totals:
    """The totals of several disjoint groups of posts (known counts add; unknown stay None)."""
    return Totals(
        posts=sum(t.posts for t in parts),
        reach=sum(t.reach for t in parts),
        reach_estimated_posts=sum(t.reach_estimated_posts for t in parts),
        impressions=known_sum(t.impressions for t in parts),
        views=known_sum(t.views for t in parts),
        engagements=known_sum(t.engagements for t in parts),
        followers=sum(t.followers for t in parts),
        engagements_on_viewed=known_sum(t.engagements_on_viewed for t in parts),
    )


def engagement_rate_by_followers(engaged: int | None, followers: int) -> float | None:
    """Engagements / followers of the posting accounts (summed per post)."""
    return ratio(engaged, followers)


def engagement_rate_by_views(engaged_on_viewed: int | None, views: int | None) -> float | None:
    """Engagements of the posts with known views / their views."""
    return ratio(engaged_on_viewed, views)


# Clicks and money


def click_through_rate(human_clicks: int, impressions: int | None) -> float | None:
    """Human clicks / impressions."""
    return ratio(human_clicks, impressions)


def conversion_rate(conversions: int, human_clicks: int) -> float | None:
    """Attributed conversions / human clicks."""
    return ratio(conversions, human_clicks)


def bot_share(bot_clicks: int, total_clicks: int) -> float | None:
    return ratio(bot_clicks, total_clicks)


def committed_fee(flat_fee: int, deliverables: int, missed: int) -> int:
    """The flat fee not forfeited: flat fee x (deliverables - missed) // deliverables; the whole
    fee when the creator owes no deliverables."""
    if deliverables == 0:
        return flat_fee
    return flat_fee * (deliverables - missed) // deliverables


def performance_fee(
    per_click: int,
    per_conversion: int,
    commission_bp: int,
    human_clicks: int,
    conversions: int,
    revenue: int,
) -> int:
    """What the terms pay on results (the ledger's rule): clicks x per click + conversions x
    per conversion + revenue x commission // 10,000."""
    return (
        human_clicks * per_click
        + conversions * per_conversion
        + revenue * commission_bp // BASIS_POINTS
    )


def cost(committed: int, performance: int, gift_value: int) -> int:
    """Cost of a creator: committed flat fee + performance fee + the stated value of gifts."""
    return committed + performance + gift_value


def cpe(spend: int, engaged: int | None) -> float | None:
    """Cost per engagement (minor units)."""
    return ratio(spend, engaged)


def cpc(spend: int, human_clicks: int) -> float | None:
    """Cost per human click (minor units)."""
    return ratio(spend, human_clicks)


def cpm(spend: int, impressions: int | None) -> float | None:
    """Cost per 1,000 impressions (minor units)."""
    value = ratio(spend, impressions)
    return None if value is None else value * 1000


def cpa(spend: int, conversions: int) -> float | None:
    """Cost per attributed conversion (minor units)."""
    return ratio(spend, conversions)


def roas(revenue: int, spend: int) -> float | None:
    """Return on ad spend: attributed revenue / cost."""
    return ratio(revenue, spend)


def roi(revenue: int, spend: int) -> float | None:
    """Return on investment: (attributed revenue - cost) / cost."""
    return ratio(revenue - spend, spend)


@dataclass(frozen=True, slots=True)
class Metrics:
    """Every metric of one group, from its totals. Money in minor units."""

    creators: int
    posts_live: int
    reach: int
    reach_estimated: bool
    impressions: int | None
    views: int | None
    engagements: int | None
    engagement_rate_followers: float | None
    engagement_rate_views: float | None
    clicks_total: int
    clicks_human: int
    clicks_bot: int
    clicks_unique: int
    ctr: float | None
    conversions: int
    conversion_rate: float | None
    revenue: int
    cost: int
    cpe: float | None
    cpc: float | None
    cpm: float | None
    cpa: float | None
    roas: float | None
    roi: float | None


def metrics(
    *,
    creators: int,
    totals: Totals,
    clicks_human: int,
    clicks_bot: int,
    clicks_unique: int,
    conversions: int,
    revenue: int,
    spend: int,
) -> Metrics:
    return Metrics(
        creators=creators,
        posts_live=totals.posts,
        reach=totals.reach,
        reach_estimated=totals.reach_estimated,
        impressions=totals.impressions,
        views=totals.views,
        engagements=totals.engagements,
        engagement_rate_followers=engagement_rate_by_followers(
            totals.engagements, totals.followers
        ),
        engagement_rate_views=engagement_rate_by_views(totals.engagements_on_viewed, totals.views),
        clicks_total=clicks_human + clicks_bot,
        clicks_human=clicks_human,
        clicks_bot=clicks_bot,
        clicks_unique=clicks_unique,
        ctr=click_through_rate(clicks_human, totals.impressions),
        conversions=conversions,
        conversion_rate=conversion_rate(conversions, clicks_human),
        revenue=revenue,
        cost=spend,
        cpe=cpe(spend, totals.engagements),
        cpc=cpc(spend, clicks_human),
        cpm=cpm(spend, totals.impressions),
        cpa=cpa(spend, conversions),
        roas=roas(revenue, spend),
        roi=roi(revenue, spend),
    )
