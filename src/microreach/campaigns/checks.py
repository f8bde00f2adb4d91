"""Live posts: which platform and post a URL names, and whether the post meets the brief
(required hashtags and mentions, and a disclosure found by science.disclosure)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from microreach.creators.enums import Platform
from microreach.kit.errors import InvalidError
from microreach.science.disclosure import detect_disclosure
from microreach.science.observations import PostObservation

URL_MAX = 500
_HOSTS = {
    "instagram.com": Platform.INSTAGRAM,
    "tiktok.com": Platform.TIKTOK,
    "youtube.com": Platform.YOUTUBE,
    "youtu.be": Platform.YOUTUBE,
    "facebook.com": Platform.FACEBOOK,
    "fb.watch": Platform.FACEBOOK,
    "x.com": Platform.X,
    "twitter.com": Platform.X,
    "twitch.tv": Platform.TWITCH,
    "pinterest.com": Platform.PINTEREST,
    "linkedin.com": Platform.LINKEDIN,
}
# Path patterns whose first group is the platform's post id.
_POST_IDS: dict[Platform, tuple[re.Pattern[str], ...]] = {
    Platform.INSTAGRAM: (re.compile(r"^/(?:[\w.]+/)?(?:p|reel|reels|tv)/([\w-]+)"),),
    Platform.TIKTOK: (re.compile(r"^/@[\w.]+/(?:video|photo)/(\d+)"),),
    Platform.YOUTUBE: (re.compile(r"^/(?:shorts|live)/([\w-]{6,})"), re.compile(r"^/([\w-]{6,})$")),
    Platform.X: (re.compile(r"^/\w+/status/(\d+)"),),
    Platform.PINTEREST: (re.compile(r"^/pin/(\d+)"),),
}
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.]+[A-Za-z0-9_])")


@dataclass(frozen=True, slots=True)
class PostAddress:
    url: str
    platform: Platform
    platform_post_id: str | None


def parse_post_url(raw: str) -> PostAddress:
    """The platform and post id of a live post's address; InvalidError when it names none."""
    url = raw.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    host = host.removeprefix("vm.").removeprefix("mobile.")
    if len(url) > URL_MAX or parts.scheme not in ("https", "http") or host not in _HOSTS:
        known = ", ".join(sorted({p.value for p in _HOSTS.values()}))
        raise InvalidError(
            f"Enter the post's https:// address on a platform microreach knows ({known}).",
            field="post_url",
        )
    platform = _HOSTS[host]
    post_id = None
    if platform is Platform.YOUTUBE and parts.path == "/watch":
        values = parse_qs(parts.query).get("v")
        post_id = values[0] if values else None
    else:
        for pattern in _POST_IDS.get(platform, ()):
            match = pattern.match(parts.path)
            if match:
                post_id = match.group(1)
                break
    return PostAddress(url=url, platform=platform, platform_post_id=post_id)


def normalise_tags(values: list[str], prefix: str, field: str) -> list[str]:
    """["#Summer", "summer ", "@Brand"] -> ["summer", "brand"]: lower case, no prefix, unique."""
    seen: list[str] = []
    for value in values:
        tag = value.strip().lstrip(prefix).strip().lower()
        if not tag:
            continue
        if not re.fullmatch(r"[\w.]{1,100}", tag):
            raise InvalidError(f"{value.strip()} is not a valid {prefix}tag.", field=field)
        if tag not in seen:
            seen.append(tag)
    return seen


@dataclass(frozen=True, slots=True)
class Compliance:
    """The result of checking a live post against the brief."""

    caption_known: bool
    passed: bool
    missing_hashtags: tuple[str, ...]
    missing_mentions: tuple[str, ...]
    disclosure_required: bool
    disclosed: bool
    disclosure_how: str | None
    problems: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in data.items()
        }


def check_post(
    caption: str | None,
    hashtags: tuple[str, ...],
    mentions: tuple[str, ...],
    is_paid_partnership: bool,
    posted_at: datetime,
    required_hashtags: list[str],
    required_mentions: list[str],
    disclosure_required: bool,
) -> Compliance:
    """Required hashtags and mentions (case-insensitive, in the caption or the platform's
    fields) and, when required, a disclosure (platform flag or marker, science.disclosure)."""
    if caption is None:
        return Compliance(
            False,
            False,
            (),
            (),
            disclosure_required,
            False,
            None,
            ("The caption is not known yet: add it, or wait for a refresh.",),
        )
    tags = {t.lower().lstrip("#") for t in hashtags} | {
        t.lower() for t in _HASHTAG.findall(caption)
    }
    handles = {m.lower().lstrip("@") for m in mentions} | {
        m.lower() for m in _MENTION.findall(caption)
    }
    missing_tags = tuple(t for t in required_hashtags if t not in tags)
    missing_mentions = tuple(m for m in required_mentions if m not in handles)
    observation = PostObservation(
        posted_at=posted_at,
        post_type="post",
        likes=None,
        comments=None,
        caption=caption,
        hashtags=tuple(hashtags),
        mentions=tuple(mentions),
        is_paid_partnership=is_paid_partnership,
    )
    disclosure = detect_disclosure(observation)
    problems = [f"missing #{t}" for t in missing_tags]
    problems += [f"missing @{m}" for m in missing_mentions]
    if disclosure_required and not disclosure.disclosed:
        problems.append(
            "no disclosure: add #ad (or the platform's paid-partnership label) to the post"
        )
    return Compliance(
        caption_known=True,
        passed=not problems,
        missing_hashtags=missing_tags,
        missing_mentions=missing_mentions,
        disclosure_required=disclosure_required,
        disclosed=disclosure.disclosed,
        disclosure_how=disclosure.how,
        problems=tuple(problems),
    )
