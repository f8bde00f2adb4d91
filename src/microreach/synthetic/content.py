"""Posts of each account: cadence, captions, sponsorship, metrics and their growth over time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microreach.synthetic import calibration as cal
from microreach.synthetic import vocab
from microreach.synthetic.arrays import US_PER_DAY, US_PER_HOUR, lognormal, timestamps, uuid_hexes
from microreach.synthetic.people import NICHE_KEYS, PLATFORMS, Accounts

SERIES_AGES_US = (US_PER_HOUR, US_PER_DAY, 7 * US_PER_DAY)
SERIES_NEWEST_POSTS = 2
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
DE_ES = {"DE": ("#werbung", "#anzeige"), "ES": ("#publicidad", "#publi"),
         "MX": ("#publicidad", "#publi")}  # fmt: skip
EN_TAGS = ("#ad", "#sponsored", "#partner", "#collab", "#gifted")


@dataclass
class Posts:
    ids: list[str]
    account: NDArray[np.int64]
    posted_us: NDArray[np.int64]
    platform_ids: list[str]
    comments: NDArray[np.int64]  # comment count at the latest capture
    types: list[str]
    nouns: list[str]


@dataclass
class Content:
    post_rows: list[tuple[object, ...]]
    snapshot_rows: list[tuple[object, ...]]
    posts: Posts


def make_content(
    rng: np.random.Generator, acc: Accounts, per_account: int, id_prefix: bytes = b""
) -> Content:
    total = len(acc) * per_account
    account = np.repeat(np.arange(len(acc)), per_account)
    platform = [PLATFORMS[p] for p in acc.platform[account].tolist()]
    posted = _posting_times(rng, acc, per_account)
    types = _post_types(rng, acc, per_account)
    ids = uuid_hexes(rng, total, id_prefix)
    platform_ids = _platform_ids(rng, platform)
    likes, comments, views, shares = _final_metrics(rng, acc, account, posted, types, platform)
    captions, hashtags, mentions, paid, disclosed, nouns = _captions(rng, acc, account)
    hidden = rng.random(len(acc)) < cal.HIDDEN_LIKES_SHARE
    likes_shown: list[int | None] = [
        None if hidden[a] and p == "instagram" else int(v)
        for a, p, v in zip(account.tolist(), platform, likes.tolist(), strict=True)
    ]
    stamps = timestamps(posted)
    post_rows: list[tuple[object, ...]] = [
        (
            ids[k], acc.ids[account[k]], platform_ids[k],
            _url(platform[k], acc.handles[account[k]], platform_ids[k], types[k]), types[k],
            captions[k], hashtags[k], mentions[k], stamps[k], paid[k], disclosed[k], None,
            "synthetic", stamps[k],
        )
        for k in range(total)
    ]  # fmt: skip
    snapshots = _snapshot_rows(
        acc, account, posted, per_account, ids, platform, likes_shown, comments, views, shares
    )
    posts = Posts(ids, account, posted, platform_ids, comments, types, nouns)
    return Content(post_rows=post_rows, snapshot_rows=snapshots, posts=posts)


def _posting_times(rng: np.random.Generator, acc: Accounts, per_account: int) -> NDArray[np.int64]:
    """Newest first: exponential gaps at each account's cadence, evening-weighted hours."""
    cadence = np.array([cal.CADENCE[PLATFORMS[p]] for p in acc.platform.tolist()])
    per_week = lognormal(rng, cadence[:, 0], 0.6, len(acc))
    gaps_days = rng.exponential(1.0, (len(acc), per_account)) * (7.0 / per_week)[:, None]
    gaps_days[:, 0] = rng.uniform(0.05, 3.0, len(acc))
    age_us = (np.cumsum(gaps_days, axis=1) * US_PER_DAY).astype(np.int64)
    posted = acc.capture_us[:, None] - age_us
    return posted.reshape(-1)


