"""Creators and their platform accounts: profiles, fraud labels, follower series, audiences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microreach.synthetic import calibration as cal
from microreach.synthetic import vocab
from microreach.synthetic.arrays import (
    US_PER_DAY,
    US_PER_HOUR,
    base36,
    lognormal,
    timestamps,
    uuid_hexes,
    weighted_choice,
)

PLATFORMS = tuple(cal.PLATFORM_SHARES)
FRAUDS = tuple(cal.FRAUD_SHARES)
NICHE_KEYS = tuple(cal.NICHE_SHARES)
AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_BASE = {
    "instagram": (0.05, 0.30, 0.32, 0.17, 0.09, 0.05, 0.02),
    "tiktok": (0.15, 0.38, 0.26, 0.11, 0.06, 0.03, 0.01),
    "youtube": (0.06, 0.22, 0.28, 0.19, 0.13, 0.08, 0.04),
}
FEMALE_SHARE = {
    "fashion": 0.75,
    "beauty": 0.85,
    "food": 0.60,
    "fitness": 0.50,
    "travel": 0.60,
    "family": 0.80,
    "pets": 0.65,
    "home": 0.70,
    "tech": 0.25,
    "gaming": 0.25,
    "music": 0.50,
    "sports": 0.30,
    "lifestyle": 0.65,
    "other": 0.50,
}


@dataclass
class Accounts:
    """Column arrays for the accounts of one chunk (index i is one account)."""

    ids: list[str]
    creator: NDArray[np.int64]  # index into the chunk's creators
    platform: NDArray[np.int64]  # index into PLATFORMS
    handles: list[str]
    niche: NDArray[np.int64]
    second_niche: NDArray[np.int64]  # -1 when none
    country: NDArray[np.int64]
    organic: NDArray[np.float64]  # followers the account earned
    followers: NDArray[np.int64]  # followers shown now (organic plus bought)
    following: NDArray[np.int64]
    media: NDArray[np.int64]
    er: NDArray[np.float64]  # the account's typical engagements per organic follower
    comment_ratio: NDArray[np.float64]
    fraud: NDArray[np.int64]  # index into FRAUDS, -1 when none
    pod: NDArray[np.int64]  # pod number, -1 when none
    capture_us: NDArray[np.int64]  # time of the latest capture

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class People:
    creator_rows: list[tuple[object, ...]]
    account_rows: list[tuple[object, ...]]
    snapshot_rows: list[tuple[object, ...]]
    audience_rows: list[tuple[object, ...]]
    truth_rows: list[tuple[object, ...]]
    accounts: Accounts


def make_people(
    rng: np.random.Generator,
    first_index: int,
    count: int,
    as_of_us: int,
    pod_base: int,
    id_prefix: bytes = b"",
) -> People:
    creator_ids = uuid_hexes(rng, count, id_prefix)
    niche = weighted_choice(rng, list(cal.NICHE_SHARES.values()), count)
    second = weighted_choice(rng, list(cal.NICHE_SHARES.values()), count)
    second = np.where((rng.random(count) < cal.SECOND_NICHE_SHARE) & (second != niche), second, -1)
    country = weighted_choice(rng, [c[2] for c in cal.COUNTRIES], count)
    first = rng.integers(len(vocab.FIRST_NAMES), size=count)
    last = rng.integers(len(vocab.LAST_NAMES), size=count)
    has_email = rng.random(count) < cal.CONTACT_EMAIL_SHARE
    names = [
        f"{vocab.FIRST_NAMES[f].title()} {vocab.LAST_NAMES[la].title()}"
        for f, la in zip(first.tolist(), last.tolist(), strict=True)
    ]
    accounts = _make_accounts(
        rng, first_index, names, (niche, second, country), as_of_us, pod_base, id_prefix
    )
    created = timestamps(accounts.capture_us[:count] - 200 * US_PER_DAY)
    creator_rows: list[tuple[object, ...]] = [
        (
            creator_ids[i],
            names[i],
            "person",
            f"{accounts.handles[i].replace('.', '')}@example.com" if has_email[i] else None,
            "synthetic",
            created[i],
            created[i],
        )
        for i in range(count)
    ]
    return People(
        creator_rows=creator_rows,
        account_rows=_account_rows(rng, accounts, creator_ids, names, has_email),
        snapshot_rows=_snapshot_rows(rng, accounts),
        audience_rows=_audience_rows(rng, accounts),
        truth_rows=[
            (
                accounts.ids[i],
                NICHE_KEYS[accounts.niche[i]],
                FRAUDS[accounts.fraud[i]] if accounts.fraud[i] >= 0 else None,
                int(accounts.pod[i]) if accounts.pod[i] >= 0 else None,
            )
            for i in range(len(accounts))
        ],
        accounts=accounts,
    )


def _make_accounts(
    rng: np.random.Generator,
    first_index: int,
    names: list[str],
    traits: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
    as_of_us: int,
    pod_base: int,
    id_prefix: bytes,
) -> Accounts:
    """Each creator's primary account and, for some, a second platform."""
    niche, second, country = traits
    count = len(names)
    primary = weighted_choice(rng, list(cal.PLATFORM_SHARES.values()), count)
    has_second = np.flatnonzero(rng.random(count) < cal.SECOND_ACCOUNT_SHARE)
    other = (primary[has_second] + rng.integers(1, len(PLATFORMS), has_second.size)) % len(
        PLATFORMS
    )
    creator = np.concatenate([np.arange(count), has_second])
    platform = np.concatenate([primary, other])
    total = creator.size
    organic = cal.sample_followers(rng, count)
    organic = np.concatenate(
        [organic, organic[has_second] * lognormal(rng, 0.5, 0.9, has_second.size)]
    )
    organic = np.clip(np.floor(organic), cal.FOLLOWERS_MIN, cal.FOLLOWERS_MAX)
    fraud_shares = list(cal.FRAUD_SHARES.values())
    fraud = weighted_choice(rng, [*fraud_shares, 1.0 - sum(fraud_shares)], total)
    fraud = np.where(fraud == len(FRAUDS), -1, fraud)
    bought = np.where(fraud == FRAUDS.index("bought_followers"), rng.uniform(0.15, 0.6, total), 0)
    followers = np.floor(organic * (1.0 + bought)).astype(np.int64)
    platform_names = [PLATFORMS[p] for p in platform.tolist()]
    er = cal.median_engagement_rate(organic) * np.array(
        [cal.PLATFORM_ER_FACTOR[p] for p in platform_names]
    )
    er *= lognormal(rng, 1.0, cal.ER_ACCOUNT_SIGMA, total)
    comment_ratio = lognormal(rng, cal.COMMENT_RATIO_MEDIAN, cal.COMMENT_RATIO_SIGMA, total)
    er, comment_ratio = _apply_fraud_engagement(rng, fraud, er, comment_ratio)
    following = lognormal(rng, cal.FOLLOWING_MEDIAN, cal.FOLLOWING_SIGMA, total)
    following = np.where(fraud == FRAUDS.index("follow_churn"), following * 4 + 2000, following)
    media_median = np.array([cal.MEDIA_MEDIAN[p] for p in platform_names])
    handles = [
        _handle(names[c], niche[c], platform[i], first_index + c, i >= count)
        for i, c in enumerate(creator.tolist())
    ]
    capture = as_of_us - rng.integers(0, 6 * US_PER_HOUR, total)
    return Accounts(
        ids=uuid_hexes(rng, total, id_prefix),
        creator=creator,
        platform=platform,
        handles=handles,
        niche=niche[creator],
        second_niche=second[creator],
        country=country[creator],
        organic=organic,
        followers=followers,
        following=np.floor(following).astype(np.int64),
        media=np.floor(np.maximum(12, lognormal(rng, media_median, cal.MEDIA_SIGMA, total))).astype(
            np.int64
        ),
        er=er,
        comment_ratio=comment_ratio,
        fraud=fraud,
        pod=_assign_pods(fraud, niche[creator], pod_base),
        capture_us=capture,
    )


