"""Pydantic shapes of discovery: search parameters and brand profiles in, pages, fit
explanations, lookalikes and plans out."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from microreach.creators.enums import Platform
from microreach.science.niches import NICHES

PAGE_SIZE_DEFAULT = 25
PAGE_SIZE_MAX = 100
MAX_COUNT = 2**63 - 1
AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("female", "male")
MAX_LIST = 20


_BRAND_PARAMS = {
    "name": "brand_name",
    "niches": "brand_niche",
    "countries": "brand_country",
    "languages": "brand_language",
    "age_bands": "brand_age",
    "gender": "brand_gender",
    "keywords": "brand_keyword",
    "competitors": "competitor",
    "safety_keywords": "safety_keyword",
}
"""Query parameter of each brand profile field, for error messages."""


class SearchSort(StrEnum):
    RELEVANCE = "relevance"  # keyword relevance; needs q
    ENGAGEMENT = "engagement"  # engagement percentile among peers
    AUTHENTICITY = "authenticity"
    FOLLOWERS = "followers"
    FIT = "fit"  # brand fit; needs a brand profile


def _blank_to_default(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    field = cls.model_fields[str(info.field_name)]
    if isinstance(value, str) and value.strip() == "":
        return field.default
    if isinstance(value, list):
        cleaned = [v.strip() if isinstance(v, str) else v for v in value]
        return [v for v in cleaned if v != ""]
    return value.strip() if isinstance(value, str) else value


def _codes(values: list[str], length: int, field: str) -> list[str]:
    out = []
    for value in values:
        if len(value) != length or not value.isalpha() or not value.isascii():
            raise ValueError(f"{value!r} is not a {length}-letter code")
        out.append(value.upper() if field == "country" else value.lower())
    return out


class BrandProfile(BaseModel):
    """What a brand wants, sent with the request until brand profiles are stored (campaigns)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(default="Brand", max_length=120)
    niches: list[str] = Field(default_factory=list, max_length=len(NICHES))
    countries: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    languages: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    age_bands: list[str] = Field(default_factory=list, max_length=len(AGE_BANDS))
    gender: str | None = Field(default=None, description="female or male")
    keywords: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    competitors: list[str] = Field(
        default_factory=list,
        max_length=MAX_LIST,
        description="Competitor handles or names; found in recent posts they lower the fit.",
    )
    safety_keywords: list[str] = Field(
        default_factory=list,
        max_length=MAX_LIST,
        description="Words or phrases the brand must not be next to.",
    )

    @field_validator("niches")
    @classmethod
    def _known_niches(cls, values: list[str]) -> list[str]:
        return [known_niche(v) for v in values]

    @field_validator("countries")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        return _codes(values, 2, "country")

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        return _codes(values, 2, "language")

    @field_validator("age_bands")
    @classmethod
    def _ages(cls, values: list[str]) -> list[str]:
        for value in values:
            if value not in AGE_BANDS:
                raise ValueError(f"unknown age band {value!r}; known: {', '.join(AGE_BANDS)}")
        return values

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value is not None and value not in GENDERS:
            raise ValueError(f"unknown gender {value!r}; known: {', '.join(GENDERS)}")
        return value

    @field_validator("keywords", "competitors", "safety_keywords")
    @classmethod
    def _phrases(cls, values: list[str]) -> list[str]:
        for value in values:
            if len(value) > 60 or not value.isprintable():
                raise ValueError("each entry must be printable and at most 60 characters")
        return values

    @property
    def is_empty(self) -> bool:
        return not (
            self.niches or self.countries or self.languages or self.age_bands or self.gender
        ) and not (self.keywords or self.competitors or self.safety_keywords)


def known_niche(value: str) -> str:
    if value not in NICHES:
        raise ValueError(f"unknown niche {value!r}; known: {', '.join(NICHES)}")
    return value