def _post_types(rng: np.random.Generator, acc: Accounts, per_account: int) -> list[str]:
    out: list[str] = []
    for p in acc.platform.tolist():
        options = cal.POST_TYPES[PLATFORMS[p]]
        picks = rng.choice(len(options), per_account, p=[share for _, share in options])
        out += [options[i][0] for i in picks.tolist()]
    return out


def _platform_ids(rng: np.random.Generator, platform: list[str]) -> list[str]:
    numeric = rng.integers(10**17, 9 * 10**18, len(platform)).tolist()
    letters = rng.integers(0, len(ID_ALPHABET), (len(platform), 11)).tolist()
    out = []
    for p, number, chars in zip(platform, numeric, letters, strict=True):
        out.append("".join(ID_ALPHABET[c] for c in chars) if p == "youtube" else str(number))
    return out


def _url(platform: str, handle: str, post_id: str, post_type: str) -> str:
    if platform == "instagram":
        return f"https://www.instagram.com/p/{post_id}/"
    if platform == "tiktok":
        return f"https://www.tiktok.com/@{handle}/video/{post_id}"
    if post_type == "short":
        return f"https://www.youtube.com/shorts/{post_id}"
    return f"https://www.youtube.com/watch?v={post_id}"


def _final_metrics(
    rng: np.random.Generator,
    acc: Accounts,
    account: NDArray[np.int64],
    posted: NDArray[np.int64],
    types: list[str],
    platform: list[str],
) -> tuple[NDArray[np.int64], NDArray[np.int64], list[int | None], list[int | None]]:
    total = account.size
    age_days = (acc.capture_us[account] - posted) / US_PER_DAY
    tau = np.array([cal.ACCRUAL_TAU_DAYS[p] for p in platform])
    arrived = 1 - np.exp(-age_days / tau)
    type_factor = np.array([cal.POST_TYPE_ER_FACTOR[t] for t in types])
    expected = acc.er[account] * acc.organic[account] * type_factor
    expected *= lognormal(rng, 1.0, cal.ER_POST_SIGMA, total) * arrived
    engagements = rng.poisson(expected)
    ratio = acc.comment_ratio[account] * lognormal(rng, 1.0, 0.4, total)
    comments = rng.binomial(engagements, np.minimum(ratio / (1 + ratio), 0.9))
    likes = engagements - comments
    is_video = np.array([t in ("reel", "video", "short") for t in types])
    vpf = np.array([cal.VIEWS_PER_FOLLOWER[p] for p in platform])
    raw_views = acc.followers[account] * vpf[:, 0] * np.exp(rng.normal(0, 1, total) * vpf[:, 1])
    views = np.maximum(raw_views * arrived, likes * 1.5).astype(np.int64)
    views_out: list[int | None] = [
        int(v) if video else None for v, video in zip(views.tolist(), is_video, strict=True)
    ]
    share_rate = np.array([cal.SHARES_PER_LIKE.get(p, 0.0) for p in platform])
    shares = rng.poisson(likes * share_rate)
    shares_out: list[int | None] = [
        int(s) if p == "tiktok" else None for s, p in zip(shares.tolist(), platform, strict=True)
    ]
    return likes.astype(np.int64), comments.astype(np.int64), views_out, shares_out


