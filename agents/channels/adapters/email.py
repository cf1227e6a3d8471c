"""E-mail over SMTP with aiosmtplib: an HTML part and a plain-text part, with STARTTLS or implicit TLS and AUTH."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

import aiosmtplib

from agents.channels.adapters.base import SendResult, provider_key
from agents.channels.errors import InvalidRecipient, SendError
from agents.channels.settings import Channel, ChannelSettings
from agents.channels.templates import RenderedMessage


def message_id(key: str) -> str:
    """Return a Message-ID derived from the provider key, so a resent message can be recognised by the receiver."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@relance>"


class EmailAdapter:
    channel = Channel.EMAIL

    def __init__(self, settings: ChannelSettings, key_scope: str) -> None:
        self.settings = settings
        self.key_scope = key_scope
        self._loop = asyncio.new_event_loop()

    def check_recipient(self, command: dict[str, Any]) -> None:
        address = (command["recipient"] or {}).get("email")
        if not address or "@" not in address:
            raise InvalidRecipient("the command has no valid e-mail address", "invalid_recipient: no e-mail address")

    def build(self, command: dict[str, Any], rendered: RenderedMessage) -> EmailMessage:
        recipient = command["recipient"]
        message = EmailMessage()
        message["From"] = self.settings.email_from
        message["To"] = formataddr((recipient.get("name") or "", recipient["email"]))
        message["Subject"] = rendered.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = message_id(provider_key(self.key_scope, command["idempotency_key"]))
        message.set_content(rendered.body)
        message.add_alternative(rendered.html, subtype="html")
        # set_content() drops Content-* headers, so this one comes after it.
        message["Content-Language"] = rendered.locale
        return message

    def send(self, command: dict[str, Any], rendered: RenderedMessage) -> SendResult:
        message = self.build(command, rendered)
        self._loop.run_until_complete(self._send(message))
        return SendResult(message["Message-ID"])

    async def _send(self, message: EmailMessage) -> None:
        settings = self.settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        tls_context = None
        if settings.smtp_tls != "none":
            tls_context = ssl.create_default_context(cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None)
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                use_tls=settings.smtp_tls == "implicit",
                start_tls=True if settings.smtp_tls == "starttls" else False,
                tls_context=tls_context,
                timeout=settings.http_timeout_seconds,
            )
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx replies are temporary by the SMTP standard (RFC 5321); 5xx are permanent.
            raise SendError(
                f"SMTP server {settings.smtp_host}:{settings.smtp_port} replied {exc.code}: {exc.message}",
                retryable=400 <= exc.code < 500,
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise SendError(
                f"SMTP server {settings.smtp_host}:{settings.smtp_port} failed: {type(exc).__name__}: {exc}",
                retryable=True,
            ) from exc

    def close(self) -> None:
        self._loop.close()
