"""Dev and test servers on 127.0.0.1: an SMTP server that stores each message, and an HTTP server that plays
the SMS, voice, letter and push providers, records each request, and can be scripted to fail or hang.

Run them in-process (`DevMailServer`, `DevHttpServer`), or detached with `relance stack up` (`DevServers`).
The HTTP server's admin endpoints:
  POST /_admin/script  {"path": "/sms", "statuses": [500, 200]}   respond to the next requests with these codes
                       {"path": "/sms", "always": 429}            respond to every request with this code
                       {"path": "/sms", "hang_seconds": 5}        wait this long before every response
  POST /_admin/reset   forget the scripts and the recorded requests
  GET  /_admin/requests[?path=/sms]                               the recorded requests, as JSON
Like a real provider, a request whose Idempotency-Key already got a 2xx response on the same path gets
the same response again, and it is recorded with "replayed": true.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import json
import logging
import signal
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from streams.stack.process import ManagedProcess, port_open

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
SMTP_PORT = 8025
HTTP_PORT = 8026
_MAX_HANG_SECONDS = 120.0


def dev_dir(state_dir: Path) -> Path:
    """Folder of the dev servers under a stack state folder (the one `relance stack up` uses)."""
    return state_dir / "stack" / "devservers"


# SMTP


class _MailboxHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._counter = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{next(self._counter):04d}.eml"
        temporary = self.folder / (name + ".tmp")
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.folder / name)
        return "250 Message accepted for delivery"


class DevMailServer:
    """An aiosmtpd server on 127.0.0.1 that writes every message it accepts as an .eml file."""

    def __init__(self, folder: Path, port: int = SMTP_PORT, auth: tuple[str, str] | None = None,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.folder = folder
        self.port = port
        kwargs: dict[str, Any] = {}
        if tls_context is not None:
            kwargs = {"tls_context": tls_context, "require_starttls": True}
        if auth is not None:
            user, password = auth

            def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
                from aiosmtpd.smtp import AuthResult, LoginPassword

                ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
                return AuthResult(success=ok, handled=False)

            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls_context is not None)
        self.controller = Controller(_MailboxHandler(folder), hostname=HOST, port=port, **kwargs)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.controller.start()
        log.info("dev SMTP server listening on %s:%d folder=%s", HOST, self.port, self.folder)

    def stop(self) -> None:
        self.controller.stop()

    def messages(self) -> list[EmailMessage]:
        return read_mailbox(self.folder)

    def clear(self) -> None:
        for path in self.folder.glob("*.eml"):
            path.unlink()


def read_mailbox(folder: Path) -> list[EmailMessage]:
    """Return the messages stored in `folder`, oldest first."""
    messages = []
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        messages.append(message)  # type: ignore[arg-type]
    return messages


# HTTP


@dataclass
class _Script:
    statuses: list[int] = field(default_factory=list)
    always: int | None = None
    hang_seconds: float = 0.0


class _ProviderState:
    def __init__(self, log_file: Path | None) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.scripts: dict[str, _Script] = {}
        self.responses_by_key: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.log_file = log_file
        self.sequence = itertools.count(1)

    def script_for(self, path: str) -> _Script | None:
        matches = [prefix for prefix in self.scripts if path.startswith(prefix)]
        return self.scripts[max(matches, key=len)] if matches else None

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)
            if self.log_file is not None:
                self.log_file.parent.mkdir(parents=True, exist_ok=True)
                with self.log_file.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry) + "\n")


class _ProviderHandler(BaseHTTPRequestHandler):
    server: "_ProviderHttpServer"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("dev HTTP %s", format % args)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/_admin/requests":
            self._reply(404, {"error": f"unknown path {url.path}"})
            return
        prefix = parse_qs(url.query).get("path", [""])[0]
        with self.server.state.lock:
            entries = [entry for entry in self.server.state.requests if entry["path"].startswith(prefix)]
        self._reply(200, {"requests": entries})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        if path.startswith("/_admin/"):
            self._admin(path, body)
            return
        self._provider(path, body)

    def _admin(self, path: str, body: bytes) -> None:
        state = self.server.state
        if path == "/_admin/reset":
            with state.lock:
                state.requests.clear()
                state.scripts.clear()
                state.responses_by_key.clear()
            self._reply(200, {"reset": True})
            return
        if path == "/_admin/script":
            try:
                spec = json.loads(body or b"{}")
                script = _Script(
                    statuses=[int(code) for code in spec.get("statuses", [])],
                    always=int(spec["always"]) if spec.get("always") is not None else None,
                    hang_seconds=min(float(spec.get("hang_seconds", 0)), _MAX_HANG_SECONDS),
                )
                prefix = str(spec["path"])
            except (ValueError, KeyError, TypeError) as exc:
                self._reply(400, {"error": f"invalid script {body[:200]!r}: {exc}; send path plus statuses, always or hang_seconds"})
                return
            with state.lock:
                state.scripts[prefix] = script
            self._reply(200, {"scripted": prefix})
            return
        self._reply(404, {"error": f"unknown admin path {path}"})

    def _provider(self, path: str, body: bytes) -> None:
        state = self.server.state
        key = self.headers.get("Idempotency-Key")
        with state.lock:
            replay = state.responses_by_key.get((path, key)) if key else None
            script = state.script_for(path)
            status = 200
            if script is not None and script.statuses:
                status = script.statuses.pop(0)
            elif script is not None and script.always is not None:
                status = script.always
            hang = script.hang_seconds if script is not None else 0.0

        entry = {
            "seq": next(state.sequence),
            "received_at": time.time(),
            "method": "POST",
            "path": path,
            "idempotency_key": key,
            "content_type": self.headers.get("Content-Type", ""),
            "status": replay[0] if replay else status,
            "replayed": replay is not None,
            **_decode_body(self.headers.get("Content-Type", ""), body),
        }
        state.record(entry)

        if hang:
            time.sleep(hang)
        if replay is not None:
            self._reply(*replay)
            return
        if status >= 300:
            self._reply(status, {"error": f"scripted response {status}"})
            return

        response_body = _success_body(path, entry["seq"])
        code = 201 if "/Messages.json" in path else 200
        if key:
            with state.lock:
                state.responses_by_key[(path, key)] = (code, response_body)
        self._reply(code, response_body)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("dev HTTP client closed the connection before the response")


def _success_body(path: str, sequence: int) -> dict[str, Any]:
    if "/Messages.json" in path:
        return {"sid": f"SM{uuid.uuid4().hex}", "status": "queued"}
    return {"id": f"dev-{sequence}", "status": "queued"}


def _decode_body(content_type: str, body: bytes) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        try:
            return {"json": json.loads(body)}
        except ValueError:
            return {"raw": body[:2000].decode("utf-8", "replace")}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {"form": {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}}
    if content_type.startswith("multipart/form-data"):
        message = email.message_from_bytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
        )
        form: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = {"filename": part.get_filename(), "size": len(content), "starts_with": content[:8].decode("latin-1")}
            else:
                form[name] = content.decode("utf-8", "replace")
        return {"form": form, "files": files}
    return {"raw": body[:2000].decode("utf-8", "replace")}


class _ProviderHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, state: _ProviderState) -> None:
        super().__init__((HOST, port), _ProviderHandler)
        self.state = state


class DevHttpServer:
    """The fake SMS, voice, letter and push providers on 127.0.0.1, in a background thread."""

    def __init__(self, port: int = HTTP_PORT, log_file: Path | None = None) -> None:
        self.state = _ProviderState(log_file)
        self.server = _ProviderHttpServer(port, self.state)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="dev-http", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        log.info("dev HTTP provider listening on %s", self.base_url)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests(self, path: str = "") -> list[dict[str, Any]]:
        with self.state.lock:
            return [entry for entry in self.state.requests if entry["path"].startswith(path)]

    def script(self, path: str, statuses: list[int] | None = None, always: int | None = None,
               hang_seconds: float = 0.0) -> None:
        with self.state.lock:
            self.state.scripts[path] = _Script(list(statuses or []), always, hang_seconds)


def fetch_requests(base_url: str, path: str = "", timeout: float = 5.0) -> list[dict[str, Any]]:
    """Return the requests that a running dev HTTP server recorded, through its admin endpoint."""
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError(f"dev server address {base_url!r} is not on loopback; use http://127.0.0.1:PORT")
    with urllib.request.urlopen(f"{base_url}/_admin/requests?path={path}", timeout=timeout) as response:
        return json.loads(response.read())["requests"]


# Detached servers for `relance stack up`


class DevServers:
    """Both dev servers as one detached process of the local stack."""

    name = "devservers"

    def __init__(self, state_dir: Path, smtp_port: int = SMTP_PORT, http_port: int = HTTP_PORT) -> None:
        self.home = state_dir / "devservers"
        self.smtp_port = smtp_port
        self.http_port = http_port
        self.process = ManagedProcess("devservers", self.home / "devservers.pid", self.home / "devservers.log")

    def answers(self) -> bool:
        return port_open(HOST, self.smtp_port) and port_open(HOST, self.http_port)

    def start(self, timeout: float = 20.0) -> str:
        if self.answers():
            return f"already running: SMTP {HOST}:{self.smtp_port}, HTTP {HOST}:{self.http_port}"
        argv = [sys.executable, "-m", "streams.stack.devservers", "--folder", str(self.home),
                "--smtp-port", str(self.smtp_port), "--http-port", str(self.http_port)]
        pid = self.process.start(argv)
        self.process.wait_until(self.answers, timeout)
        return f"started SMTP on {HOST}:{self.smtp_port} and HTTP on {HOST}:{self.http_port} (pid {pid})"

    def stop(self) -> str:
        return "stopped" if self.process.stop(timeout=10) else "not running (started by this stack)"

    def status(self) -> str:
        if self.answers():
            return f"running: SMTP {HOST}:{self.smtp_port}, HTTP {HOST}:{self.http_port}"
        return "stopped"


@dataclass(frozen=True)
class Received:
    """One message that a dev server received, for `relance outbox list` and the demo."""

    channel: str
    received_at: float
    summary: str


def list_received(state_dir: Path, http_base_url: str = f"http://{HOST}:{HTTP_PORT}") -> list[Received]:
    """Return what the detached dev servers of `state_dir` received: e-mails, then provider requests."""
    home = dev_dir(state_dir)
    items = [
        Received("email", _mail_time(message), f"to={message['To']} subject={message['Subject']}")
        for message in read_mailbox(home / "mail")
    ]
    try:
        requests = fetch_requests(http_base_url)
    except (urllib.error.URLError, OSError):
        requests = _read_jsonl(home / "http-requests.jsonl")
    for entry in requests:
        channel = _channel_of(entry["path"])
        items.append(Received(channel, entry["received_at"], f"path={entry['path']} status={entry['status']}"
                              + (" replayed" if entry.get("replayed") else "")))
    return items


def _channel_of(path: str) -> str:
    if "/Messages.json" in path or path.startswith("/sms"):
        return "sms"
    return path.strip("/").split("/")[0] or "unknown"


def _mail_time(message: EmailMessage) -> float:
    date = message["Date"]
    return date.datetime.timestamp() if date is not None and getattr(date, "datetime", None) else 0.0


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> None:
    """Run both dev servers in the foreground until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="relance dev SMTP and HTTP provider servers on 127.0.0.1")
    parser.add_argument("--folder", type=Path, required=True, help="Folder for the mailbox and the request log.")
    parser.add_argument("--smtp-port", type=int, default=SMTP_PORT)
    parser.add_argument("--http-port", type=int, default=HTTP_PORT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    mail = DevMailServer(args.folder / "mail", args.smtp_port)
    http = DevHttpServer(args.http_port, args.folder / "http-requests.jsonl")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    mail.start()
    http.start()
    stopped.wait()
    http.stop()
    mail.stop()


if __name__ == "__main__":
    main()
