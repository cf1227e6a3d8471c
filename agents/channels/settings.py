"""Settings of the channel workers, read from RELANCE_* environment variables; every default address is 127.0.0.1.

Unless set, the SMTP server and the provider URLs point to the dev servers of `relance stack up`: SMTP on
127.0.0.1:RELANCE_DEV_SMTP_PORT (8025) and HTTP on 127.0.0.1:RELANCE_DEV_HTTP_PORT (8026).
"""

from __future__ import annotations

from datetime import time
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from streams.stack.dev_settings import DevServerSettings, dev_http_base_url


class Channel(str, Enum):
    """The channels of the Avro `Channel` enum."""

    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    LETTER = "letter"
    PUSH = "push"


SmtpTls = Literal["none", "starttls", "implicit"]
SmsProvider = Literal["generic", "twilio"]
HttpAuth = Literal["none", "bearer", "basic"]
LetterMode = Literal["outbox", "http"]

# A JSON body for the generic SMS adapter; `tojson` quotes and escapes each value.
DEFAULT_SMS_BODY = (
    '{"to": {{ to|tojson }}, "from": {{ sender|tojson }}, "text": {{ text|tojson }}, '
    '"reference": {{ reference|tojson }}}'
)


class QuietHours(BaseModel):
    """When a channel may contact a debtor, in the debtor's time zone; anything else is quiet."""

    start: time = time(8, 0)
    end: time = time(20, 0)
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5], description="0 is Monday.")
    public_holidays: bool = Field(False, description="Whether contact is allowed on public holidays.")

    @model_validator(mode="after")
    def _check_window(self) -> "QuietHours":
        if self.start >= self.end:
            raise ValueError(f"invalid contact window {self.start}-{self.end}: start must be before end")
        bad = [day for day in self.weekdays if day not in range(7)]
        if bad or not self.weekdays:
            raise ValueError(f"invalid weekdays {self.weekdays}: list one or more of 0 (Monday) to 6 (Sunday)")
        return self


class ContactCap(BaseModel):
    """The maximum number of messages to one debtor on one channel per calendar day and per ISO week."""

    per_day: int = Field(ge=0)
    per_week: int = Field(ge=0)


def _default_quiet_hours() -> dict[Channel, QuietHours]:
    return {Channel.SMS: QuietHours(), Channel.VOICE: QuietHours(), Channel.PUSH: QuietHours()}


def _default_caps() -> dict[Channel, ContactCap]:
    return {
        Channel.EMAIL: ContactCap(per_day=2, per_week=5),
        Channel.SMS: ContactCap(per_day=1, per_week=3),
        Channel.VOICE: ContactCap(per_day=1, per_week=2),
        Channel.LETTER: ContactCap(per_day=1, per_week=2),
        Channel.PUSH: ContactCap(per_day=1, per_week=3),
    }


def _dev_url(path: str) -> Any:
    """Return a default factory for the URL of `path` on the dev HTTP server, built from the validated dev_http_port."""
    return lambda data: dev_http_base_url(data["dev_http_port"]) + path


class ChannelSettings(DevServerSettings):
    """Providers, retries, quiet hours and contact caps of the channel workers.

    The dev server ports (dev_smtp_port, dev_http_port) come first, so the defaults below can use them.
    """

    model_config = SettingsConfigDict(env_prefix="RELANCE_", extra="ignore")

    # E-mail over SMTP
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default_factory=lambda data: data["dev_smtp_port"])
    smtp_tls: SmtpTls = Field("none", description="none, starttls, or implicit (SMTPS, usually port 465).")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_ca_file: Path | None = Field(None, description="CA bundle that signs the SMTP server's certificate.")
    email_from: str = "relance@localhost"

    # SMS over HTTP
    sms_provider: SmsProvider = "generic"
    sms_url: str = Field(default_factory=_dev_url("/sms"))
    sms_body_template: str = Field(DEFAULT_SMS_BODY, description="Jinja2 template of the JSON body (generic provider).")
    sms_auth: HttpAuth = "none"
    sms_username: str | None = None
    sms_token: SecretStr | None = Field(None, description="Bearer token, or the password for basic auth.")
    sms_id_field: str = Field("id", description="Field of the provider's JSON response that contains the message id.")
    sms_sender: str = "RELANCE"
    sms_default_region: str = Field("FR", description="Region for phone numbers written without +country code.")
    twilio_base_url: str = Field(default_factory=_dev_url(""))
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: SecretStr = SecretStr("dev-token")

    # Voice callbot, push and letter providers
    voice_url: str = Field(default_factory=_dev_url("/voice"))
    voice_token: SecretStr | None = None
    push_url: str = Field(default_factory=_dev_url("/push"))
    push_token: SecretStr | None = None
    letter_mode: LetterMode = "outbox"
    letter_outbox_dir: Path = Field(Path(".relance/outbox/letters"), description="Folder for letter PDFs in outbox mode.")
    letter_url: str = Field(default_factory=_dev_url("/letters"))
    letter_token: SecretStr | None = None
    letter_registered_templates: list[str] = Field(
        default_factory=lambda: ["formal_notice"],
        description="Templates sent as registered mail with acknowledgement of receipt (LRAR).",
    )
    http_timeout_seconds: float = Field(10.0, gt=0)

    # Retries, idempotency and scheduling
    retry_max_attempts: int = Field(4, ge=1, description="Delivery attempts per command, the first included.")
    retry_base_seconds: float = Field(0.5, ge=0, description="Backoff before the second attempt; it doubles after.")
    retry_max_delay_seconds: float = Field(10.0, ge=0)
    idempotency_ttl_seconds: int = Field(35 * 24 * 3600, gt=0, description="How long a sent key is remembered.")
    claim_lease_seconds: float = Field(60.0, gt=0, description="How long a claim blocks other workers before it expires.")
    deferred_batch_size: int = Field(50, ge=1, description="Due deferred commands handled per loop turn.")
    max_poll_interval_seconds: int = Field(300, ge=10, description="Time a worker may hold one message, Redis outages included.")
    session_timeout_seconds: int = Field(
        45, ge=6, description="Time after which Kafka gives a silent worker's partitions to another; brokers allow 6 s or more."
    )
    outage_warning_interval_seconds: float = Field(
        30.0, gt=0, description="Seconds between the warnings that a Redis or Kafka outage logs while it lasts."
    )

    # Respect for the debtor
    quiet_hours: dict[Channel, QuietHours] = Field(default_factory=_default_quiet_hours)
    contact_caps: dict[Channel, ContactCap] = Field(default_factory=_default_caps)
    holiday_country: str = "FR"
    holiday_subdivision: str | None = None
    default_timezone: str = "Europe/Paris"

    # Operations
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(None, description="Port of the Prometheus endpoint; none when unset.")
    # Test-only hook: sleep this long right after claiming a key, so a test can kill the worker there.
    channel_test_pause_after_claim_seconds: float = Field(0.0, ge=0)

    @field_validator("sms_url", "voice_url", "push_url", "letter_url", "twilio_base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"invalid provider URL {value!r}: write it as http(s)://host:port/path")
        return value

    def redacted(self) -> dict[str, object]:
        """Return the settings as JSON-ready values with every secret hidden."""
        values = self.model_dump(mode="json")
        for name, field_value in self:
            if isinstance(field_value, SecretStr):
                values[name] = "**********"
        return values
