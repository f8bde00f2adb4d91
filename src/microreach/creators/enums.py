"""Closed vocabularies of the creator domain."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    FACEBOOK = "facebook"
    X = "x"
    TWITCH = "twitch"
    PINTEREST = "pinterest"
    LINKEDIN = "linkedin"


class PostType(StrEnum):
    PHOTO = "photo"
    CAROUSEL = "carousel"
    VIDEO = "video"
    REEL = "reel"
    SHORT = "short"
    STORY = "story"
    LIVE = "live"


class CreatorKind(StrEnum):
    PERSON = "person"
    BRAND = "brand"


class DataSource(StrEnum):
    """Where a row or a measurement came from, shown next to every figure."""

    SYNTHETIC = "synthetic"
    IMPORT = "import"
    API = "api"
    MANUAL = "manual"


class AudienceDimension(StrEnum):
    COUNTRY = "country"
    AGE = "age"
    GENDER = "gender"
