"""Outgoing mail: .eml files by default, SMTP (with a real socket conversation) when set."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from microreach.config import Settings, load_settings
from microreach.kit.errors import ConfigError
from microreach.kit.mail import Mailer


def test_without_smtp_mail_is_written_to_the_outbox(tmp_path: Path) -> None:
    mailer = Mailer(sender="microreach <no-reply@localhost>", outbox=tmp_path / "mail")
    message = mailer.compose("ada@example.com", "Hello", "A link: http://x/" + "a" * 150 + "\n")

    path = mailer.send(message)

    assert path is not None and path.parent == tmp_path / "mail" and path.suffix == ".eml"
    raw = path.read_text()
    assert "To: ada@example.com" in raw and "Subject: Hello" in raw
    assert "http://x/" + "a" * 150 in raw  # links stay whole in the file


class _SmtpServer:
    """Just enough SMTP to accept one message, over a real socket."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.commands: list[str] = []
        self.data = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection, connection.makefile("rwb") as stream:
            stream.write(b"220 test ESMTP\r\n")
            stream.flush()
            while line := stream.readline():
                command = line.decode().strip()
                self.commands.append(command.split(" ")[0].upper())
                if command.upper().startswith("EHLO"):
                    stream.write(b"250-test\r\n250 AUTH PLAIN\r\n")
                elif command.upper().startswith("AUTH"):
                    stream.write(b"235 ok\r\n")
                elif command.upper() == "DATA":
                    stream.write(b"354 go on\r\n")
                    stream.flush()
                    while (chunk := stream.readline()) != b".\r\n":
                        self.data += chunk
                    stream.write(b"250 queued\r\n")
                elif command.upper() == "QUIT":
                    stream.write(b"221 bye\r\n")
                    stream.flush()
                    return
                else:
                    stream.write(b"250 ok\r\n")
                stream.flush()


@pytest.fixture
def smtp_server() -> Iterator[_SmtpServer]:
    server = _SmtpServer()
    yield server
    server.thread.join(timeout=5)
    server.listener.close()


def test_with_an_smtp_url_mail_is_sent_to_the_server(
    tmp_path: Path, smtp_server: _SmtpServer
) -> None:
    url = f"smtp://mailer:s%3Acret@127.0.0.1:{smtp_server.port}"
    mailer = Mailer(sender="no-reply@example.com", outbox=tmp_path / "mail", smtp_url=url)

    result = mailer.send(mailer.compose("ada@example.com", "Hello", "Body text\n"))

    smtp_server.thread.join(timeout=5)
    assert result is None and not (tmp_path / "mail").exists()
    assert smtp_server.commands[:2] == ["EHLO", "AUTH"]
    assert {"MAIL", "RCPT", "DATA", "QUIT"} <= set(smtp_server.commands)
    assert b"Subject: Hello" in smtp_server.data and b"Body text" in smtp_server.data


def test_a_malformed_smtp_url_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(
            environ={
                "MICROREACH_DATA_DIR": str(tmp_path),
                "MICROREACH_SMTP_URL": "mail.example.com",
            }
        )
    assert info.value.setting == "MICROREACH_SMTP_URL"


ACCOUNT_SETTINGS = (
    "public_url",
    "secure_cookies",
    "session_idle_days",
    "session_max_days",
    "login_max_failures",
    "login_max_client_failures",
    "login_window_minutes",
    "smtp_url",
    "mail_from",
)


def test_the_accounts_settings_are_described_and_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name in ACCOUNT_SETTINGS:
        field = Settings.model_fields[name]
        assert field.description, name
        assert f"| `MICROREACH_{name.upper()}` |" in readme, f"MICROREACH_{name.upper()}"
