"""Creator reads: filtered account pages with opaque cursors, creator detail, follower tiers."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from microreach.config import Settings
from microreach.creators import repository
from microreach.creators.enums import Platform
from microreach.creators.models import Creator, PlatformAccount, Post, PostSnapshot
from microreach.creators.repository import AccountFilters, FollowerRange, Keyset
from microreach.creators.schemas import (
    MAX_COUNT,
    RECENT_POSTS_PER_ACCOUNT,
    AccountDetail,
    AccountOut,
    AccountPage,
    CreatorDetail,
    CreatorListParams,
    CreatorSort,
    FollowerPoint,
    PostMetrics,
    PostOut,
    TierOut,
    TierSchemeOut,
)
from microreach.kit.errors import InvalidError, NotFoundError
from microreach.science.tiers import Tier, get_scheme, tier_for
from microreach.scores import service as scores_service
from microreach.scores.service import AccountScoresOut

BAD_CURSOR = "is not a cursor from this API; drop it to start from the first page"


def tier_scheme(settings: Settings, key: str | None = None) -> TierSchemeOut:
    """The tier scheme ``key`` (default: the configured one) with its tiers, smallest first."""
    scheme = get_scheme(key or settings.tier_scheme)
    tiers = [TierOut(name=tier.name, label=tier.label) for tier in scheme.tiers]
    return TierSchemeOut(key=scheme.key, title=scheme.title, tiers=tiers)


def list_accounts(session: Session, settings: Settings, params: CreatorListParams) -> AccountPage:
    """One page of accounts matching ``params``, with the cursor of the next page."""
    scheme = params.tier_scheme or settings.tier_scheme
    after = decode_cursor(params.cursor, params.sort) if params.cursor else None
    filters = AccountFilters(
        platform=params.platform,
        min_followers=params.min_followers,
        max_followers=params.max_followers,
        follower_ranges=tier_ranges(scheme, params.tier) if params.tier else None,
        search=params.q,
    )
    rows = repository.list_accounts(session, filters, params.sort, after, params.limit + 1)
    page = rows[: params.limit]
    next_cursor = encode_cursor(params.sort, page[-1]) if len(rows) > params.limit else None
    items = [_account_out(account, scheme) for account in page]
    return AccountPage(items=items, next_cursor=next_cursor)


def has_accounts(session: Session) -> bool:
    return repository.any_accounts(session)


def get_creator(
    session: Session, settings: Settings, creator_id: uuid.UUID, scheme: str | None = None
) -> CreatorDetail:
    """The creator, its accounts with tiers (under ``scheme``, default the configured one),
    recent posts, follower history and scores."""
    creator = repository.get_creator(session, creator_id)
    if creator is None:
        raise NotFoundError(f"No creator with id {creator_id}.")
    account_ids = [account.id for account in creator.accounts]
    posts = repository.recent_posts(session, account_ids, RECENT_POSTS_PER_ACCOUNT)
    snapshots = repository.latest_post_snapshots(session, [post.id for post in posts])
    posts_by_account: dict[uuid.UUID, list[PostOut]] = defaultdict(list)
    for post in posts:
        posts_by_account[post.account_id].append(_post_out(post, snapshots.get(post.id)))
    history: dict[uuid.UUID, list[FollowerPoint]] = defaultdict(list)
    for account_id, captured_at, followers in repository.follower_series(session, account_ids):
        history[account_id].append(FollowerPoint(captured_at=captured_at, followers=followers))
    scores = scores_service.account_scores(session, account_ids)
    return _creator_detail(
        creator, scheme or settings.tier_scheme, posts_by_account, history, scores
    )


def tier_ranges(scheme_key: str, tier_name: str) -> tuple[FollowerRange, ...]:
    """Follower ranges an account must fall in to be in ``tier_name``, per platform if the
    scheme has per-platform ladders; InvalidError for a name the scheme does not have."""
    scheme = get_scheme(scheme_key)
    ladders: list[tuple[Platform | None, tuple[Tier, ...]]] = [(None, scheme.tiers)]
    if scheme.per_platform:
        ladders = [(platform, scheme.tiers_for(platform.value)) for platform in Platform]
    ranges = tuple(
        FollowerRange(tier.lower, tier.upper, platform)
        for platform, ladder in ladders
        for tier in ladder
        if tier.name == tier_name
    )
    if not ranges:
        known = ", ".join(tier.name for tier in scheme.tiers)
        raise InvalidError(f"unknown tier {tier_name!r}; known tiers: {known}", field="tier")
    return ranges


def encode_cursor(sort: CreatorSort, account: PlatformAccount) -> str:
    """An opaque token for the position just after ``account`` in ``sort`` order."""
    key: int | str = account.handle if sort is CreatorSort.HANDLE else account.followers
    raw = json.dumps([sort.value, key, str(account.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: CreatorSort) -> Keyset:
    """The position a cursor names; InvalidError when it is malformed or for another sort."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor_sort, key, row_id = json.loads(raw)
        keyset = Keyset(key=key, id=uuid.UUID(row_id))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidError(BAD_CURSOR, field="cursor") from None
    if cursor_sort != sort.value:
        raise InvalidError(
            f"was issued for sort={cursor_sort}, not sort={sort.value}; "
            "keep the sort of the first page or drop the cursor",
            field="cursor",
        )
    if not _key_fits(sort, keyset.key):
        raise InvalidError(BAD_CURSOR, field="cursor")
    return keyset


