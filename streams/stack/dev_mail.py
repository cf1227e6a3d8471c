"""The dev SMTP server on 127.0.0.1, which stores every message it accepts as an .eml file, and readers of its folder."""

from __future__ import annotations

import email
import email.policy
import itertools
import logging
import re
import ssl
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from streams.stack.dev_settings import DEFAULT_SMTP_PORT, DEV_HOST

log = logging.getLogger(__name__)

HOST = DEV_HOST
SMTP_PORT = DEFAULT_SMTP_PORT
# Stored file names: the receive time in nanoseconds since the epoch, a per-process counter, then .eml.
MAIL_NAME = re.compile(r"(\d{19})-(\d{4,})\.eml")


class _MailboxHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._counter = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{next(self._counter):04d}.eml"
        temporary = self.folder / (name + ".tmp")
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.folder / name)
        return "250 Message accepted for delivery"


class DevMailServer:
    """An aiosmtpd server on 127.0.0.1 that writes every message it accepts as an .eml file."""

    def __init__(self, folder: Path, port: int = SMTP_PORT, auth: tuple[str, str] | None = None,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.folder = folder
        self.port = port
        kwargs: dict[str, Any] = {}
        if tls_context is not None:
            kwargs = {"tls_context": tls_context, "require_starttls": True}
        if auth is not None:
            user, password = auth

            def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
                from aiosmtpd.smtp import AuthResult, LoginPassword

                ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
                return AuthResult(success=ok, handled=False)

            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls_context is not None)
        self.controller = Controller(_MailboxHandler(folder), hostname=HOST, port=port, **kwargs)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.controller.start()
        log.info("dev SMTP server listening on %s:%d folder=%s", HOST, self.port, self.folder)

    def stop(self) -> None:
        self.controller.stop()

    def messages(self) -> list[EmailMessage]:
        return read_mailbox(self.folder)

    def clear(self) -> None:
        for path in self.folder.glob("*.eml"):
            path.unlink()


def received_at(path: Path) -> float:
    """Return the Unix time at which the dev SMTP server stored the message file `path`."""
    match = MAIL_NAME.fullmatch(path.name)
    return int(match.group(1)) / 1e9 if match else path.stat().st_mtime


def mail_files(folder: Path, since: float | None = None) -> list[Path]:
    """Return the message files in `folder`, oldest first, only those received at or after `since` when given."""
    paths = sorted(folder.glob("*.eml"))
    if since is not None:
        paths = [path for path in paths if received_at(path) >= since]
    return paths


def parse_mail(content: bytes) -> EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)  # type: ignore[return-value]


def read_mailbox(folder: Path, since: float | None = None) -> list[EmailMessage]:
    """Return the messages stored in `folder`, oldest first, only those received at or after `since` when given."""
    return [parse_mail(path.read_bytes()) for path in mail_files(folder, since)]


def mail_entry(path: Path) -> dict[str, Any]:
    """Return the listing entry of one stored message: its id, receive time and main headers."""
    message = parse_mail(path.read_bytes())
    return {
        "id": path.name,
        "received_at": received_at(path),
        "from": str(message["From"] or ""),
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
    }
