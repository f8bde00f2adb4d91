"""Builds discovery's read model from the creators and scores tables: one profile row per
account, its confident niches and audience shares, its search document and content vector."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from microreach.discovery import repository
from microreach.discovery.content import content_vector, to_bytes
from microreach.discovery.search.tokens import document, words
from microreach.science.niches import NICHES, niche_confidences
from microreach.science.tiers import tier_for

BATCH = 1000
NICHE_THRESHOLD = 0.5  # science.niches: the classifier's threshold for a confident niche
AUDIENCE_COUNTRIES = 10  # countries kept per account (largest shares)


@dataclass(frozen=True, slots=True)
class IndexResult:
    profiles: int
    niches: int
    audience_shares: int


def rebuild(
    connection: Connection,
    *,
    tier_scheme: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> IndexResult:
    """Replace the whole index in the caller's transaction (the caller commits): stage, then
    publish. service.rebuild_index commits between the two instead."""
    result = stage(connection, tier_scheme=tier_scheme, now=now, progress=progress)
    publish(connection)
    return result


def publish(connection: Connection) -> None:
    """Make the staged index the index; then the posting lists and planner statistics."""
    repository.publish_staged(connection)
    repository.write_postings(connection)
    repository.analyze(connection)


def stage(
    connection: Connection,
    *,
    tier_scheme: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> IndexResult:
    """Build the whole index into this connection's temporary tables (the long part: it only
    reads the source tables); run after `microreach score`, then publish.

    Doc ids are numbered from 1 in ``repository.accounts_in_rank_order``: a higher doc_id is a
    better engagement percentile, then authenticity, then a higher account id. Search reads
    the best matches first by walking doc_ids down (docs/discovery.md, "The index")."""
    repository.start_staging(connection)
    doc_id = 1
    totals = [0, 0, 0]
    order = repository.accounts_in_rank_order(connection)
    for start in range(0, len(order), BATCH):
        ids = order[start : start + BATCH]
        rows = repository.accounts_by_id(connection, ids)
        posts = repository.recent_posts(connection, ids)
        audiences = repository.newest_audiences(connection, ids)
        profiles, niches, shares = [], [], []
        for row in rows:
            profile = build_profile(row, posts.get(row.id, []), audiences.get(row.id, {}))
            profile.update(doc_id=doc_id, indexed_at=now)
            profile["tier"] = (
                profile["tier"] or tier_for(row.followers, str(row.platform), tier_scheme).name
            )
            profile["tier_scheme"] = profile["tier_scheme"] or tier_scheme
            niches.extend(_niche_rows(profile, row))
            shares.extend(_audience_rows(doc_id, profile["audience"]))
            profiles.append(profile)
            doc_id += 1
        repository.write_index(connection, profiles, niches, shares)
        totals = [totals[0] + len(profiles), totals[1] + len(niches), totals[2] + len(shares)]
        if progress is not None:
            progress(len(profiles))
    return IndexResult(*totals)


def build_profile(
    row: Any, posts: Sequence[Any], audience: dict[str, dict[str, float]]
) -> dict[str, Any]:
    """The profile columns of one account (without doc_id and indexed_at)."""
    captions = [p.caption or "" for p in posts]
    hashtags = [str(t) for p in posts for t in (p.hashtags or ())]
    caption_words = [w for caption in captions for w in words(caption)]
    in_captions = set(caption_words)
    # Hashtags whose words are not already in a caption; empty ones add nothing.
    extra = [tag for tag in map(_tag_document, hashtags) if tag and tag not in in_captions]
    search_words = [*words(row.bio or ""), *caption_words, *extra]
    search_doc = " ".join(search_words)
    vector = niche_confidences(row.bio or "", captions, hashtags)
    mentions = sorted({str(m).lower().lstrip("@") for p in posts for m in (p.mentions or ())})
    return {
        "account_id": row.id,
        "creator_id": row.creator_id,
        "creator_name": row.name,
        "platform": str(row.platform),
        "handle": row.handle,
        "display_name": row.display_name,
        "followers": row.followers,
        "tier_scheme": row.tier_scheme,
        "tier": row.tier,
        "primary_niche": _primary(row.niches, vector),
        "niche_vector": [round(vector[n], 3) for n in NICHES],
        "country": row.country,
        "language": row.language,
        "audience": _trimmed(audience),
        "er_typical": row.er_typical,
        "er_low": row.er_low,
        "er_high": row.er_high,
        "er_percentile": row.er_percentile,
        "authenticity": row.authenticity,
        "relationship": row.relationship,
        "sort_engagement": -1.0 if row.er_percentile is None else row.er_percentile,
        "sort_authenticity": -1 if row.authenticity is None else row.authenticity,
        "follower_growth_30d": row.follower_growth_30d,
        "recent_posts": len(posts),
        "sponsored_share": _sponsored(row.sponsored_posts, len(posts)),
        "last_post_at": max((p.posted_at for p in posts), default=None),
        "has_email": bool(row.contact_email),
        "mentions": mentions[:50],
        "content_vector": to_bytes(content_vector(search_doc.split(" ") if search_doc else [], ())),
        "search_doc": search_doc,
    }


@functools.lru_cache(maxsize=1 << 16)
def _tag_document(tag: str) -> str:
    """A hashtag's search words (hashtags repeat across accounts, so they are kept)."""
    return document(tag)


def confident_niches(stored: Any, vector: dict[str, float]) -> list[tuple[str, float]]:
    """The scoring job's niches when the account was scored, else the vector's confident ones."""
    if stored:
        return [(n["niche"], float(n["confidence"])) for n in stored]
    chosen = [(n, c) for n, c in vector.items() if c >= NICHE_THRESHOLD and n != "other"]
    return sorted(chosen, key=lambda item: (-item[1], item[0])) or [("other", vector["other"])]


def _primary(stored: Any, vector: dict[str, float]) -> str | None:
    return confident_niches(stored, vector)[0][0]


def _niche_rows(profile: dict[str, Any], row: Any) -> list[dict[str, Any]]:
    vector = dict(zip(NICHES, profile["niche_vector"], strict=True))
    return [
        {
            "niche": niche,
            "platform": profile["platform"],
            "tier": profile["tier"],
            "country": profile["country"] or "",
            "doc_id": profile["doc_id"],
            "confidence": confidence,
        }
        for niche, confidence in confident_niches(row.niches, vector)
    ]


def _audience_rows(doc_id: int, audience: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    return [
        {"dimension": dimension, "key": key, "share": share, "doc_id": doc_id}
        for dimension, shares in audience.items()
        for key, share in shares.items()
    ]


def _trimmed(audience: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    out = {dim: dict(shares) for dim, shares in audience.items()}
    if "country" in out:
        top = sorted(out["country"].items(), key=lambda kv: (-kv[1], kv[0]))
        out["country"] = dict(top[:AUDIENCE_COUNTRIES])
    return out


def _sponsored(sponsored: int | None, posts: int) -> float | None:
    if sponsored is None or posts == 0:
        return None
    return min(1.0, sponsored / posts)
