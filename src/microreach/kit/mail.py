"""Outgoing mail: .eml files under <data_dir>/mail by default, SMTP when a server is configured."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from microreach.kit.clock import utcnow

SMTP_SCHEMES = ("smtp", "smtps")
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True, slots=True)
class Mailer:
    """Sends plain-text mail from ``sender``; writes files to ``outbox`` when no SMTP URL is set.

    ``smtp://user:password@host:587`` upgrades with STARTTLS when the server offers it;
    ``smtps://...`` speaks TLS from the first byte.
    """

    sender: str
    outbox: Path
    smtp_url: str | None = None
    timeout: float = 10.0

    def compose(self, to: str, subject: str, text: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = make_msgid(domain="microreach.local")
        # 8bit keeps links whole and readable in the .eml files (no quoted-printable breaks).
        message.set_content(text, cte="8bit")
        return message

    def send(self, message: EmailMessage) -> Path | None:
        """Deliver ``message``; returns the file written, or None when sent by SMTP."""
        if self.smtp_url:
            _send_smtp(self.smtp_url, message, self.timeout)
            return None
        return self._write(message)

    def _write(self, message: EmailMessage) -> Path:
        self.outbox.mkdir(parents=True, exist_ok=True)
        path = self.outbox / f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(message.as_bytes())
        return path


def check_smtp_url(url: str) -> None:
    """ValueError unless ``url`` names an SMTP server microreach can use."""
    parts = urlsplit(url)
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise ValueError("must look like smtp://user:password@host:587 or smtps://host:465")


def _send_smtp(url: str, message: EmailMessage, timeout: float) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or DEFAULT_PORTS.get(parts.scheme, 25)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
