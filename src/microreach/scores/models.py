"""Stored scores: one row per platform account, written by the scoring job (`microreach score`).

The columns that discovery filters and sorts on (tier, niche, engagement, authenticity,
relationship) are plain columns with indexes; the explanations (signals, growth windows,
anomalies, disclosure examples) are JSON documents shown as they were computed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from microreach.db.base import Base, PortableJSON


class AccountScore(Base):
    """The science's reading of one account, with the formula versions and the data time."""

    __tablename__ = "account_scores"
    __table_args__ = (
        sa.Index("ix_account_scores_peer_group", "platform", "tier", "primary_niche"),
        sa.Index("ix_account_scores_primary_niche", "primary_niche"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("platform_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime]
    # Every formula's version, e.g. "tiers=brief;engagement=1;growth=1;...": a change of any
    # formula makes the job score the account again.
    version: Mapped[str] = mapped_column(sa.String(160))
    # The account's newest capture when it was scored; a newer capture makes the score stale.
    data_captured_at: Mapped[datetime | None]

    platform: Mapped[str] = mapped_column(sa.String(24))
    followers: Mapped[int] = mapped_column(sa.BigInteger)
    tier_scheme: Mapped[str] = mapped_column(sa.String(24))
    tier: Mapped[str] = mapped_column(sa.String(24))
    primary_niche: Mapped[str | None] = mapped_column(sa.String(32))
    niches: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)

    # Engagement rate by followers over the newest usable posts, its interval and percentile.
    er_posts: Mapped[int] = mapped_column(default=0)
    er_median: Mapped[float | None]
    er_mean: Mapped[float | None]
    er_typical: Mapped[float | None]
    er_low: Mapped[float | None]
    er_high: Mapped[float | None]
    er_prior: Mapped[str | None] = mapped_column(sa.String(120))
    er_percentile: Mapped[float | None]
    er_peer_group: Mapped[str | None] = mapped_column(sa.String(120))
    er_log_rates: Mapped[list[float]] = mapped_column(PortableJSON, default=list)
    engagement: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)

    follower_growth_30d: Mapped[float | None]  # percent
    anomalies: Mapped[int] = mapped_column(default=0)
    growth: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)

    authenticity: Mapped[int | None]
    authenticity_confidence: Mapped[str] = mapped_column(sa.String(24))
    authenticity_detail: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)

    relationship: Mapped[int | None]
    relationship_confidence: Mapped[str] = mapped_column(sa.String(24))
    relationship_detail: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)

    sponsored_posts: Mapped[int] = mapped_column(default=0)
    undisclosed_posts: Mapped[int] = mapped_column(default=0)
    disclosure: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class ScoreState(Base):
    """What the scoring job's last complete peer pass saw (one row, name "peer_pass"): the
    number of stored scores and the newest `computed_at` among them. A run that scores
    nothing skips the peer pass while both are unchanged, since the pass would then change
    nothing; a deleted account (fewer rows) or an interrupted run (newer rows) makes it run."""

    __tablename__ = "score_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    scores: Mapped[int] = mapped_column(sa.BigInteger)
    computed_until: Mapped[datetime | None]
    peer_groups: Mapped[int]
    ranked_at: Mapped[datetime]  # when the pass ran (clock time)