def _key_fits(sort: CreatorSort, key: object) -> bool:
    if sort is CreatorSort.HANDLE:
        return isinstance(key, str) and len(key) <= 100
    return isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= MAX_COUNT


def _tier_out(followers: int, platform: Platform, scheme: str) -> TierOut:
    tier = tier_for(followers, platform.value, scheme)
    return TierOut(name=tier.name, label=tier.label)


def _account_out(account: PlatformAccount, scheme: str) -> AccountOut:
    return AccountOut(
        **_account_fields(account, scheme),
        creator_id=account.creator.id,
        creator_name=account.creator.name,
    )


def _account_fields(account: PlatformAccount, scheme: str) -> dict[str, object]:
    return {
        "id": account.id,
        "platform": account.platform,
        "handle": account.handle,
        "display_name": account.display_name,
        "followers": account.followers,
        "following": account.following,
        "media_count": account.media_count,
        "country": account.country,
        "language": account.language,
        "verified": account.verified,
        "tier": _tier_out(account.followers, account.platform, scheme),
    }


def _post_out(post: Post, snapshot: PostSnapshot | None) -> PostOut:
    metrics = None
    if snapshot is not None:
        metrics = PostMetrics(
            captured_at=snapshot.captured_at,
            likes=snapshot.likes,
            comments=snapshot.comments,
            views=snapshot.views,
        )
    return PostOut(
        id=post.id,
        platform_post_id=post.platform_post_id,
        url=post.url,
        post_type=post.post_type,
        caption=post.caption,
        posted_at=post.posted_at,
        is_paid_partnership=post.is_paid_partnership,
        metrics=metrics,
    )


def _creator_detail(
    creator: Creator,
    scheme: str,
    posts: dict[uuid.UUID, list[PostOut]],
    history: dict[uuid.UUID, list[FollowerPoint]],
    scores: dict[uuid.UUID, AccountScoresOut],
) -> CreatorDetail:
    accounts = [
        AccountDetail(
            **_account_fields(account, scheme),
            bio=account.bio,
            external_url=account.external_url,
            last_captured_at=account.last_captured_at,
            recent_posts=posts.get(account.id, []),
            follower_history=history.get(account.id, []),
            scores=scores.get(account.id),
        )
        for account in creator.accounts
    ]
    return CreatorDetail(
        id=creator.id,
        name=creator.name,
        kind=creator.kind,
        source=creator.source,
        created_at=creator.created_at,
        accounts=accounts,
    )


# Small reads for other domains (campaigns): plain values, never rows.


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: uuid.UUID
    creator_id: uuid.UUID
    platform: Platform
    handle: str
    display_name: str | None


@dataclass(frozen=True, slots=True)
class PostRef:
    id: uuid.UUID
    account_id: uuid.UUID
    platform_post_id: str
    url: str | None
    post_type: str
    caption: str
    hashtags: tuple[str, ...]
    mentions: tuple[str, ...]
    is_paid_partnership: bool
    posted_at: datetime


def accounts_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, AccountRef]:
    """The platform accounts with these ids (unknown ids are left out)."""
    return {
        account.id: AccountRef(
            account.id, account.creator_id, account.platform, account.handle, account.display_name
        )
        for account in repository.accounts_by_ids(session, list(ids))
    }


def contact_emails(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """Account id -> its creator's contact email, or None (unknown ids are left out)."""
    return repository.contact_emails(session, list(ids))


def find_post(
    session: Session, platform: Platform, platform_post_id: str | None, url: str | None
) -> PostRef | None:
    """A stored post on ``platform``, looked up by its platform post id, else its URL."""
    post = repository.find_post(session, platform, platform_post_id, url)
    if post is None:
        return None
    return PostRef(
        id=post.id,
        account_id=post.account_id,
        platform_post_id=post.platform_post_id,
        url=post.url,
        post_type=post.post_type.value,
        caption=post.caption or "",
        hashtags=tuple(post.hashtags or ()),
        mentions=tuple(post.mentions or ()),
        is_paid_partnership=post.is_paid_partnership,
        posted_at=post.posted_at,
    )
