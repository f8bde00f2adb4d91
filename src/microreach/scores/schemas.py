"""Pydantic shapes of one account's stored scores, as the API and the creator page show them.

Units: engagement rates and shares are fractions (0.024 is 2.4%); follower growth and anomaly
magnitudes are percent (0.21 is 0.21%); niche confidence is a fraction from 0 to 1.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from microreach.science.disclosure import EvidenceKind
from microreach.science.growth import AnomalyKind, Severity
from microreach.science.signals import Confidence, Status

RATE = "a fraction of followers (0.024 is 2.4%)"


class ScoreTierOut(BaseModel):
    scheme: str = Field(description="The tier scheme the account was scored with, e.g. brief.")
    name: str = Field(description="The tier in that scheme at the followers scored, e.g. micro.")


class NicheOut(BaseModel):
    niche: str = Field(description="Niche key, e.g. food.")
    confidence: float = Field(description="Classifier confidence, a fraction from 0 to 1.")


class RateStatsOut(BaseModel):
    posts: int = Field(description="Posts the figures rest on.")
    mean: float = Field(description="Mean rate, a fraction (0.024 is 2.4%).")
    median: float = Field(description="Median rate, a fraction (0.024 is 2.4%).")


class EngagementOut(BaseModel):
    """Engagement rate by followers over the newest usable posts (docs/metrics.md, Engagement)."""

    posts: int = Field(description="Usable posts among the 12 newest; 0 when there is no rate.")
    median: float | None = Field(description=f"Median post rate, {RATE}.")
    mean: float | None = Field(description=f"Mean post rate, {RATE}.")
    typical: float | None = Field(
        description=f"Typical (geometric-mean) rate under the peer prior, {RATE}."
    )
    low: float | None = Field(description=f"Lower end of the 90% interval of typical, {RATE}.")
    high: float | None = Field(description=f"Upper end of the 90% interval of typical, {RATE}.")
    prior_source: str | None = Field(
        description="Peer group (platform/tier/niche) whose figures informed the interval, "
        "or global-default."
    )
    percentile: float | None = Field(
        description="Rank of the median rate among peers, 0-100; null when no peer group has "
        "enough accounts to rank against."
    )
    peer_group: str | None = Field(
        description="The group ranked against, platform/tier/niche (or a broader group)."
    )
    by_type: dict[str, RateStatsOut] = Field(description="Rates by followers per post type.")
    by_views: RateStatsOut | None = Field(
        description="Engagements per view of video posts with views, fractions."
    )
    excluded: dict[str, int] = Field(
        description="Posts left out of the rate per reason (deleted, too_young, likes_hidden...)."
    )
    reason: str | None = Field(
        description="Why there is no rate: no_posts, no_followers, or the most common "
        "exclusion (e.g. likes_hidden); null when there is a rate."
    )


class GrowthWindowOut(BaseModel):
    days: int = Field(description="Days before the newest capture: 7, 30 or 90.")
    change_pct: float | None = Field(description="Follower growth over the window, percent.")
    change: float | None = Field(description="Followers gained (negative: lost).")
    weekly_pct: float | None = Field(description="The same growth per 7 days, percent.")
    reason: str | None = Field(description="Why there is no figure, e.g. not_enough_history.")


class AnomalyOut(BaseModel):
    kind: AnomalyKind
    start: datetime = Field(description="The capture before the change.")
    end: datetime = Field(description="The capture after the change.")
    magnitude: float = Field(description="Followers gained or lost; for churn, accounts followed.")
    magnitude_pct: float = Field(description="Percent of the count before the change.")
    severity: Severity
    explanation: str


class GrowthOut(BaseModel):
    windows: list[GrowthWindowOut] = Field(description="Follower growth over 7, 30 and 90 days.")
    anomalies: list[AnomalyOut] = Field(description="Unusual follower changes.")
    baseline_weekly_pct: float | None = Field(
        description="The account's median follower growth per 7 days, percent."
    )
    reason: str | None = Field(description="Why anomalies could not be looked for, if so.")

    def window(self, days: int) -> GrowthWindowOut | None:
        return next((w for w in self.windows if w.days == days), None)


class PeerRangeOut(BaseModel):
    low: float
    high: float
    source: str = Field(description="Where the range comes from (study, measurement, assumption).")


class SignalOut(BaseModel):
    """One measured input of a score, exactly as stored (docs/metrics.md, Scores and signals)."""

    key: str
    label: str
    value: float | None = Field(description="In `unit`; null when there was too little data.")
    unit: str = Field(
        description="share or rate (fractions), ratio, log-ratio, per thread, per comment, count."
    )
    expected: PeerRangeOut = Field(
        description="What peers usually show (10th-90th percentile unless the source says "
        "otherwise), in the signal's unit."
    )
    contribution: int = Field(description="Signed points; base + all contributions == score.")
    status: Status
    as_of: datetime | None = Field(description="Capture time of the newest data it rests on.")
    explanation: str
    percentile: float | None = Field(description="Rank among peers, 0-100, when measured.")


class ScoreOut(BaseModel):
    """A 0-100 score with its signals, or no score with the reason."""

    name: str
    version: str = Field(description="The formula version.")
    score: int | None = Field(description="0-100; null when the data cannot support a score.")
    base: int = Field(description="The points the score starts from before contributions.")
    confidence: Confidence
    reason: str | None = Field(description="Why there is no score; null when there is one.")
    signals: list[SignalOut]


class EvidenceOut(BaseModel):
    kind: EvidenceKind
    text: str = Field(description="What matched, e.g. code MARCO15.")
    where: str = Field(description="caption, hashtags, mentions or platform.")


class DisclosureExampleOut(BaseModel):
    posted_at: datetime
    caption_excerpt: str = Field(description="The caption's start, at most 200 characters.")
    evidence: list[EvidenceOut] = Field(description="The commercial signs found in the post.")


class DisclosureOut(BaseModel):
    """Sponsored posts among the newest posts and how they were disclosed."""

    posts: int = Field(description="Posts looked at.")
    sponsored: int = Field(description="Posts disclosed as paid, plus likely undisclosed ads.")
    disclosed: int = Field(description="Sponsored posts with the flag or a disclosure marker.")
    likely_undisclosed: int = Field(
        description="Posts with no disclosure but commercial signs (brand mention with a "
        "discount code, discount or affiliate link, or a brand with thanks or link in bio)."
    )
    sponsored_share: float | None = Field(description="sponsored / posts, a fraction.")
    undisclosed_share: float | None = Field(description="likely_undisclosed / sponsored.")
    markers: dict[str, int] = Field(description="Disclosure marker (lower case) -> posts.")
    examples: list[DisclosureExampleOut] = Field(description="The newest likely undisclosed posts.")
    as_of: datetime | None = Field(description="Newest post looked at.")


class AccountScoresOut(BaseModel):
    """What the scoring job (`microreach score`) stored for one account."""

    account_id: uuid.UUID
    computed_at: datetime = Field(description="When the scoring job computed these figures.")
    version: str = Field(
        description="Every formula's version, e.g. tiers=brief;engagement=1;growth=1;..."
    )
    data_captured_at: datetime | None = Field(
        description="The account's newest capture the scores rest on."
    )
    stale: bool = Field(
        description="True when the account has a newer capture than the scores: run "
        "`microreach score` to bring them up to date."
    )
    followers: int = Field(description="Followers when scored.")
    tier: ScoreTierOut
    niches: list[NicheOut] = Field(description="Most likely first; the first is the primary.")
    engagement: EngagementOut
    growth: GrowthOut
    authenticity: ScoreOut = Field(description="Audience authenticity, 0-100.")
    relationship: ScoreOut = Field(description="Audience relationship, 0-100.")
    disclosure: DisclosureOut