class SearchParams(BaseModel):
    """Filters, keywords, order and page of a discovery search; blank values mean "not set".

    Brand-profile fields (``brand_*``) give every result a fit score and allow sort=fit."""

    model_config = ConfigDict(frozen=True)

    q: str | None = Field(
        default=None,
        max_length=200,
        description="Keywords in bio, captions and hashtags; every word must appear; "
        "a trailing * matches as a prefix (bak* finds baking, bakery).",
    )
    platform: list[Platform] = Field(default_factory=list, max_length=len(Platform))
    tier: list[str] = Field(default_factory=list, max_length=10)
    min_followers: int | None = Field(default=None, ge=500, le=MAX_COUNT)
    max_followers: int | None = Field(default=None, ge=500, le=MAX_COUNT)
    niche: list[str] = Field(default_factory=list, max_length=len(NICHES))
    min_er: float | None = Field(default=None, ge=0, le=10, description="Typical ER, fraction.")
    max_er: float | None = Field(default=None, ge=0, le=10)
    min_er_percentile: float | None = Field(default=None, ge=0, le=100)
    min_authenticity: int | None = Field(default=None, ge=0, le=100)
    min_relationship: int | None = Field(default=None, ge=0, le=100)
    country: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    language: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    audience_country: str | None = Field(default=None, description="Audience country (ISO-2).")
    audience_age: str | None = Field(default=None, description="Audience age band, e.g. 18-24.")
    audience_gender: str | None = Field(default=None, description="female or male")
    min_audience_share: float = Field(
        default=0.2, ge=0, le=1, description="Share the audience filters ask for (default 20%)."
    )
    min_growth: float | None = Field(default=None, ge=-100, le=10_000, description="30-day %.")
    max_growth: float | None = Field(default=None, ge=-100, le=10_000)
    max_sponsored_share: float | None = Field(default=None, ge=0, le=1)
    active_within_days: int | None = Field(default=None, ge=1, le=3650)
    has_email: bool | None = None
    sort: SearchSort | None = Field(
        default=None, description="Default: relevance with q, fit with a brand, else engagement."
    )
    limit: int = Field(default=PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX)
    cursor: str | None = Field(default=None, max_length=400)
    facets: bool = Field(default=False, description="Also count results per filter value.")
    brand_name: str | None = Field(default=None, max_length=120)
    brand_niche: list[str] = Field(default_factory=list, max_length=len(NICHES))
    brand_country: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    brand_language: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    brand_age: list[str] = Field(default_factory=list, max_length=len(AGE_BANDS))
    brand_gender: str | None = None
    brand_keyword: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    competitor: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    safety_keyword: list[str] = Field(default_factory=list, max_length=MAX_LIST)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        return _blank_to_default(cls, value, info)

    @field_validator("niche")
    @classmethod
    def _known_niches(cls, values: list[str]) -> list[str]:
        return [known_niche(v) for v in values]

    @field_validator("country", "audience_country")
    @classmethod
    def _countries(cls, value: Any) -> Any:
        if value is None:
            return None
        return (
            _codes(value, 2, "country")
            if isinstance(value, list)
            else _codes([value], 2, "country")[0]
        )

    @field_validator("language")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        return _codes(values, 2, "language")

    @field_validator("audience_age")
    @classmethod
    def _age(cls, value: str | None) -> str | None:
        if value is not None and value not in AGE_BANDS:
            raise ValueError(f"unknown age band {value!r}; known: {', '.join(AGE_BANDS)}")
        return value

    @field_validator("audience_gender")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value is not None and value not in GENDERS:
            raise ValueError(f"unknown gender {value!r}; known: {', '.join(GENDERS)}")
        return value

    @field_validator("q")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and not value.isprintable():
            raise ValueError("must be printable text")
        return value

    @model_validator(mode="after")
    def _brand_is_valid(self) -> Self:
        """The ``brand_*`` fields must make a valid brand profile; errors name the parameter."""
        try:
            self.brand()
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "brand"
                param = _BRAND_PARAMS.get(field, field)
                problems.append(f"{param}: {error['msg']}")
            raise ValueError("; ".join(problems)) from None
        return self

    def brand(self) -> BrandProfile | None:
        """The brand profile the ``brand_*`` fields describe, or None when none is set."""
        profile = BrandProfile(
            name=self.brand_name or "Brand",
            niches=self.brand_niche,
            countries=self.brand_country,
            languages=self.brand_language,
            age_bands=self.brand_age,
            gender=self.brand_gender,
            keywords=self.brand_keyword,
            competitors=self.competitor,
            safety_keywords=self.safety_keyword,
        )
        return None if profile.is_empty and not self.brand_name else profile


