"""Settings from RELANCE_* variables, and `relance config` with secrets hidden."""

from __future__ import annotations

import json
import socket

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


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("RELANCE_STORE", "mongo://", "RELANCE_STORE: invalid store 'mongo://': use rocksdb://"),
        ("RELANCE_LOG_LEVEL", "loud", "RELANCE_LOG_LEVEL: Input should be 'DEBUG'"),
        ("RELANCE_WEB_PORT", "99999", "RELANCE_WEB_PORT: Input should be less than or equal to 65535"),
        ("RELANCE_CREDITOR_PAYMENT_DEADLINE_DAYS", "0", "RELANCE_CREDITOR_PAYMENT_DEADLINE_DAYS: Input should be"),
        ("RELANCE_DEBTOR_ID_RULE", "iban", "RELANCE_DEBTOR_ID_RULE: Input should be 'none'"),
    ],
)
def test_invalid_setting_names_variable(variable, value, expected):
    result = run_relance("config", env=relance_env(**{variable: value}))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_redis_scheme_hides_password():
    result = run_relance("config", env=relance_env(RELANCE_REDIS_URL="http://relance:hidden-pass@127.0.0.1:6379/0"))
    assert result.returncode == 2
    assert "RELANCE_REDIS_URL: invalid Redis URL scheme 'http'" in result.stderr
    assert "hidden-pass" not in result.stderr


def test_config_shows_every_settings_group():
    result = run_relance("config", env=relance_env(RELANCE_CREDITOR_NAME="Énergie Verte SA", RELANCE_SMTP_PASSWORD="smtp-secret-1"))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["creditor"]["name"] == "Énergie Verte SA"
    assert shown["intake"]["debtor_id_rule"] == "none"
    assert shown["channels"]["smtp_password"] == "**********"
    assert "smtp-secret-1" not in result.stdout


def test_worker_rejects_busy_web_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_relance("worker", env=relance_env(RELANCE_WEB_PORT=str(port), RELANCE_TOPIC_PREFIX="unused-port-check."))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "set RELANCE_WEB_PORT to a free port" in result.stderr
    assert "Traceback" not in result.stderr