def _captions(
    rng: np.random.Generator, acc: Accounts, account: NDArray[np.int64]
) -> tuple[list[str], list[str], list[str], list[bool], list[bool], list[str]]:
    """Caption text, hashtag and mention JSON, paid flag, disclosure flag and topic noun."""
    total = account.size
    sponsored = rng.random(total) < cal.SPONSORED_SHARE
    undisclosed = rng.random(total) < cal.UNDISCLOSED_SHARE
    flag_only = rng.random(total) < 0.3
    opener = rng.integers(len(vocab.CAPTION_OPENERS), size=total).tolist()
    closer = rng.integers(len(vocab.CAPTION_CLOSERS), size=total).tolist()
    noun_pick = rng.integers(10, size=total).tolist()
    n_tags = np.minimum(rng.poisson(4, total) + 1, 10).tolist()
    tag_picks = rng.integers(0, 10, (total, 10)).tolist()
    brand_pick = rng.integers(4, size=total).tolist()
    use_second = (rng.random(total) < 0.4).tolist()
    out: tuple[list[str], list[str], list[str], list[bool], list[bool], list[str]] = (
        [], [], [], [], [], [],
    )  # fmt: skip
    for k, a in enumerate(account.tolist()):
        niche = vocab.NICHES[NICHE_KEYS[acc.niche[a]]]
        second = acc.second_niche[a]
        pool = niche["tags"]
        if second >= 0 and use_second[k]:
            pool = pool[:6] + vocab.NICHES[NICHE_KEYS[second]]["tags"][:4]
        tags = list(dict.fromkeys(pool[i] for i in tag_picks[k][: n_tags[k]]))
        noun = niche["nouns"][noun_pick[k]]
        text = vocab.CAPTION_OPENERS[opener[k]].format(noun=noun)
        text = f"{text}. {vocab.CAPTION_CLOSERS[closer[k]]}".strip()
        mentions: list[str] = []
        paid = disclosed = False
        if sponsored[k]:
            brand = niche["brands"][brand_pick[k]]
            code = acc.handles[a].split(".")[0].split("_")[0].upper()[:8] + "15"
            mentions.append(brand)
            text += f" Thanks @{brand}! Use code {code} for 15% off."
            if not undisclosed[k]:
                paid = PLATFORMS[acc.platform[a]] == "instagram" and flag_only[k]
                if not paid:
                    country = cal.COUNTRIES[acc.country[a]][0]
                    choices = DE_ES.get(country, EN_TAGS)
                    text = f"{choices[k % len(choices)]} {text}"
                    disclosed = True
        text += " " + " ".join(f"#{t}" for t in tags)
        out[0].append(text)
        out[1].append('["' + '","'.join(tags) + '"]')
        out[2].append('["' + '","'.join(mentions) + '"]' if mentions else "[]")
        out[3].append(paid)
        out[4].append(disclosed)
        out[5].append(noun)
    return out


def _snapshot_rows(
    acc: Accounts,
    account: NDArray[np.int64],
    posted: NDArray[np.int64],
    per_account: int,
    ids: list[str],
    platform: list[str],
    likes: list[int | None],
    comments: NDArray[np.int64],
    views: list[int | None],
    shares: list[int | None],
) -> list[tuple[object, ...]]:
    """The latest capture of every post, plus early captures of each account's newest posts."""
    capture = acc.capture_us[account]
    final_stamps = timestamps(capture)
    comment_list = comments.tolist()
    rows: list[tuple[object, ...]] = [
        (ids[k], final_stamps[k], likes[k], comment_list[k], views[k], shares[k], None, None,
         None, "synthetic")
        for k in range(account.size)
    ]  # fmt: skip
    newest = np.flatnonzero(np.arange(account.size) % per_account < SERIES_NEWEST_POSTS)
    for age in SERIES_AGES_US:
        early = newest[posted[newest] + age < capture[newest]]
        tau = np.array([cal.ACCRUAL_TAU_DAYS[platform[k]] for k in early.tolist()]) * US_PER_DAY
        now = (1 - np.exp(-age / tau)) / np.maximum(
            1e-9, 1 - np.exp(-(capture[early] - posted[early]) / tau)
        )
        stamps = timestamps(posted[early] + age)
        for j, k in enumerate(early.tolist()):
            share = float(now[j])
            rows.append((
                ids[k], stamps[j], _scaled(likes[k], share), int(comment_list[k] * share),
                _scaled(views[k], share), _scaled(shares[k], share), None, None, None,
                "synthetic",
            ))  # fmt: skip
    return rows


def _scaled(value: int | None, share: float) -> int | None:
    return None if value is None else int(value * share)
