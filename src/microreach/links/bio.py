"""Link-in-bio pages: `/@{handle}` lists a creator's live campaign links, each pointing at its
tracked short link (so every tap is a click like any other); the creator edits the page in the
portal (handle, a short bio line, order, hidden links, a title per link).

Handle: chosen in the portal, unique across the installation, 3 to 30 characters of a-z, 0-9,
'.', '_' and '-', starting and ending with a letter or digit, stored lower-case. A platform
handle is unique only per platform (two people can be @sunny on Instagram and on TikTok), so it
cannot name a page by itself; the portal suggests nothing and the creator picks. `@` never
starts a slug (links.slugs), so `/@handle` cannot shadow a short link.

Which links: those of the campaigns the creator user accepted (through their bound invitations,
read from campaigns.service) while the campaign is active, for the creator and campaign of that
invitation, enabled, not expired, on the app host or an enabled short domain.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from microreach.accounts.enums import UserKind
from microreach.accounts.models import User
from microreach.campaigns import service as campaigns_service
from microreach.campaigns.enums import CampaignStatus
from microreach.config import Settings
from microreach.kit.errors import ConflictError, ForbiddenError, InvalidError
from microreach.links import repository, service
from microreach.links.errors import shown
from microreach.links.models import BioPage, BioPageItem, Link

HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{1,28}[a-z0-9]")
MAX_BIO = 160
MAX_TITLE = 100
MAX_POSITION = 10_000


@dataclass(frozen=True, slots=True)
class BioEntry:
    link_id: uuid.UUID
    title: str
    short_url: str
    hidden: bool
    position: int
    custom_title: str


@dataclass(frozen=True, slots=True)
class BioPageView:
    handle: str
    bio: str
    entries: list[BioEntry]


@dataclass(frozen=True, slots=True)
class BioItemIn:
    link_id: uuid.UUID
    position: int
    title: str
    hidden: bool


def normalise_handle(raw: str) -> str:
    handle = raw.strip().lstrip("@").lower()
    if not HANDLE.fullmatch(handle):
        raise InvalidError(
            f"{shown(raw)} cannot be a handle: use 3 to 30 of a-z, 0-9, '.', '_' and '-', "
            "starting and ending with a letter or digit",
            field="handle",
        )
    return handle


def public_page(
    session: Session, settings: Settings, raw_handle: str, now: datetime
) -> BioPageView | None:
    """The page `/@raw_handle` shows (visible links only), or None when there is none."""
    try:
        handle = normalise_handle(raw_handle)
    except InvalidError:
        return None
    page = repository.bio_page_by_handle(session, handle)
    if page is None:
        return None
    entries = _entries(session, settings, page.user_id, page, now)
    return BioPageView(page.handle, page.bio, [e for e in entries if not e.hidden])


def editor(session: Session, settings: Settings, user: User, now: datetime) -> BioPageView:
    """The creator's page with every live link (hidden ones too); empty handle when unset."""
    _require_creator(user)
    page = repository.bio_page_of_user(session, user.id)
    entries = _entries(session, settings, user.id, page, now)
    return BioPageView(page.handle if page else "", page.bio if page else "", entries)


def save(
    session: Session,
    user: User,
    raw_handle: str,
    bio: str,
    items: list[BioItemIn],
    now: datetime,
) -> BioPage:
    _require_creator(user)
    handle = normalise_handle(raw_handle)
    text = " ".join(bio.split())
    if len(text) > MAX_BIO:
        raise InvalidError(f"has {len(text)} characters; at most {MAX_BIO}", field="bio")
    live = {link.id for link in _live_links(session, user.id, now)}
    rows = [_item_row(item, live) for item in items]
    page = repository.bio_page_of_user(session, user.id)
    if page is None:
        page = BioPage(
            id=uuid.uuid4(),
            user_id=user.id,
            handle=handle,
            bio=text,
            created_at=now,
            updated_at=now,
        )
        if not repository.insert_row(session, page):
            raise ConflictError(f"@{handle} is taken; choose another handle", field="handle")
    elif page.handle != handle:
        holder = repository.bio_page_by_handle(session, handle)
        if holder is not None:
            raise ConflictError(f"@{handle} is taken; choose another handle", field="handle")
        page.handle = handle
    page.bio = text
    page.updated_at = now
    session.flush()
    for row in rows:
        row.page_id = page.id
    repository.replace_bio_items(session, page.id, rows)
    return page


def _item_row(item: BioItemIn, live: set[uuid.UUID]) -> BioPageItem:
    if item.link_id not in live:
        raise InvalidError(f"{item.link_id} is not one of your live links", field="links")
    if not 0 <= item.position <= MAX_POSITION:
        raise InvalidError(f"{item.position} must be from 0 to {MAX_POSITION}", field="links")
    title = " ".join(item.title.split())
    if len(title) > MAX_TITLE:
        raise InvalidError(f"{shown(title)} is longer than {MAX_TITLE} characters", field="links")
    return BioPageItem(
        link_id=item.link_id, position=item.position, hidden=item.hidden, title=title or None
    )


def _live_links(session: Session, user_id: uuid.UUID, now: datetime) -> list[Link]:
    memberships = [
        (m.organisation_id, m.campaign_id, m.creator_id)
        for m in campaigns_service.accepted_memberships_of_user(session, user_id)
        if m.campaign_status is CampaignStatus.ACTIVE
    ]
    return repository.live_links(session, memberships, now)


def _entries(
    session: Session, settings: Settings, user_id: uuid.UUID, page: BioPage | None, now: datetime
) -> list[BioEntry]:
    links = _live_links(session, user_id, now)
    urls = service.short_urls(session, settings, links)
    items = repository.bio_items(session, page.id) if page is not None else {}
    entries = []
    for index, link in enumerate(links):
        item = items.get(link.id)
        custom = (item.title or "") if item else ""
        entries.append(
            BioEntry(
                link_id=link.id,
                title=custom or link.title or _host_of(urls[link.id], link),
                short_url=urls[link.id],
                hidden=item.hidden if item else False,
                position=item.position if item else MAX_POSITION + index,
                custom_title=custom,
            )
        )
    return sorted(entries, key=lambda entry: entry.position)


def _host_of(short_url: str, link: Link) -> str:
    """A title for a link that has none: its short URL without the scheme."""
    return short_url.split("://", 1)[-1] if short_url else link.slug


def _require_creator(user: User) -> None:
    if user.kind is not UserKind.CREATOR:
        raise ForbiddenError("Link-in-bio pages are for creator accounts.")