def _apply_fraud_engagement(
    rng: np.random.Generator,
    fraud: NDArray[np.int64],
    er: NDArray[np.float64],
    ratio: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    size = fraud.size
    low = fraud == FRAUDS.index("low_engagement")
    bots = fraud == FRAUDS.index("engagement_bots")
    pod = fraud == FRAUDS.index("pod")
    er = np.where(low, er * rng.uniform(0.1, 0.3, size), er)
    er = np.where(bots, er * rng.uniform(2.0, 4.0, size), er)
    er = np.where(pod, er * 1.3, er)
    ratio = np.where(bots, ratio * 3.0, ratio)
    ratio = np.where(pod, ratio * 2.5, ratio)
    return np.minimum(er, 0.6), np.minimum(ratio, 0.8)


def _assign_pods(
    fraud: NDArray[np.int64], niche: NDArray[np.int64], base: int
) -> NDArray[np.int64]:
    """Split a chunk's pod accounts evenly into pods of at most POD_SIZE[1], by niche order."""
    pod = np.full(fraud.size, -1, dtype=np.int64)
    members = np.flatnonzero(fraud == FRAUDS.index("pod"))
    if members.size == 0:
        return pod
    members = members[np.argsort(niche[members], kind="stable")]
    count = -(-members.size // cal.POD_SIZE[1])
    for number, group in enumerate(np.array_split(members, count)):
        pod[group] = base + number
    return pod


def _handle(name: str, niche: int, platform: int, index: int, secondary: bool) -> str:
    """A readable handle made unique by the creator's index (base 36)."""
    first = name.split(" ")[0].lower()
    words = vocab.NICHES[NICHE_KEYS[niche]]["handle"]
    word = words[(index + platform) % len(words)]
    joiner = "." if index % 3 else "_"
    suffix = base36(index) + ("tv" if secondary and platform == 2 else "")
    return f"{first}{joiner}{word}{joiner}{suffix}"


def _account_rows(
    rng: np.random.Generator,
    acc: Accounts,
    creator_ids: list[str],
    names: list[str],
    has_email: NDArray[np.bool_],
) -> list[tuple[object, ...]]:
    total = len(acc)
    verified = rng.random(total) < 1 / (1 + np.exp(-(np.log10(acc.followers) - 5.7) * 3))
    private = rng.random(total) < 0.01
    no_picture = rng.random(total) < 0.02
    created = timestamps(acc.capture_us - rng.integers(365, 3650, total) * US_PER_DAY)
    seen = timestamps(acc.capture_us - cal.SNAPSHOT_WEEKS * 7 * US_PER_DAY)
    captured = timestamps(acc.capture_us)
    bio_pick = rng.integers(0, 4, total)
    suffix_pick = rng.integers(0, len(vocab.BIO_SUFFIXES), total)
    ext_ids = rng.integers(10**9, 10**15, total)
    rows: list[tuple[object, ...]] = []
    for i in range(total):
        c = int(acc.creator[i])
        platform = PLATFORMS[acc.platform[i]]
        code, lang, _ = cal.COUNTRIES[acc.country[i]]
        niche = vocab.NICHES[NICHE_KEYS[acc.niche[i]]]
        bio = niche["bio"][bio_pick[i]] + vocab.BIO_SUFFIXES[suffix_pick[i]].format(
            city=vocab.CITIES.get(code, code)
        )
        if has_email[c]:
            bio += f" | {acc.handles[c].replace('.', '')}@example.com"
        rows.append((
            acc.ids[i], creator_ids[c], platform, acc.handles[i],
            f"{platform[:2]}{ext_ids[i]}", names[c], bio, int(acc.followers[i]),
            int(acc.following[i]), int(acc.media[i]), code, lang, bool(verified[i]),
            not bool(no_picture[i]), bool(private[i]), None, created[i], seen[i], captured[i],
            "synthetic", seen[i], captured[i],
        ))  # fmt: skip
    return rows


def _snapshot_rows(rng: np.random.Generator, acc: Accounts) -> list[tuple[object, ...]]:
    """Weekly captures over SNAPSHOT_WEEKS: organic growth, bought spikes, follow churn, gaps."""
    total, weeks = len(acc), cal.SNAPSHOT_WEEKS
    back = np.arange(weeks - 1, -1, -1)  # weeks before the latest capture, oldest first
    growth = rng.normal(*cal.WEEKLY_GROWTH, total)[:, None]
    noise = 1 + rng.normal(0, 0.002, (total, weeks))
    organic = acc.organic[:, None] / (1 + growth) ** back[None, :] * noise
    spike_week = rng.integers(2, weeks - 2, total)[:, None]
    bought_share = acc.followers / acc.organic - 1
    followers = organic * np.where(back[None, :] < spike_week, 1 + bought_share[:, None], 1.0)
    followers[:, -1] = acc.followers
    following = acc.following[:, None] * (1 + rng.normal(0, 0.01, (total, weeks)))
    churn = acc.fraud == FRAUDS.index("follow_churn")
    swing = np.where(np.arange(weeks) % 2 == 0, 1.0, 0.45)[None, :]
    following = np.where(churn[:, None], following * swing, following)
    per_week = np.array([cal.CADENCE[PLATFORMS[p]][0] for p in acc.platform.tolist()])
    media = acc.media[:, None] - np.round(per_week[:, None] * back[None, :])
    times = acc.capture_us[:, None] - back[None, :] * 7 * US_PER_DAY
    keep = rng.random((total, weeks)) >= cal.SNAPSHOT_MISSING_SHARE
    keep[:, -1] = True
    rows_i, rows_w = np.nonzero(keep)
    stamps = timestamps(times[rows_i, rows_w])
    f = np.maximum(np.round(followers[rows_i, rows_w]), 0).astype(np.int64).tolist()
    g = np.maximum(np.round(following[rows_i, rows_w]), 0).astype(np.int64).tolist()
    m = np.maximum(media[rows_i, rows_w], 0).astype(np.int64).tolist()
    ids = acc.ids
    return [
        (ids[a], stamps[k], f[k], g[k], m[k], "synthetic") for k, a in enumerate(rows_i.tolist())
    ]


def _audience_rows(rng: np.random.Generator, acc: Accounts) -> list[tuple[object, ...]]:
    chosen = np.flatnonzero(rng.random(len(acc)) < cal.AUDIENCE_DATA_SHARE)
    stamps = timestamps(acc.capture_us[chosen])
    country_shares = [c[2] for c in cal.COUNTRIES]
    rows: list[tuple[object, ...]] = []
    for k, i in enumerate(chosen.tolist()):
        aid, when = acc.ids[i], stamps[k]
        home = cal.COUNTRIES[acc.country[i]][0]
        home_share = float(rng.uniform(0.35, 0.8))
        others = list(weighted_choice(rng, country_shares, 8).tolist())
        abroad = [cal.COUNTRIES[c][0] for c in dict.fromkeys(others) if cal.COUNTRIES[c][0] != home]
        split = rng.dirichlet(np.ones(min(4, len(abroad)))) * (1 - home_share) * 0.8
        rows.append((aid, when, "country", home, round(home_share, 4), "synthetic"))
        rows += [
            (aid, when, "country", code, round(float(s), 4), "synthetic")
            for code, s in zip(abroad[:4], split.tolist(), strict=False)
        ]
        ages = rng.dirichlet(np.array(AGE_BASE[PLATFORMS[acc.platform[i]]]) * 60)
        rows += [
            (aid, when, "age", band, round(float(s), 4), "synthetic")
            for band, s in zip(AGE_BANDS, ages.tolist(), strict=True)
        ]
        female = float(np.clip(FEMALE_SHARE[NICHE_KEYS[acc.niche[i]]] + rng.normal(0, 0.08),
                               0.02, 0.97))  # fmt: skip
        rows += [
            (aid, when, "gender", "female", round(female * 0.99, 4), "synthetic"),
            (aid, when, "gender", "male", round((1 - female) * 0.99, 4), "synthetic"),
            (aid, when, "gender", "other", 0.01, "synthetic"),
        ]
    return rows
