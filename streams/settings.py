"""Settings read from RELANCE_* environment variables, with secrets kept as SecretStr."""

from __future__ import annotations

import json
import logging
import ssl
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
STORES = ("rocksdb://", "memory://")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
DEV_IBAN_HASH_KEY = "relance-dev-only-iban-key"

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    """Effective configuration of one relance process."""

    model_config = SettingsConfigDict(env_prefix="RELANCE_", extra="ignore")

    # Kafka
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", description="Comma-separated host:port list of Kafka brokers.")
    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: SaslMechanism | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None

    # Topics
    topic_prefix: str = Field("relance.", description="Prefix of every topic name, so several installs can share a cluster.")
    partitions: int = Field(6, ge=1, description="Partition count of every topic keyed by debtor id.")
    replication_factor: int = Field(1, ge=1)

    # Redis, TLS included through a rediss:// URL.
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")

    # Faust worker
    app_id: str = "relance"
    store: str = Field("rocksdb://", description="Faust table store: rocksdb:// in production, memory:// in tests.")
    state_dir: Path = Field(Path(".relance"), description="Folder for table data and the local stack.")
    web_host: str = "127.0.0.1"
    web_port: int = Field(6066, ge=1, le=65535)
    time_scale: float = Field(1.0, gt=0, description="Scenario seconds per real second; 43200 runs one day in 2 s.")
    clock_origin: float | None = Field(
        None, description="Unix time at which the scaled clock starts; processes that share it agree on the time."
    )
    scenario_file: Path | None = Field(None, description="Dunning scenario YAML; the packaged default when unset.")

    # Personal data
    iban_hash_key: SecretStr = Field(SecretStr(DEV_IBAN_HASH_KEY), description="HMAC key for IBAN hashes.")

    log_level: LogLevel = "INFO"

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _check_bootstrap(cls, value: str) -> str:
        for server in value.split(","):
            host, sep, port = server.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(
                    f"invalid Kafka address {server!r}: write host:port, for example 127.0.0.1:9092"
                )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("store")
    @classmethod
    def _check_store(cls, value: str) -> str:
        if not value.startswith(STORES):
            raise ValueError(f"invalid store {value!r}: use rocksdb:// in production or memory:// in tests")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if not url.startswith(REDIS_SCHEMES):
            scheme = url.split("://", 1)[0] if "://" in url else url[:10]
            raise ValueError(
                f"invalid Redis URL scheme {scheme!r}: write redis://HOST:PORT/DB, rediss:// for TLS, or unix://PATH"
            )
        return value

    def topic_name(self, base: str) -> str:
        return f"{self.topic_prefix}{base}"

    def uses_dev_iban_key(self) -> bool:
        return self.iban_hash_key.get_secret_value() == DEV_IBAN_HASH_KEY

    def confluent_config(self) -> dict[str, Any]:
        """Return the librdkafka client settings for these Kafka settings."""
        from streams.kafka_logging import client_logger

        config: dict[str, Any] = {
            "bootstrap.servers": self.kafka_bootstrap_servers,
            "security.protocol": self.kafka_security_protocol,
            "logger": client_logger(),
        }
        if self.kafka_sasl_mechanism:
            config["sasl.mechanism"] = self.kafka_sasl_mechanism
            config["sasl.username"] = self.kafka_sasl_username or ""
            if self.kafka_sasl_password is not None:
                config["sasl.password"] = self.kafka_sasl_password.get_secret_value()
        if self.kafka_ssl_cafile:
            config["ssl.ca.location"] = str(self.kafka_ssl_cafile)
        if self.kafka_ssl_certfile:
            config["ssl.certificate.location"] = str(self.kafka_ssl_certfile)
        if self.kafka_ssl_keyfile:
            config["ssl.key.location"] = str(self.kafka_ssl_keyfile)
        if self.kafka_ssl_key_password is not None:
            config["ssl.key.password"] = self.kafka_ssl_key_password.get_secret_value()
        return config

    def ssl_context(self) -> ssl.SSLContext | None:
        """Return the TLS context for aiokafka, or None on a plaintext listener."""
        if self.kafka_security_protocol not in ("SSL", "SASL_SSL"):
            return None
        context = ssl.create_default_context(cafile=str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile else None)
        if self.kafka_ssl_certfile:
            password = self.kafka_ssl_key_password.get_secret_value() if self.kafka_ssl_key_password else None
            context.load_cert_chain(str(self.kafka_ssl_certfile), self.kafka_ssl_keyfile, password)
        return context

    def redacted(self) -> dict[str, Any]:
        """Return the settings as JSON-ready values, with secrets and URL passwords hidden."""
        values = json.loads(self.model_dump_json())
        values.pop("logger", None)
        for name, field_value in self:
            if isinstance(field_value, SecretStr):
                values[name] = "**********" if field_value.get_secret_value() else ""
        values["redis_url"] = _hide_url_password(self.redis_url.get_secret_value())
        return values


def _hide_url_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:**********@{host}" if ":" in credentials else url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def make_clock(settings: Settings) -> "ScaledClock":
    from streams.clock import ScaledClock

    return ScaledClock(settings.time_scale, settings.clock_origin)
