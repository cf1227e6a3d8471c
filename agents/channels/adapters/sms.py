"""SMS over HTTP: a generic JSON provider, and Twilio's Messages API shape behind the same interface.

Phone numbers are normalised to E.164 with phonenumbers; a number that does not parse, or is not a
valid number, suppresses the command with a reason instead of failing it.
"""

from __future__ import annotations

import json
from typing import Any

import jinja2
import phonenumbers

from agents.channels.adapters.base import HttpAdapter, SendResult, bearer, json_field, post, provider_key
from agents.channels.errors import InvalidRecipient, SendError
from agents.channels.settings import Channel, ChannelSettings
from agents.channels.templates import RenderedMessage


def to_e164(number: str | None, default_region: str) -> str:
    """Return `number` in E.164 form; raise InvalidRecipient when it is missing or invalid."""
    if not number:
        raise InvalidRecipient("the command has no phone number", "invalid_recipient: no phone number")
    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidRecipient(
            f"the phone number does not parse ({exc.error_type})", "invalid_recipient: phone number does not parse"
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidRecipient("the phone number is not a valid number", "invalid_recipient: invalid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class PhoneAdapter(HttpAdapter):
    """An HTTP adapter whose recipient is a phone number in E.164 form."""

    def check_recipient(self, command: dict[str, Any]) -> None:
        to_e164((command["recipient"] or {}).get("phone"), self.settings.sms_default_region)


class _SmsAdapter(PhoneAdapter):
    channel = Channel.SMS


class GenericSmsAdapter(_SmsAdapter):
    """POST a JSON body rendered from a template, with bearer or basic auth and an Idempotency-Key header."""

    def __init__(self, settings: ChannelSettings, key_scope: str) -> None:
        super().__init__(settings, key_scope)
        self.body_template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(settings.sms_body_template)

    def body(self, command: dict[str, Any], rendered: RenderedMessage) -> Any:
        text = self.body_template.render(
            to=to_e164(command["recipient"].get("phone"), self.settings.sms_default_region),
            sender=self.settings.sms_sender,
            text=rendered.short,
            reference=provider_key(self.key_scope, command["idempotency_key"]),
        )
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SendError(
                f"RELANCE_SMS_BODY_TEMPLATE does not render valid JSON ({exc.msg}); quote values with |tojson",
                retryable=False,
            ) from exc

    def send(self, command: dict[str, Any], rendered: RenderedMessage) -> SendResult:
        settings = self.settings
        auth = None
        headers: dict[str, str] = {}
        if settings.sms_auth == "bearer":
            headers = bearer(settings.sms_token)
        elif settings.sms_auth == "basic":
            auth = (settings.sms_username or "", settings.sms_token.get_secret_value() if settings.sms_token else "")
        response = post(
            self.client, settings.sms_url, idempotency_key=provider_key(self.key_scope, command["idempotency_key"]),
            json=self.body(command, rendered), headers=headers, auth=auth,
        )
        status = json_field(response, "status")
        return SendResult(_text(json_field(response, settings.sms_id_field)), delivered=status == "delivered")


class TwilioSmsAdapter(_SmsAdapter):
    """Twilio's Messages resource: a form POST to /2010-04-01/Accounts/{sid}/Messages.json with basic auth.

    The answer carries the message's `sid` and `status` (queued, sent, delivered…).
    NOTE: this adapter also sends an Idempotency-Key header, which the local dev server honours; whether
    Twilio deduplicates on it was not checked, so do not count on it there.
    """

    def send(self, command: dict[str, Any], rendered: RenderedMessage) -> SendResult:
        settings = self.settings
        url = f"{settings.twilio_base_url.rstrip('/')}/2010-04-01/Accounts/{settings.twilio_account_sid}/Messages.json"
        form = {
            "To": to_e164(command["recipient"].get("phone"), settings.sms_default_region),
            "From": settings.sms_sender,
            "Body": rendered.short,
        }
        response = post(
            self.client, url, idempotency_key=provider_key(self.key_scope, command["idempotency_key"]), data=form,
            auth=(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value()),
        )
        return SendResult(_text(json_field(response, "sid")), delivered=json_field(response, "status") == "delivered")


def build_sms_adapter(settings: ChannelSettings, key_scope: str) -> _SmsAdapter:
    adapter = TwilioSmsAdapter if settings.sms_provider == "twilio" else GenericSmsAdapter
    return adapter(settings, key_scope)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
