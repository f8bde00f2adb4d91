"""The mail the campaigns domain sends: invitations to creators, and answers to them."""

from __future__ import annotations

from email.message import EmailMessage

from microreach.accounts.mail import link, mailer_for
from microreach.campaigns.invitations import InvitationLink
from microreach.campaigns.money import format_amount
from microreach.campaigns.schemas import Terms
from microreach.config import Settings

INVITATION_PATH = "/portal/invitations"


def invitation_url(settings: Settings, token: str) -> str:
    return link(settings, INVITATION_PATH, token=token)


def describe_terms(terms: Terms, currency: str) -> str:
    parts = []
    if terms.flat_fee:
        parts.append(f"a fee of {format_amount(terms.flat_fee, currency)}")
    if terms.per_click:
        parts.append(f"{format_amount(terms.per_click, currency)} per click")
    if terms.per_conversion:
        parts.append(f"{format_amount(terms.per_conversion, currency)} per conversion")
    if terms.commission_bp:
        parts.append(f"{terms.commission_bp / 100:g}% commission on sales")
    if terms.gift.strip():
        parts.append(f"gifted: {terms.gift.strip()}")
    return "; ".join(parts)


def invitation_message(settings: Settings, invitation: InvitationLink, brand: str) -> EmailMessage:
    campaign = invitation.campaign
    terms = Terms.model_validate(invitation.member.terms)
    text = (
        f"{brand} invites @{invitation.account.handle} to the campaign {campaign.name} "
        f"({campaign.starts_on} to {campaign.ends_on}).\n\n"
        f"Terms: {describe_terms(terms, campaign.currency)}.\n\n"
        f"Read the brief and accept, decline or propose other terms (signed in as a creator "
        f"with {invitation.member.email}):\n\n{invitation_url(settings, invitation.token)}\n"
    )
    subject = f"{brand} invites you to {campaign.name}"
    return mailer_for(settings).compose(invitation.member.email, subject, text)


def notice_message(settings: Settings, to: str, subject: str, text: str) -> EmailMessage:
    portal = f"{settings.resolved_public_url}/portal/campaigns"
    return mailer_for(settings).compose(to, subject, f"{text}\n\nSee it in your portal: {portal}\n")
