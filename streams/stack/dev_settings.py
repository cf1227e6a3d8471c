"""Loopback ports of the dev SMTP and HTTP provider servers, read from RELANCE_DEV_* environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_HOST = "127.0.0.1"
DEFAULT_SMTP_PORT = 8025
DEFAULT_HTTP_PORT = 8026


class DevServerSettings(BaseSettings):
    """Ports of the dev servers that `relance stack up` starts; both servers bind to 127.0.0.1 only."""

    model_config = SettingsConfigDict(env_prefix="RELANCE_", extra="ignore")

    dev_smtp_port: int = Field(
        DEFAULT_SMTP_PORT, ge=1, le=65535, description="TCP port of the dev SMTP server on 127.0.0.1."
    )
    dev_http_port: int = Field(
        DEFAULT_HTTP_PORT, ge=1, le=65535,
        description="TCP port of the dev HTTP server on 127.0.0.1 (SMS, voice, letter and push providers).",
    )

    @property
    def dev_http_base_url(self) -> str:
        return dev_http_base_url(self.dev_http_port)


def dev_http_base_url(port: int) -> str:
    """Return the base URL of a dev HTTP server on loopback port `port`."""
    return f"http://{DEV_HOST}:{port}"
