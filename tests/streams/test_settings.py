"""Settings from RELANCE_* variables, and `relance config` with secrets hidden."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from streams.settings import Settings
from tests.streams.cli_runner import relance_env, run_relance


def test_sasl_scram_settings_reach_librdkafka(monkeypatch):
    monkeypatch.setenv("RELANCE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("RELANCE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("RELANCE_KAFKA_SASL_USERNAME", "relance")
    monkeypatch.setenv("RELANCE_KAFKA_SASL_PASSWORD", "s3cret")
    config = Settings().confluent_config()
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert config["sasl.password"] == "s3cret"


def test_invalid_bootstrap_address_is_rejected():
    with pytest.raises(ValidationError, match="write host:port"):
        Settings(kafka_bootstrap_servers="127.0.0.1")


def test_config_command_hides_secrets():
    env = relance_env(
        RELANCE_KAFKA_SASL_PASSWORD="kafka-pass-123",
        RELANCE_REDIS_URL="rediss://relance:redis-pass-456@127.0.0.1:6380/0",
        RELANCE_IBAN_HASH_KEY="hmac-key-789",
    )
    result = run_relance("config", env=env)
    assert result.returncode == 0, result.stderr
    for secret in ("kafka-pass-123", "redis-pass-456", "hmac-key-789"):
        assert secret not in result.stdout
    shown = json.loads(result.stdout)
    assert shown["redis_url"] == "rediss://relance:**********@127.0.0.1:6380/0"
    assert shown["kafka_sasl_password"] == "**********"


def test_invalid_setting_exits_without_traceback():
    result = run_relance("config", env=relance_env(RELANCE_PARTITIONS="zero"))
    assert result.returncode == 2
    assert "RELANCE_PARTITIONS" in result.stderr or "partitions" in result.stderr
    assert "Traceback" not in result.stderr
