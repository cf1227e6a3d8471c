"""Voice (callbot or dialer) and push channels: one JSON webhook each, with an Idempotency-Key header."""

from __future__ import annotations

from typing import Any


from agents.channels.adapters.base import HttpAdapter, SendResult, bearer, json_field, post, provider_key
from agents.channels.adapters.sms import PhoneAdapter, to_e164
from agents.channels.errors import InvalidRecipient
from agents.channels.settings import Channel
from agents.channels.templates import RenderedMessage

# Variables that an agent may need during a call; the creditor's bank details stay in the script text.
_CALL_VARIABLES = ("payment_link", "instalments_link", "cash_points_link", "invoice_id", "mandate_id", "deadline",
                   "creditor_name", "creditor_phone")


class VoiceAdapter(PhoneAdapter):
    """POST the call request with the context that an agent or a callbot needs."""

    channel = Channel.VOICE

    def payload(self, command: dict[str, Any], rendered: RenderedMessage) -> dict[str, Any]:
        recipient = command["recipient"]
        variables = command.get("variables") or {}
        due = command.get("due_date")
        return {
            "call_id": provider_key(self.key_scope, command["idempotency_key"]),
            "to": to_e164(recipient.get("phone"), self.settings.sms_default_region),
            "debtor_id": command["debtor_id"],
            "case_id": command["case_id"],
            "debtor_name": recipient.get("name"),
            "locale": rendered.locale,
            "timezone": recipient.get("timezone"),
            "cause": command["cause"],
            "tone": command["tone"],
            "amount_due": command["amount_due"],
            "due_date": due.isoformat() if due is not None else None,
            "context": {key: variables[key] for key in _CALL_VARIABLES if key in variables},
            "script": rendered.body,
            "voicemail": rendered.short,
        }

    def send(self, command: dict[str, Any], rendered: RenderedMessage) -> SendResult:
        key = provider_key(self.key_scope, command["idempotency_key"])
        response = post(
            self.client, self.settings.voice_url, idempotency_key=key,
            json=self.payload(command, rendered), headers=bearer(self.settings.voice_token),
        )
        return SendResult(_text(json_field(response, "id")), delivered=json_field(response, "status") == "delivered")


class PushAdapter(HttpAdapter):
    """POST a push notification for the debtor's device token."""

    channel = Channel.PUSH

    def check_recipient(self, command: dict[str, Any]) -> None:
        if not (command["recipient"] or {}).get("push_token"):
            raise InvalidRecipient("the command has no push token", "invalid_recipient: no push token")

    def send(self, command: dict[str, Any], rendered: RenderedMessage) -> SendResult:
        variables = command.get("variables") or {}
        payload = {
            "token": command["recipient"]["push_token"],
            "title": rendered.subject,
            "body": rendered.short,
            "data": {"case_id": command["case_id"], "payment_link": variables.get("payment_link")},
        }
        key = provider_key(self.key_scope, command["idempotency_key"])
        response = post(
            self.client, self.settings.push_url, idempotency_key=key,
            json=payload, headers=bearer(self.settings.push_token),
        )
        return SendResult(_text(json_field(response, "id")), delivered=json_field(response, "status") == "delivered")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
