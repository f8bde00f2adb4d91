"""Creators like this one: niche, content and audience similarity, with the reason shown.

Speed: the vectors are computed once by the indexer and stored in each profile row (niche
confidences as JSON, the content vector as 256 bytes of float16). A request reads the seed,
narrows the candidates through the niche index (same platform, same or neighbouring tier,
sharing one of the seed's top niches; at most LOOKALIKE_CANDIDATES) and scores them in one
numpy pass; nothing is held in memory between requests."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from microreach.discovery import repository
from microreach.discovery.content import from_bytes
from microreach.discovery.schemas import LookalikeItem, LookalikePage
from microreach.discovery.service import item_out
from microreach.kit.errors import NotFoundError
from microreach.science.niches import NICHES
from microreach.science.tiers import get_scheme

LOOKALIKE_CANDIDATES = 3000
SEED_NICHES = 3  # the seed's most confident niches that candidates must share one of
WEIGHTS = {"niche": 0.4, "content": 0.4, "audience": 0.2}


def lookalikes(
    session: Session, account_id: uuid.UUID, limit: int = 20, tier_scheme: str = "brief"
) -> LookalikePage:
    """The ``limit`` indexed accounts most similar to ``account_id``, most similar first."""
    connection = session.connection()
    found = repository.profiles_by_account(connection, [account_id])
    if not found:
        raise NotFoundError(f"No indexed account with id {account_id}.")
    seed = found[0]
    seed_niches = _top_niches(seed.niche_vector)
    rows = repository.lookalike_candidates(
        connection,
        seed.doc_id,
        seed.platform,
        _neighbour_tiers(seed.tier, tier_scheme),
        seed_niches,
        LOOKALIKE_CANDIDATES,
    )
    items = [_item(seed, row, sims) for row, sims in _ranked(seed, rows)[:limit]]
    return LookalikePage(seed=item_out(seed), items=items, candidates=len(rows))


def _top_niches(vector: list[float]) -> list[str]:
    ranked = sorted(zip(NICHES, vector, strict=False), key=lambda nc: (-nc[1], nc[0]))
    return [n for n, _ in ranked[:SEED_NICHES]]


def _neighbour_tiers(tier: str, scheme_key: str) -> list[str]:
    names = [t.name for t in get_scheme(scheme_key).tiers]
    if tier not in names:
        return [tier]
    at = names.index(tier)
    return names[max(0, at - 1) : at + 2]


def _unit(matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    unit: np.ndarray[Any, Any] = np.divide(
        matrix, norms, out=np.zeros_like(matrix), where=norms > 0
    )
    return unit


def _ranked(seed: Any, rows: list[Any]) -> list[tuple[Any, dict[str, float | None]]]:
    if not rows:
        return []
    niche = _unit(np.array([r.niche_vector for r in rows], dtype=np.float32))
    niche_seed = _unit(np.array(seed.niche_vector, dtype=np.float32))
    content = np.stack([from_bytes(r.content_vector) for r in rows])
    content_seed = from_bytes(seed.content_vector)
    niche_sim = np.clip(niche @ niche_seed, 0.0, 1.0)
    content_sim = np.clip(content @ content_seed, 0.0, 1.0)
    scored = []
    for index, row in enumerate(rows):
        audience = audience_similarity(seed.audience or {}, row.audience or {})
        sims: dict[str, float | None] = {
            "niche": float(niche_sim[index]),
            "content": float(content_sim[index]),
            "audience": audience,
        }
        scored.append((row, sims, combined(sims)))
    scored.sort(key=lambda item: (-item[2], item[0].doc_id))
    return [(row, {**sims, "total": total}) for row, sims, total in scored]


def combined(sims: Mapping[str, float | None]) -> float:
    """The weighted mean of the similarities measured (audience is often unknown)."""
    known = {k: v for k, v in sims.items() if k in WEIGHTS and v is not None}
    weight = sum(WEIGHTS[k] for k in known)
    return sum(WEIGHTS[k] * v for k, v in known.items()) / weight if weight else 0.0


def audience_similarity(
    a: Mapping[str, Mapping[str, float]], b: Mapping[str, Mapping[str, float]]
) -> float | None:
    """1 minus the total-variation distance, averaged over the dimensions both accounts have
    (country, age, gender); None when they share none."""
    scores = []
    for dimension in ("country", "age", "gender"):
        left, right = a.get(dimension) or {}, b.get(dimension) or {}
        if left and right:
            keys = set(left) | set(right)
            distance = 0.5 * sum(abs(left.get(k, 0.0) - right.get(k, 0.0)) for k in keys)
            scores.append(max(0.0, 1.0 - distance))
    return sum(scores) / len(scores) if scores else None


def _item(seed: Any, row: Any, sims: dict[str, float | None]) -> LookalikeItem:
    return LookalikeItem(
        item=item_out(row),
        similarity=round(sims["total"] or 0.0, 4),
        niche_similarity=round(sims["niche"] or 0.0, 4),
        content_similarity=round(sims["content"] or 0.0, 4),
        audience_similarity=None if sims["audience"] is None else round(sims["audience"], 4),
        reason=reason(seed, row, sims),
    )


def reason(seed: Any, row: Any, sims: Mapping[str, float | None]) -> str:
    """Why the account is like the seed, in one line."""
    shared = [
        n
        for n in _top_niches(seed.niche_vector)
        if dict(zip(NICHES, row.niche_vector, strict=False)).get(n, 0.0) >= 0.5
    ]
    parts = [f"also posts about {', '.join(shared)}" if shared else "related niches"]
    content = sims.get("content") or 0.0
    if content >= 0.3:
        parts.append(f"similar words and hashtags ({content:.0%})")
    audience = sims.get("audience")
    if audience is not None:
        parts.append(f"audience overlap {audience:.0%}")
    if row.country and row.country == seed.country:
        parts.append(f"also based in {row.country}")
    return "; ".join(parts)
