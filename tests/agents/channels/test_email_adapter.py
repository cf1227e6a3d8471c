"""The e-mail adapter against the dev SMTP server: STARTTLS with AUTH, and both message parts."""

from __future__ import annotations

import ssl
import subprocess
from datetime import date

import pytest
from pydantic import SecretStr

from agents.channels.adapters.email import EmailAdapter
from agents.channels.errors import SendError
from agents.channels.settings import ChannelSettings
from agents.channels.templates import TemplateRenderer
from streams.stack.devservers import DevMailServer
from tests.agents.channels.conftest import free_port, make_command


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_mail_server(tmp_path, certificate):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = DevMailServer(tmp_path / "tls-mail", free_port(), auth=("relance", "s3cret"), tls_context=context)
    server.start()
    yield server
    server.stop()


def _send(settings: ChannelSettings) -> None:
    command = make_command()
    adapter = EmailAdapter(settings, key_scope="test.")
    try:
        adapter.send(command, TemplateRenderer().render(command, date(2026, 3, 6)))
    finally:
        adapter.close()


def test_starttls_with_auth_delivers_both_parts(tls_mail_server, certificate):
    _send(ChannelSettings(smtp_port=tls_mail_server.port, smtp_tls="starttls", smtp_ca_file=certificate[0],
                          smtp_username="relance", smtp_password=SecretStr("s3cret")))

    [message] = tls_mail_server.messages()
    assert message.get_body(("plain",)).get_content().startswith("Bonjour Camille Martin,")
    assert message.get_body(("html",)).get_content().startswith("<!DOCTYPE html>")
    assert message["Content-Language"] == "fr"


def test_untrusted_certificate_is_retryable_error(tls_mail_server):
    with pytest.raises(SendError) as raised:
        _send(ChannelSettings(smtp_port=tls_mail_server.port, smtp_tls="starttls",
                              smtp_username="relance", smtp_password=SecretStr("s3cret")))
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value) or "certificate" in str(raised.value).lower()
    assert tls_mail_server.messages() == []


def test_server_requiring_starttls_rejects_plain_session(tls_mail_server):
    with pytest.raises(SendError):
        _send(ChannelSettings(smtp_port=tls_mail_server.port, smtp_tls="none"))
    assert tls_mail_server.messages() == []


def test_unreachable_server_is_retryable():
    with pytest.raises(SendError) as raised:
        _send(ChannelSettings(smtp_port=free_port(), http_timeout_seconds=1))
    assert raised.value.retryable is True
