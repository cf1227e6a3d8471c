"""The adapter interface, and the HTTP call that every HTTP provider adapter shares."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from agents.channels.errors import SendError
from agents.channels.settings import Channel, ChannelSettings
from agents.channels.templates import RenderedMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    """Provider response to an accepted message."""

    provider_message_id: str | None
    delivered: bool = False


class Adapter(Protocol):
    channel: Channel
    # Prefix of every key sent to the provider (see `provider_key`); the worker passes its topic prefix.
    key_scope: str

    def check_recipient(self, command: dict[str, Any]) -> None:
        """Raise InvalidRecipient when the command has no usable address for this channel."""

    def send(self, command: dict[str, Any], message: RenderedMessage) -> SendResult:
        """Hand one message to the provider; raise SendError, retryable or not, when it is not accepted."""

    def close(self) -> None: ...


class HttpAdapter:
    """The HTTP client, settings and key scope that every webhook-style adapter starts from."""

    def __init__(self, settings: ChannelSettings, key_scope: str) -> None:
        self.settings = settings
        self.key_scope = key_scope
        self.client = httpx.Client(timeout=settings.http_timeout_seconds)

    def close(self) -> None:
        self.client.close()


def provider_key(key_scope: str, idempotency_key: str) -> str:
    """Return the key sent to a provider for a command: the install's scope, then the command's idempotency key.

    Case ids, and so idempotency keys, repeat across installs and demo runs that share a provider, so the scope
    (the topic prefix) keeps one install's Idempotency-Key headers, references and Message-IDs from matching
    another's. Retries of one command in one install still send the same key.
    """
    return f"{key_scope}{idempotency_key}"


def bearer(token: SecretStr | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.get_secret_value()}"} if token is not None else {}


def post(
    client: httpx.Client,
    url: str,
    *,
    idempotency_key: str | None,
    json: Any = None,
    data: Any = None,
    files: Any = None,
    headers: dict[str, str] | None = None,
    auth: Any = None,
) -> httpx.Response:
    """POST to a provider; raise SendError, retryable on timeouts, connection errors, 5xx and 429."""
    all_headers = dict(headers or {})
    if idempotency_key is not None:
        all_headers["Idempotency-Key"] = idempotency_key
    try:
        response = client.post(url, json=json, data=data, files=files, headers=all_headers, auth=auth)
    except httpx.TimeoutException as exc:
        raise SendError(f"provider at {url} timed out: {type(exc).__name__}", retryable=True) from exc
    except httpx.TransportError as exc:
        raise SendError(f"provider at {url} could not be reached: {exc}", retryable=True) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise SendError(f"provider at {url} responded with HTTP {response.status_code}", retryable=True)
    if response.status_code >= 400:
        raise SendError(
            f"provider at {url} rejected the message with HTTP {response.status_code}: {response.text[:200]}",
            retryable=False,
        )
    return response


def json_field(response: httpx.Response, field: str) -> Any:
    """Return a field of a JSON response body, or None when the body is not a JSON object."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get(field) if isinstance(body, dict) else None
