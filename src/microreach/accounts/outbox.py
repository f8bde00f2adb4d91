"""The development outbox: mail written to <data_dir>/mail, shown to the person it is for.

Without an SMTP server (MICROREACH_SMTP_URL unset) and outside production, microreach writes
every mail as an .eml file; `/mail` shows a signed-in user the mails addressed to their own
email, newest first, so invitations and resets work end to end without a mail server. Nobody
sees another person's mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from microreach.accounts.mail import mailer_for
from microreach.config import Settings

MAX_MAILS = 50
MAX_FILES = 2000  # newest files looked at, so a huge outbox never slows the page down


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    sent_at: datetime | None
    text: str


def available(settings: Settings) -> bool:
    """Mail is kept in files (no SMTP server) and this is not production."""
    return not settings.is_production and not settings.smtp_url


def mails_for(settings: Settings, email: str) -> list[Mail]:
    """The newest mails addressed to ``email`` (case-insensitive), at most MAX_MAILS."""
    outbox = mailer_for(settings).outbox
    if not outbox.is_dir():
        return []
    wanted = email.strip().lower()
    files = sorted(outbox.glob("*.eml"), reverse=True)[:MAX_FILES]
    found: list[Mail] = []
    for path in files:
        mail = _read(path)
        if mail is not None and wanted in _addresses(mail.to):
            found.append(mail)
            if len(found) >= MAX_MAILS:
                break
    return found


def _addresses(header: str) -> set[str]:
    return {address.lower() for _, address in getaddresses([header]) if address}


def _read(path: Path) -> Mail | None:
    try:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    except OSError:
        return None
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    date = message.get("Date")
    try:
        sent_at = parsedate_to_datetime(str(date)) if date else None
    except (TypeError, ValueError):
        sent_at = None
    return Mail(str(message.get("To", "")), str(message.get("Subject", "")), sent_at, str(text))
