"""Form fields of the campaign pages, turned into the API's shapes: amounts typed as decimals
("1,500.00") become exact minor units of the campaign's currency; lists are comma-separated."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, ValidationError

from microreach.campaigns.enums import DeliverableKind
from microreach.campaigns.money import check_currency, parse_amount
from microreach.campaigns.schemas import CampaignIn, InviteIn, Terms
from microreach.kit.errors import InvalidError


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TermsForm(_Form):
    flat_fee: str = ""
    per_click: str = ""
    per_conversion: str = ""
    commission_percent: str = ""
    gift: str = ""
    gift_value: str = ""


class AnswerForm(TermsForm):
    token: str = ""
    answer: str = ""
    note: str = ""


class BrandAnswerForm(TermsForm):
    answer: str = ""


class DraftForm(_Form):
    text: str = ""


class PostForm(_Form):
    post_url: str = ""
    caption: str = ""


class CampaignForm(TermsForm):
    name: str = ""
    goal: str = "awareness"
    starts_on: str = ""
    ends_on: str = ""
    budget: str = ""
    currency: str = "EUR"
    required_hashtags: str = ""
    required_mentions: str = ""
    disclosure_required: str = ""
    guidelines: str = ""
    deliverables: str = ""  # "1 reel, 2 story"


class InviteForm(TermsForm):
    account_ids: str = ""  # one "account id email" per line
    use_default_terms: str = ""


class ReviewForm(_Form):
    decision: str = "comment"
    body: str = ""


class DecideForm(_Form):
    status: str = ""
    note: str = ""


class StatusForm(_Form):
    status: str = ""


def split_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


def percent_to_bp(raw: str) -> int:
    text = raw.strip().rstrip("%").strip()
    if not text:
        return 0
    try:
        value = Decimal(text) * 100
    except InvalidOperation:
        raise InvalidError(
            f"{raw.strip()} is not a percentage.", field="commission_percent"
        ) from None
    if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= 10_000:
        raise InvalidError(
            "Give a percentage from 0 to 100 with at most two decimals.", field="commission_percent"
        )
    return int(value)


def terms_from(form: TermsForm, currency: str) -> Terms:
    values = {
        "flat_fee": parse_amount(form.flat_fee, currency, "flat_fee"),
        "per_click": parse_amount(form.per_click, currency, "per_click"),
        "per_conversion": parse_amount(form.per_conversion, currency, "per_conversion"),
        "commission_bp": percent_to_bp(form.commission_percent),
        "gift": form.gift.strip(),
        "gift_value": parse_amount(form.gift_value, currency, "gift_value"),
    }
    try:
        return Terms.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "flat_fee"
        raise InvalidError(str(error["msg"]).removeprefix("Value error, "), field=field) from None


_SPEC = re.compile(r"^\s*(\d{1,2})\s*[x\u00d7]?\s*([a-z]+?)s?\s*$", re.IGNORECASE)


def deliverable_specs(raw: str) -> list[dict[str, object]]:
    """ "1 reel + 2 stories" or "1 reel, 2 story" -> [{"kind": "reel", "count": 1}, ...]."""
    specs: list[dict[str, object]] = []
    for part in re.split(r"[,+\n]", raw):
        if not part.strip():
            continue
        match = _SPEC.match(part)
        kind = match.group(2).lower().removesuffix("ie") if match else ""
        kind = "story" if kind in ("stor", "storie") else kind
        if match is None or kind not in {k.value for k in DeliverableKind}:
            known = ", ".join(k.value for k in DeliverableKind)
            raise InvalidError(
                f"{part.strip()} is not like '1 reel'; kinds: {known}.", field="deliverables"
            )
        specs.append({"kind": kind, "count": int(match.group(1))})
    return specs


def campaign_in(form: CampaignForm) -> CampaignIn:
    """The brief of the form; amounts typed as decimals in the chosen currency."""
    currency = check_currency(form.currency)
    has_terms = any(
        getattr(form, name).strip()
        for name in ("flat_fee", "per_click", "per_conversion", "commission_percent", "gift")
    )
    values = {
        "name": form.name,
        "goal": form.goal,
        "starts_on": form.starts_on or None,
        "ends_on": form.ends_on or None,
        "budget_minor": parse_amount(form.budget or "0", currency, "budget"),
        "currency": currency,
        "required_hashtags": split_list(form.required_hashtags),
        "required_mentions": split_list(form.required_mentions),
        "disclosure_required": bool(form.disclosure_required),
        "guidelines": form.guidelines,
        "deliverables": deliverable_specs(form.deliverables),
        "default_terms": terms_from(form, currency) if has_terms else None,
    }
    try:
        return CampaignIn.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "form"
        raise InvalidError(str(error["msg"]).removeprefix("Value error, "), field=field) from None


def invite_in(form: InviteForm, currency: str) -> InviteIn:
    """One "account-id email" per line; the form's terms, or the campaign's when left empty."""
    has_terms = any(
        getattr(form, name).strip()
        for name in ("flat_fee", "per_click", "per_conversion", "commission_percent", "gift")
    )
    terms = terms_from(form, currency) if has_terms else None
    targets = []
    for line in form.account_ids.splitlines():
        if not line.strip():
            continue
        parts = line.replace(",", " ").split()
        if len(parts) != 2:
            raise InvalidError(
                f"{line.strip()}: write the account id and the creator's email.",
                field="account_ids",
            )
        try:
            account_id = uuid.UUID(parts[0])
        except ValueError:
            raise InvalidError(f"{parts[0]} is not an account id.", field="account_ids") from None
        targets.append({"account_id": account_id, "email": parts[1], "terms": terms})
    if not targets:
        raise InvalidError("List at least one creator.", field="account_ids")
    return InviteIn.model_validate({"creators": targets})
