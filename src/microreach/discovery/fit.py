"""Brand fit: a pure 0-100 score of a brand profile against one creator's facts, with every
factor's contribution in whole points that add up to the score exactly (docs/discovery.md,
"Brand fit").

Factors and their ceilings: niche match 40, audience match 25, engagement and authenticity
35 (20 + 15), brand-safety keywords down to -40, competitor work down to -20. A factor the
brand leaves open (no niches, no audience target) or the data cannot measure (no score yet)
counts half its ceiling, said so in its explanation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from microreach.discovery.search.tokens import document
from microreach.science.signals import apportion, ramp

NICHE_POINTS = 40
AUDIENCE_POINTS = 25
ENGAGEMENT_POINTS = 20
AUTHENTICITY_POINTS = 15
SAFETY_PENALTY = 15  # per keyword found
SAFETY_FLOOR = -40
COMPETITOR_PENALTY = 10  # per competitor found
COMPETITOR_FLOOR = -20


@dataclass(frozen=True, slots=True)
class Brand:
    """The brand profile as plain data (discovery.schemas.BrandProfile without validation)."""

    niches: Sequence[str] = ()
    countries: Sequence[str] = ()
    languages: Sequence[str] = ()
    age_bands: Sequence[str] = ()
    gender: str | None = None
    competitors: Sequence[str] = ()
    safety_keywords: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class CreatorFacts:
    """What fit reads about one creator account."""

    niches: Mapping[str, float]  # confidence per niche
    country: str | None
    language: str | None
    audience: Mapping[str, Mapping[str, float]]  # dimension -> key -> share
    er_percentile: float | None
    authenticity: int | None
    search_doc: str = ""  # discovery.search.tokens words of bio, captions, hashtags
    mentions: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Factor:
    key: str
    label: str
    points: int
    max_points: int
    explanation: str


@dataclass(frozen=True, slots=True)
class Fit:
    score: int
    factors: tuple[Factor, ...]


def fit(brand: Brand, creator: CreatorFacts) -> Fit:
    """The fit score and its factors; ``sum(f.points for f in factors) == score``."""
    parts = [
        _niche(brand, creator),
        _audience(brand, creator),
        _engagement(creator),
        _safety(brand, creator),
        _competitors(brand, creator),
    ]
    raw = [value for _, _, value, _, _ in parts]
    unclamped = round(sum(raw))
    score = min(100, max(0, unclamped))
    points = apportion(raw, score, scale=score != unclamped)
    factors = tuple(
        Factor(key, label, p, ceiling, why)
        for (key, label, _, ceiling, why), p in zip(parts, points, strict=True)
    )
    return Fit(score, factors)


def fit_score(brand: Brand, creator: CreatorFacts) -> int:
    """``fit(brand, creator).score`` without apportioning the factors' points, for ranking
    many candidates (their explanations are only needed for the page shown)."""
    raw = [
        _niche(brand, creator)[2],
        _audience(brand, creator)[2],
        _engagement(creator)[2],
        _safety(brand, creator)[2],
        _competitors(brand, creator)[2],
    ]
    return min(100, max(0, round(sum(raw))))


_Part = tuple[str, str, float, int, str]


def _niche(brand: Brand, creator: CreatorFacts) -> _Part:
    label = "Niche match"
    if not brand.niches:
        return ("niche", label, NICHE_POINTS / 2, NICHE_POINTS, "the brand named no niche")
    best = max(brand.niches, key=lambda n: (creator.niches.get(n, 0.0), n))
    confidence = creator.niches.get(best, 0.0)
    why = f"{best}: confidence {confidence:.0%}"
    return ("niche", label, NICHE_POINTS * confidence, NICHE_POINTS, why)


def _audience(brand: Brand, creator: CreatorFacts) -> _Part:
    label = "Audience match"
    shares: list[float] = []
    notes: list[str] = []
    countries = creator.audience.get("country") or {}
    if brand.countries:
        if countries:
            share = sum(countries.get(c, 0.0) for c in brand.countries)
            notes.append(f"{share:.0%} of the audience in {', '.join(brand.countries)}")
        else:
            share = 1.0 if creator.country in brand.countries else 0.0
            notes.append(f"creator based in {creator.country or 'unknown'} (audience unknown)")
        shares.append(ramp(share, 0.0, 0.6))
    if brand.languages:
        inside = creator.language in brand.languages
        notes.append(f"posts in {creator.language or 'unknown'}")
        shares.append(1.0 if inside else 0.0)
    ages = creator.audience.get("age") or {}
    if brand.age_bands and ages:
        share = sum(ages.get(a, 0.0) for a in brand.age_bands)
        notes.append(f"{share:.0%} aged {', '.join(brand.age_bands)}")
        shares.append(ramp(share, 0.0, 0.7))
    genders = creator.audience.get("gender") or {}
    if brand.gender and genders:
        share = genders.get(brand.gender, 0.0)
        notes.append(f"{share:.0%} {brand.gender}")
        shares.append(ramp(share, 0.2, 0.8))
    if not shares:
        return ("audience", label, AUDIENCE_POINTS / 2, AUDIENCE_POINTS, "no audience target")
    value = AUDIENCE_POINTS * sum(shares) / len(shares)
    return ("audience", label, value, AUDIENCE_POINTS, "; ".join(notes))


def _engagement(creator: CreatorFacts) -> _Part:
    ceiling = ENGAGEMENT_POINTS + AUTHENTICITY_POINTS
    notes = []
    if creator.er_percentile is None:
        engagement = ENGAGEMENT_POINTS / 2
        notes.append("engagement not ranked yet")
    else:
        engagement = ENGAGEMENT_POINTS * creator.er_percentile / 100
        notes.append(f"engagement at the {creator.er_percentile:.0f}th percentile of peers")
    if creator.authenticity is None:
        authenticity = AUTHENTICITY_POINTS / 2
        notes.append("authenticity not scored")
    else:
        authenticity = AUTHENTICITY_POINTS * creator.authenticity / 100
        notes.append(f"authenticity {creator.authenticity}/100")
    label = "Engagement and authenticity"
    return ("engagement", label, engagement + authenticity, ceiling, "; ".join(notes))


def found_phrases(phrases: Sequence[str], search_doc: str) -> list[str]:
    """The phrases whose words appear together, in order, in the search document."""
    padded = f" {search_doc} "
    found = []
    for phrase in phrases:
        words = document(phrase)
        if words and f" {words} " in padded:
            found.append(phrase)
    return found


def _safety(brand: Brand, creator: CreatorFacts) -> _Part:
    label = "Brand safety"
    found = found_phrases(brand.safety_keywords, creator.search_doc)
    value = max(SAFETY_FLOOR, -SAFETY_PENALTY * len(found))
    why = f"found: {', '.join(found)}" if found else "no safety keyword found"
    if not brand.safety_keywords:
        why = "the brand listed no safety keyword"
    return ("safety", label, float(value), SAFETY_FLOOR, why)


def _competitors(brand: Brand, creator: CreatorFacts) -> _Part:
    label = "Competitor work"
    mentions = {m.lower().lstrip("@") for m in creator.mentions}
    found = [
        c
        for c in brand.competitors
        if c.lower().lstrip("@") in mentions or found_phrases([c], creator.search_doc)
    ]
    value = max(COMPETITOR_FLOOR, -COMPETITOR_PENALTY * len(found))
    why = f"recent posts mention {', '.join(found)}" if found else "no competitor in recent posts"
    if not brand.competitors:
        why = "the brand listed no competitor"
    return ("competitors", label, float(value), COMPETITOR_FLOOR, why)
