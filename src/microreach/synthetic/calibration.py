"""The numbers the generator is calibrated on, each with its source (docs/synthetic-data.md).

Figures marked "Kim" were measured with scripts/calibrate_synthetic.py on the Kim et al. 2020
influencer data (../shared/data/kim2020-instagram-influencers); the rest are stated
assumptions, documented as such.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

MODEL_VERSION = "1"

FOLLOWERS_MIN = 500
FOLLOWERS_MAX = 10_000_000
# Kim: log10(followers) of influencers (>= 1K) has mean 4.26 and sd 0.76. We also include nano
# accounts from 500, which pulls the mean down a little.
LOG10_FOLLOWERS_MEAN = 4.10
LOG10_FOLLOWERS_SD = 0.80

# Kim: median over influencers of each one's median (likes + comments) / followers, by tier
# (1K-10K 3.96%, 10K-50K 2.95%, 50K-100K 2.53%, 100K-500K 2.56%, 500K-1M 2.58%, 1M+ 2.32%),
# placed at each tier's geometric middle; the 500 point extends the 1K-10K slope.
ER_ANCHORS_LOG10 = np.array([2.7, 3.5, 4.35, 4.85, 5.35, 5.85, 6.5])
ER_ANCHORS_MEDIAN = np.array([0.046, 0.0396, 0.0295, 0.0253, 0.0256, 0.0258, 0.0232])
# Kim: the 1K-10K tier's per-influencer IQR is 2.07%-7.13%, a log-spread of about 0.9, of which
# we give 0.8 to the account and 0.45 to each post.
ER_ACCOUNT_SIGMA = 0.80
ER_POST_SIGMA = 0.45
# Assumption: engagement per follower relative to Instagram (TikTok feeds reach beyond
# followers; YouTube subscribers engage with a small share of uploads).
PLATFORM_ER_FACTOR = {"instagram": 1.0, "tiktok": 1.6, "youtube": 0.35}
# Kim: comments / likes per post has median 0.026 and IQR 0.010-0.058.
COMMENT_RATIO_MEDIAN = 0.026
COMMENT_RATIO_SIGMA = 0.9
# Kim: followees have median 974 (IQR 557-1,828); media counts median 937 (IQR 538-1,732).
FOLLOWING_MEDIAN = 950
FOLLOWING_SIGMA = 0.95
MEDIA_MEDIAN = {"instagram": 900.0, "tiktok": 300.0, "youtube": 150.0}
MEDIA_SIGMA = 0.9

# Kim (8 named categories, 33,935 influencers): fashion 35%, travel 12%, family 12%, food 11%,
# beauty 5%, interior 4%, fitness 3%, pet 2%, other 17%. Kim's "other" is split here between
# lifestyle, tech, gaming, music, sports and other (assumption), and fashion gives up a little
# because Kim sampled Instagram only.
NICHE_SHARES = {
    "fashion": 0.30,
    "travel": 0.11,
    "family": 0.10,
    "food": 0.10,
    "beauty": 0.06,
    "home": 0.04,
    "fitness": 0.05,
    "pets": 0.03,
    "lifestyle": 0.06,
    "tech": 0.04,
    "gaming": 0.04,
    "music": 0.03,
    "sports": 0.03,
    "other": 0.01,
}
SECOND_NICHE_SHARE = 0.30

PLATFORM_SHARES = {"instagram": 0.60, "tiktok": 0.25, "youtube": 0.15}
SECOND_ACCOUNT_SHARE = 0.30
# Post types per platform: (type, share). Stories are ephemeral and carry no public counts.
POST_TYPES = {
    "instagram": (("photo", 0.45), ("carousel", 0.25), ("reel", 0.30)),
    "tiktok": (("video", 1.0),),
    "youtube": (("video", 0.6), ("short", 0.4)),
}
POST_TYPE_ER_FACTOR = {"photo": 1.0, "carousel": 1.1, "reel": 1.2, "video": 1.0, "short": 1.1}
# Views per follower for video posts: (median, log-sd). Assumption from platform norms.
VIEWS_PER_FOLLOWER = {"instagram": (0.30, 0.8), "tiktok": (0.50, 1.1), "youtube": (0.12, 0.9)}
SHARES_PER_LIKE = {"tiktok": 0.03}
HIDDEN_LIKES_SHARE = 0.03  # Instagram accounts that hide like counts
# Posts per week: (median, log-sd).
CADENCE = {"instagram": (3.0, 0.6), "tiktok": (4.0, 0.6), "youtube": (1.0, 0.6)}
# Share of engagement that has arrived at a given age: 1 - exp(-age / tau).
ACCRUAL_TAU_DAYS = {"instagram": 1.5, "tiktok": 3.0, "youtube": 5.0}

COUNTRIES = (
    ("US", "en", 0.30),
    ("GB", "en", 0.08),
    ("BR", "pt", 0.08),
    ("IN", "en", 0.07),
    ("DE", "de", 0.06),
    ("FR", "fr", 0.05),
    ("ES", "es", 0.05),
    ("IT", "it", 0.05),
    ("MX", "es", 0.04),
    ("ID", "id", 0.04),
    ("CA", "en", 0.03),
    ("AU", "en", 0.03),
    ("NL", "nl", 0.02),
    ("TR", "tr", 0.02),
    ("JP", "ja", 0.02),
    ("PL", "pl", 0.02),
    ("PH", "en", 0.02),
    ("SE", "sv", 0.01),
    ("KR", "ko", 0.005),
    ("PT", "pt", 0.005),
)

# Fraud patterns given to a known share of accounts (assumption, documented).
FRAUD_SHARES = {
    "bought_followers": 0.030,
    "low_engagement": 0.020,
    "engagement_bots": 0.010,
    "pod": 0.010,
    "follow_churn": 0.010,
}
POD_SIZE = (8, 15)

SPONSORED_SHARE = 0.08
UNDISCLOSED_SHARE = 0.25  # of sponsored posts
CONTACT_EMAIL_SHARE = 0.35
AUDIENCE_DATA_SHARE = 0.20  # accounts whose owner connected insights
COMMENT_THREAD_SHARE = 0.30  # accounts whose newest post has its comment thread
MAX_THREAD_COMMENTS = 40

SNAPSHOT_WEEKS = 16
SNAPSHOT_MISSING_SHARE = 0.10
# Organic weekly follower growth: (median, sd) of the weekly rate.
WEEKLY_GROWTH = (0.004, 0.006)


def median_engagement_rate(followers: NDArray[np.float64]) -> NDArray[np.float64]:
    """Kim-calibrated median (likes + comments) / followers for Instagram accounts."""
    position = np.log10(np.maximum(followers, 1.0))
    return np.asarray(np.interp(position, ER_ANCHORS_LOG10, ER_ANCHORS_MEDIAN), dtype=np.float64)


def sample_followers(rng: np.random.Generator, size: int) -> NDArray[np.float64]:
    """Follower counts from a log-normal truncated to [500, 10M], redrawing outliers."""
    low, high = np.log10(FOLLOWERS_MIN), np.log10(FOLLOWERS_MAX)
    values = rng.normal(LOG10_FOLLOWERS_MEAN, LOG10_FOLLOWERS_SD, size)
    outside = (values < low) | (values > high)
    while outside.any():
        values[outside] = rng.normal(LOG10_FOLLOWERS_MEAN, LOG10_FOLLOWERS_SD, outside.sum())
        outside = (values < low) | (values > high)
    return np.asarray(np.floor(10.0**values), dtype=np.float64)
