"""Dev servers: the SMTP mailbox, the scripted HTTP providers, and their detached process in the stack."""

from __future__ import annotations

import socket
import threading
import time
from email.message import EmailMessage
from smtplib import SMTP

import httpx
import pytest

from streams.stack.dev_http import fetch_mail, fetch_mail_index
from streams.stack.devservers import (
    DevHttpServer,
    DevMailServer,
    DevServers,
    fetch_requests,
    list_received,
    received_emails,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _send_mail(port: int, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "relance@localhost"
    message["To"] = "camille@example.org"
    message["Subject"] = subject
    message.set_content("Bonjour")
    with SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(message)


@pytest.fixture
def http_server():
    server = DevHttpServer(port=0)
    server.start()
    yield server
    server.stop()


def test_smtp_server_stores_each_message(tmp_path):
    server = DevMailServer(tmp_path / "mail", _free_port())
    server.start()
    try:
        _send_mail(server.port, "premier")
        _send_mail(server.port, "second")
        messages = server.messages()
    finally:
        server.stop()
    assert [message["Subject"] for message in messages] == ["premier", "second"]
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_http_server_records_json_requests(http_server):
    answer = httpx.post(f"{http_server.base_url}/sms", json={"to": "+33612345678"}, headers={"Idempotency-Key": "k1"})
    assert answer.status_code == 200
    assert answer.json()["id"] == "dev-1"
    [request] = http_server.requests("/sms")
    assert request["json"] == {"to": "+33612345678"}
    assert request["idempotency_key"] == "k1"
    assert request["replayed"] is False


def test_http_server_scripts_statuses_through_admin(http_server):
    script = httpx.post(f"{http_server.base_url}/_admin/script", json={"path": "/voice", "statuses": [500, 429]})
    assert script.status_code == 200
    codes = [httpx.post(f"{http_server.base_url}/voice/calls", json={}).status_code for _ in range(3)]
    assert codes == [500, 429, 200]
    assert [entry["status"] for entry in fetch_requests(http_server.base_url, "/voice")] == [500, 429, 200]


def test_http_server_always_fails_when_told(http_server):
    httpx.post(f"{http_server.base_url}/_admin/script", json={"path": "/push", "always": 503})
    assert {httpx.post(f"{http_server.base_url}/push", json={}).status_code for _ in range(4)} == {503}
    assert httpx.post(f"{http_server.base_url}/sms", json={}).status_code == 200


def test_http_server_hangs_when_told(http_server):
    http_server.script("/letters", hang_seconds=1.5)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{http_server.base_url}/letters", json={}, timeout=0.5)
    assert len(http_server.requests("/letters")) == 1


def test_http_server_replays_answered_idempotency_key(http_server):
    first = httpx.post(f"{http_server.base_url}/push", json={}, headers={"Idempotency-Key": "same"})
    second = httpx.post(f"{http_server.base_url}/push", json={}, headers={"Idempotency-Key": "same"})
    assert second.json() == first.json()
    assert [entry["replayed"] for entry in http_server.requests("/push")] == [False, True]


def test_http_server_does_not_replay_failed_answer(http_server):
    http_server.script("/sms", statuses=[500])
    codes = [httpx.post(f"{http_server.base_url}/sms", json={}, headers={"Idempotency-Key": "k"}).status_code
             for _ in range(2)]
    assert codes == [500, 200]


def test_http_server_rejects_invalid_script(http_server):
    answer = httpx.post(f"{http_server.base_url}/_admin/script", json={"statuses": [500]})
    assert answer.status_code == 400
    assert "invalid script" in answer.json()["error"]


def test_http_server_reset_forgets_everything(http_server):
    http_server.script("/sms", always=500)
    httpx.post(f"{http_server.base_url}/sms", json={})
    httpx.post(f"{http_server.base_url}/_admin/reset")
    assert http_server.requests() == []
    assert httpx.post(f"{http_server.base_url}/sms", json={}).status_code == 200


def test_http_server_records_form_and_multipart(http_server):
    httpx.post(f"{http_server.base_url}/2010-04-01/Accounts/AC1/Messages.json", data={"To": "+33612345678"})
    httpx.post(f"{http_server.base_url}/letters", data={"metadata": "{}"},
               files={"file": ("a.pdf", b"%PDF-1.3 body", "application/pdf")})
    twilio, letter = http_server.requests()
    assert twilio["form"] == {"To": "+33612345678"}
    assert twilio["status"] == 200
    assert letter["form"] == {"metadata": "{}"}
    assert letter["files"]["file"] == {"filename": "a.pdf", "size": 13, "starts_with": "%PDF-1.3"}


def test_http_server_serves_requests_concurrently(http_server):
    http_server.script("/voice", hang_seconds=1.0)
    started = time.monotonic()
    threads = [threading.Thread(target=httpx.post, args=(f"{http_server.base_url}/voice",), kwargs={"json": {}})
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 3.0
    assert len(http_server.requests("/voice")) == 4


def test_detached_dev_servers_start_list_and_stop(tmp_path):
    smtp_port, http_port = _free_port(), _free_port()
    servers = DevServers(tmp_path / "stack", smtp_port=smtp_port, http_port=http_port)
    assert servers.status() == "stopped"
    assert servers.start().startswith("started")
    try:
        assert servers.status().startswith("running")
        _send_mail(smtp_port, "Votre prélèvement")
        httpx.post(f"http://127.0.0.1:{http_port}/sms", json={"to": "+33612345678"})
        received = list_received(tmp_path, f"http://127.0.0.1:{http_port}")
    finally:
        assert servers.stop() == "stopped"
    assert [(item.channel, item.summary) for item in received] == [
        ("email", "to=camille@example.org subject=Votre prélèvement"),
        ("sms", "path=/sms status=200"),
    ]
    assert servers.status() == "stopped"
    # The request log outlives the process, so the list still shows the SMS.
    assert [item.channel for item in list_received(tmp_path, f"http://127.0.0.1:{http_port}")] == ["email", "sms"]


@pytest.fixture
def mail_and_http(tmp_path):
    """Both dev servers in this process, the HTTP one listing the SMTP one's folder, as the detached process runs them."""
    folder = tmp_path / "other-stack" / "mail"
    mail = DevMailServer(folder, _free_port())
    http = DevHttpServer(port=0, mail_folder=folder)
    mail.start()
    http.start()
    yield mail, http
    http.stop()
    mail.stop()


def test_http_server_lists_and_serves_mail(mail_and_http):
    mail, http = mail_and_http
    _send_mail(mail.port, "premier")
    before_second = time.time()
    _send_mail(mail.port, "second")

    index = fetch_mail_index(http.base_url)
    recent = fetch_mail_index(http.base_url, since=before_second)
    message = fetch_mail(http.base_url, index[0]["id"])

    assert [entry["subject"] for entry in index] == ["premier", "second"]
    assert index[0]["to"] == "camille@example.org"
    assert index[0]["received_at"] <= index[1]["received_at"]
    assert [entry["subject"] for entry in recent] == ["second"]
    assert message["Subject"] == "premier"
    assert message.get_content().strip() == "Bonjour"


def test_http_server_rejects_unknown_mail_id(mail_and_http):
    _, http = mail_and_http
    for mail_id in ("..%2Fhttp-requests.jsonl", "1234-0001.eml", "%2e%2e%2fsecret"):
        answer = httpx.get(f"{http.base_url}/_dev/mail/{mail_id}")
        assert answer.status_code == 404, mail_id
        assert "not found" in answer.json()["error"]
    assert httpx.get(f"{http.base_url}/_dev/mail?since=yesterday").status_code == 400


def test_http_server_without_mail_folder_has_no_mail(http_server):
    answer = httpx.get(f"{http_server.base_url}/_dev/mail")
    assert answer.status_code == 404
    assert "no mail folder" in answer.json()["error"]


def test_list_received_reads_mail_of_other_stack(mail_and_http, tmp_path):
    mail, http = mail_and_http
    _send_mail(mail.port, "Votre prélèvement")
    this_stack = tmp_path / "this-stack"

    received = list_received(this_stack, http.base_url)
    emails = received_emails(this_stack, http_base_url=http.base_url)

    assert [(item.channel, item.summary) for item in received] == [
        ("email", "to=camille@example.org subject=Votre prélèvement"),
    ]
    assert [message["Subject"] for message in emails] == ["Votre prélèvement"]
    assert emails[0].get_body(("plain",)).get_content().strip() == "Bonjour"


def test_received_emails_falls_back_to_folder(tmp_path):
    folder = tmp_path / "stack" / "devservers" / "mail"
    mail = DevMailServer(folder, _free_port())
    mail.start()
    try:
        _send_mail(mail.port, "hors ligne")
    finally:
        mail.stop()
    nobody = f"http://127.0.0.1:{_free_port()}"

    assert [message["Subject"] for message in received_emails(tmp_path, http_base_url=nobody)] == ["hors ligne"]
    assert received_emails(tmp_path, since=time.time() + 60, http_base_url=nobody) == []
    assert [item.channel for item in list_received(tmp_path, nobody)] == ["email"]


def test_stop_reports_servers_of_other_stack(tmp_path):
    smtp_port, http_port = _free_port(), _free_port()
    owner = DevServers(tmp_path / "owner" / "stack", smtp_port=smtp_port, http_port=http_port)
    other = DevServers(tmp_path / "other" / "stack", smtp_port=smtp_port, http_port=http_port)
    owner.start()
    try:
        assert other.start().startswith("already running")
        assert other.stop() == "left running (not started by this stack)"
        assert other.status().endswith("(not started by this stack)")
        assert owner.answers()
    finally:
        assert owner.stop() == "stopped"
    assert other.stop() == "not running"
    assert owner.stop() == "not running"


def test_dev_ports_come_from_settings(monkeypatch, tmp_path):
    from agents.channels.settings import ChannelSettings

    monkeypatch.setenv("RELANCE_DEV_SMTP_PORT", "9425")
    monkeypatch.setenv("RELANCE_DEV_HTTP_PORT", "9426")

    servers = DevServers(tmp_path)
    channels = ChannelSettings()

    assert (servers.smtp_port, servers.http_port) == (9425, 9426)
    assert channels.smtp_host == "127.0.0.1"
    assert channels.smtp_port == 9425
    assert channels.sms_url == "http://127.0.0.1:9426/sms"
    assert channels.twilio_base_url == "http://127.0.0.1:9426"
    assert channels.voice_url == "http://127.0.0.1:9426/voice"
    assert channels.push_url == "http://127.0.0.1:9426/push"
    assert channels.letter_url == "http://127.0.0.1:9426/letters"


def test_explicit_provider_url_wins_over_dev_port(monkeypatch):
    from agents.channels.settings import ChannelSettings

    monkeypatch.setenv("RELANCE_DEV_HTTP_PORT", "9426")
    monkeypatch.setenv("RELANCE_SMS_URL", "http://127.0.0.1:7000/send")

    channels = ChannelSettings()

    assert channels.sms_url == "http://127.0.0.1:7000/send"
    assert channels.push_url == "http://127.0.0.1:9426/push"


@pytest.mark.parametrize("port", ["0", "70000", "smtp"])
def test_invalid_dev_port_is_rejected(monkeypatch, tmp_path, port):
    from pydantic import ValidationError

    monkeypatch.setenv("RELANCE_DEV_SMTP_PORT", port)
    with pytest.raises(ValidationError, match="dev_smtp_port"):
        DevServers(tmp_path)
