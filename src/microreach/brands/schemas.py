"""Pydantic shapes of the brand profile: in (checked) and out."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from microreach.science.niches import NICHES

AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("female", "male", "other")
MAX_ITEMS = 50
Word = Annotated[str, Field(min_length=1, max_length=100)]
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


class BrandProfileIn(BaseModel):
    """Who the brand is and whom it wants to reach."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    website: Annotated[str | None, Field(max_length=500)] = None
    niches: Annotated[list[str], Field(max_length=len(NICHES))] = []
    countries: Annotated[
        list[str], Field(max_length=MAX_ITEMS, description="ISO 3166-1 alpha-2")
    ] = []
    languages: Annotated[list[str], Field(max_length=MAX_ITEMS, description="ISO 639-1")] = []
    age_bands: Annotated[list[str], Field(max_length=len(AGE_BANDS))] = []
    gender_shares: dict[str, Annotated[StrictInt, Field(ge=0, le=100)]] = Field(
        default={}, description="Whole percentages of female, male, other; at most 100 in all."
    )
    interests: Annotated[list[Word], Field(max_length=MAX_ITEMS)] = []
    keywords: Annotated[list[Word], Field(max_length=MAX_ITEMS)] = []
    competitors: Annotated[list[Word], Field(max_length=MAX_ITEMS)] = []

    @field_validator("website")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _URL.fullmatch(value):
            raise ValueError("enter the address with http:// or https://")
        return value

    @field_validator("niches")
    @classmethod
    def _niches(cls, values: list[str]) -> list[str]:
        return _members([v.strip().lower() for v in values], NICHES, "niche")

    @field_validator("countries")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        codes = _unique([v.strip().upper() for v in values])
        bad = [c for c in codes if not _COUNTRY.fullmatch(c)]
        if bad:
            raise ValueError(f"{', '.join(bad)}: use two-letter country codes such as DE or US")
        return codes

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        codes = _unique([v.strip().lower() for v in values])
        bad = [c for c in codes if not _LANGUAGE.fullmatch(c)]
        if bad:
            raise ValueError(f"{', '.join(bad)}: use two-letter language codes such as en or de")
        return codes

    @field_validator("age_bands")
    @classmethod
    def _age_bands(cls, values: list[str]) -> list[str]:
        return _members([v.strip() for v in values], AGE_BANDS, "age band")

    @field_validator("gender_shares")
    @classmethod
    def _shares(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(GENDERS))
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: use female, male and other")
        if sum(value.values()) > 100:
            raise ValueError(f"the shares add up to {sum(value.values())}%, more than 100%")
        return {k: v for k, v in value.items() if v}

    @field_validator("interests", "keywords", "competitors")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        return _unique([v.strip() for v in values if v.strip()])


class BrandProfileOut(BrandProfileIn):
    model_config = ConfigDict(from_attributes=True)

    updated_at: datetime | None = None


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _members(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    values = _unique(values)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"{', '.join(bad)}: unknown {what}; choose from {', '.join(allowed)}")
    return values
