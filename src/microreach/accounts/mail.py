"""The mail the accounts domain sends: password reset links and invitations."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import urlencode

from microreach.accounts.organisations import InvitationLink
from microreach.accounts.service import ResetLink
from microreach.config import Settings
from microreach.kit.mail import Mailer

MAIL_DIR_NAME = "mail"


def mailer_for(settings: Settings) -> Mailer:
    return Mailer(
        sender=settings.mail_from,
        outbox=settings.data_dir / MAIL_DIR_NAME,
        smtp_url=settings.smtp_url,
    )


def link(settings: Settings, path: str, **query: str) -> str:
    """An absolute link for a mail, on the configured public address (never the Host header)."""
    return f"{settings.resolved_public_url}{path}?{urlencode(query)}"


def reset_message(settings: Settings, reset: ResetLink) -> EmailMessage:
    url = link(settings, "/reset-password", token=reset.token)
    text = (
        f"Hello {reset.user.display_name},\n\n"
        "Someone (we hope you) asked to reset the password of your microreach account.\n"
        f"Choose a new password here within the hour:\n\n{url}\n\n"
        "The link works once. If you did not ask for it, ignore this mail: your password stays "
        "as it is.\n"
    )
    return mailer_for(settings).compose(reset.user.email, "Reset your microreach password", text)


def invitation_message(
    settings: Settings, invitation: InvitationLink, inviter: str
) -> EmailMessage:
    url = link(settings, "/invitations/accept", token=invitation.token)
    organisation = invitation.organisation.name
    text = (
        f"{inviter} invited you to join {organisation} on microreach as "
        f"{invitation.invitation.role.value}.\n\n"
        f"Accept within 7 days, signing in or creating an account as "
        f"{invitation.invitation.email}:\n\n{url}\n"
    )
    subject = f"Join {organisation} on microreach"
    return mailer_for(settings).compose(invitation.invitation.email, subject, text)


def send(settings: Settings, message: EmailMessage) -> None:
    """Deliver after the response (so after the request's commit); see kit.mail."""
    mailer_for(settings).send(message)
