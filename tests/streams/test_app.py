"""The Faust app factory: transport, store, partitions, web binding and credentials from the settings."""

from __future__ import annotations

import faust
from pydantic import SecretStr

from streams.app import broker_credentials, create_app, is_ready
from tests.support import unique_settings


def test_app_uses_settings(tmp_path):
    settings = unique_settings(state_dir=tmp_path, web_port=6199, partitions=4)
    app = create_app(settings)
    assert [str(url) for url in app.conf.broker] == ["kafka://127.0.0.1:9092"]
    assert str(app.conf.store) == "memory:"
    assert app.conf.topic_partitions == 4
    assert app.conf.processing_guarantee.value == "at_least_once"
    assert (app.conf.web_bind, app.conf.web_port) == ("127.0.0.1", 6199)
    assert app.conf.datadir == tmp_path / "faust"


def test_app_not_ready_before_start(tmp_path):
    app = create_app(unique_settings(state_dir=tmp_path))
    assert is_ready(app) is False


def test_plaintext_has_no_credentials():
    assert broker_credentials(unique_settings()) is None


def test_sasl_credentials_carry_user():
    settings = unique_settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="SCRAM-SHA-256",
                               kafka_sasl_username="relance", kafka_sasl_password=SecretStr("s3cret"))
    credentials = broker_credentials(settings)
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.username == "relance"
    assert credentials.mechanism.value == "SCRAM-SHA-256"