class FitFactor(BaseModel):
    key: str
    label: str
    points: int = Field(description="Signed points; the factors' points add up to the score.")
    max_points: int
    explanation: str


class FitOut(BaseModel):
    score: int = Field(ge=0, le=100)
    factors: list[FitFactor]


class NicheShare(BaseModel):
    niche: str
    confidence: float


class ResultItem(BaseModel):
    account_id: uuid.UUID
    creator_id: uuid.UUID
    creator_name: str
    platform: str
    handle: str
    display_name: str | None
    followers: int
    tier: str
    niches: list[NicheShare]
    country: str | None
    language: str | None
    er_typical: float | None
    er_low: float | None
    er_high: float | None
    er_percentile: float | None
    authenticity: int | None
    relationship: int | None
    follower_growth_30d: float | None
    sponsored_share: float | None
    last_post_at: datetime | None
    has_email: bool
    fit: FitOut | None = None
    relevance: float | None = None


class FacetCount(BaseModel):
    value: str
    count: int


class SearchPage(BaseModel):
    items: list[ResultItem]
    next_cursor: str | None
    sort: SearchSort
    fit_ranked_among: int | None = Field(
        default=None,
        description="With sort=fit: how many of the matches were ranked by fit (at most "
        "FIT_CANDIDATES = 1,000, the best by engagement percentile and authenticity).",
    )
    relevance_ranked_among: int | None = Field(
        default=None,
        description="With sort=relevance: how many of the matches were ranked by relevance (at "
        "most RELEVANCE_CANDIDATES = 1,000, the best by engagement percentile and "
        "authenticity).",
    )
    facets: dict[str, list[FacetCount]] | None = None
    facets_among: int | None = Field(
        default=None,
        description="Set when more accounts matched than the facets counted (FACET_CAP = "
        "1,000): the counts are over the best that many matches by engagement percentile and "
        "authenticity, so each is a lower bound.",
    )


class FitRequest(BaseModel):
    brand: BrandProfile
    account_ids: list[uuid.UUID] = Field(min_length=1, max_length=PAGE_SIZE_MAX)


class FitResult(BaseModel):
    account_id: uuid.UUID
    handle: str
    fit: FitOut


class LookalikeItem(BaseModel):
    item: ResultItem
    similarity: float = Field(description="0-1: weighted niche, content and audience cosine.")
    niche_similarity: float
    content_similarity: float
    audience_similarity: float | None
    reason: str


class LookalikePage(BaseModel):
    seed: ResultItem
    items: list[LookalikeItem]
    candidates: int


class Goal(StrEnum):
    ENGAGEMENTS = "engagements"
    CLICKS = "clicks"
    REACH = "reach"


class PlanRequest(BaseModel):
    budget: float = Field(gt=0, le=100_000_000, description="In the rate card currency (USD).")
    goal: Goal = Goal.ENGAGEMENTS
    filters: SearchParams = Field(default_factory=SearchParams)
    max_creators: int = Field(default=50, ge=1, le=500)
    candidates: int = Field(default=2000, ge=10, le=20000)


class PlanPick(BaseModel):
    account_id: uuid.UUID
    handle: str
    platform: str
    tier: str
    followers: int
    primary_niche: str | None
    country: str | None
    cost: float
    cost_estimated: bool
    expected: float
    expected_low: float
    expected_high: float
    overlap_discount: float = Field(description="Share of the value lost to audience overlap.")


class PlanSummary(BaseModel):
    picks: list[PlanPick]
    cost: float
    expected: float
    expected_low: float
    expected_high: float


class PlanOut(BaseModel):
    goal: Goal
    budget: float
    plan: PlanSummary
    all_macro: PlanSummary
    assumptions: list[str]
