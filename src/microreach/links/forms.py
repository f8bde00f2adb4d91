"""Form fields of the link pages turned into the API's shapes; a bad value is an InvalidError
naming its field, so the page shows it beside that field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from microreach.kit.errors import InvalidError
from microreach.links.schemas import CampaignLinksCreate, LinkCreate, LinkUpdate

M = TypeVar("M", bound=BaseModel)
UTM_NAMES = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LinkForm(_Form):
    destination: str = ""
    slug: str = ""
    domain: str = ""
    title: str = ""
    creator_id: str = ""
    campaign_id: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_content: str = ""
    expires_at: str = ""
    fallback_url: str = ""


class CampaignLinksForm(_Form):
    campaign_id: str = ""
    destination: str = ""
    domain: str = ""
    utm_medium: str = "influencer"
    utm_campaign: str = ""
    expires_at: str = ""
    fallback_url: str = ""


class EnabledForm(_Form):
    enabled: str = ""


class DomainForm(_Form):
    host: str = ""


def optional_uuid(raw: str, field: str) -> uuid.UUID | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidError(f"{text!r} is not one of the choices", field=field) from None


def expiry(raw: str) -> datetime | None:
    """A `datetime-local` value, read as UTC (the form says so)."""
    text = raw.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidError(
            f"{text!r} is not a date and time like 2026-12-31T23:59", field="expires_at"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def link_create(form: LinkForm) -> LinkCreate:
    return _build(
        LinkCreate,
        destination=form.destination.strip(),
        slug=form.slug.strip() or None,
        domain=form.domain.strip() or None,
        title=form.title.strip() or None,
        creator_id=optional_uuid(form.creator_id, "creator_id"),
        campaign_id=optional_uuid(form.campaign_id, "campaign_id"),
        expires_at=expiry(form.expires_at),
        fallback_url=form.fallback_url.strip() or None,
        **{name: getattr(form, name).strip() or None for name in UTM_NAMES},
    )


def link_update(form: LinkForm) -> LinkUpdate:
    """Every editable field is sent: an emptied field clears it."""
    return _build(
        LinkUpdate,
        destination=form.destination.strip(),
        title=form.title.strip() or None,
        expires_at=expiry(form.expires_at),
        fallback_url=form.fallback_url.strip() or None,
        **{name: getattr(form, name).strip() or None for name in UTM_NAMES},
    )


def campaign_links(form: CampaignLinksForm) -> CampaignLinksCreate:
    campaign_id = optional_uuid(form.campaign_id, "campaign_id")
    if campaign_id is None:
        raise InvalidError("Choose a campaign.", field="campaign_id")
    return _build(
        CampaignLinksCreate,
        campaign_id=campaign_id,
        destination=form.destination.strip(),
        domain=form.domain.strip() or None,
        utm_medium=form.utm_medium.strip() or None,
        utm_campaign=form.utm_campaign.strip() or None,
        expires_at=expiry(form.expires_at),
        fallback_url=form.fallback_url.strip() or None,
    )


def _build(model: type[M], **values: Any) -> M:
    try:
        return model(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "form"
        raise InvalidError(str(error["msg"]).removeprefix("Value error, "), field=field) from None
