"""The dev HTTP server on 127.0.0.1: it plays the SMS, voice, letter and push providers, records each request,
can be scripted to fail or hang, and lists the e-mails that the dev SMTP server of the same process stored.

Endpoints besides the providers' own paths:
  POST /_admin/script  {"path": "/sms", "statuses": [500, 200]}   respond to the next requests with these codes
                       {"path": "/sms", "always": 429}            respond to every request with this code
                       {"path": "/sms", "hang_seconds": 5}        wait this long before every response
  POST /_admin/reset   forget the scripts and the recorded requests
  GET  /_admin/requests[?path=/sms]                               the recorded requests, as JSON
  GET  /_dev/mail[?since=UNIX_SECONDS]                            the stored e-mails: id, received_at, from, to, subject
  GET  /_dev/mail/ID                                              one stored e-mail, as message/rfc822
Like a real provider, a request whose Idempotency-Key already got a 2xx response on the same path gets
the same response again, and it is recorded with "replayed": true.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import logging
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from streams.stack.dev_mail import MAIL_NAME, mail_entry, mail_files, parse_mail
from streams.stack.dev_settings import DEFAULT_HTTP_PORT, DEV_HOST

log = logging.getLogger(__name__)

HOST = DEV_HOST
HTTP_PORT = DEFAULT_HTTP_PORT
MAIL_PATH = "/_dev/mail"
_MAX_HANG_SECONDS = 120.0


@dataclass
class _Script:
    statuses: list[int] = field(default_factory=list)
    always: int | None = None
    hang_seconds: float = 0.0


class _ProviderState:
    def __init__(self, log_file: Path | None, mail_folder: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.scripts: dict[str, _Script] = {}
        self.responses_by_key: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.log_file = log_file
        self.mail_folder = mail_folder
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
        if url.path == MAIL_PATH or url.path.startswith(MAIL_PATH + "/"):
            self._mail(url.path, parse_qs(url.query))
            return
        if url.path != "/_admin/requests":
            self._reply(404, {"error": f"unknown path {url.path}"})
            return
        prefix = parse_qs(url.query).get("path", [""])[0]
        with self.server.state.lock:
            entries = [entry for entry in self.server.state.requests if entry["path"].startswith(prefix)]
        self._reply(200, {"requests": entries})

    def _mail(self, path: str, query: dict[str, list[str]]) -> None:
        folder = self.server.state.mail_folder
        if folder is None:
            self._reply(404, {"error": "this dev HTTP server has no mail folder; start it with streams.stack.devservers"})
            return
        if path == MAIL_PATH:
            try:
                since = float(query["since"][0]) if "since" in query else None
            except ValueError:
                self._reply(400, {"error": f"invalid since {query['since'][0]!r}: give a Unix time in seconds"})
                return
            self._reply(200, {"messages": [mail_entry(file) for file in mail_files(folder, since)]})
            return
        name = path[len(MAIL_PATH) + 1:]
        # Only names that the SMTP server writes are served, so a request cannot leave the mail folder.
        file = folder / name
        if not MAIL_NAME.fullmatch(name) or not file.is_file():
            self._reply(404, {"error": f"e-mail {name!r} not found; list the ids with GET {MAIL_PATH}"})
            return
        self._reply_bytes(200, file.read_bytes(), "message/rfc822")

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
        self._reply_bytes(status, json.dumps(body).encode(), "application/json")

    def _reply_bytes(self, status: int, payload: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
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
    """The fake SMS, voice, letter and push providers on 127.0.0.1, in a background thread.

    With `mail_folder`, the server also lists and serves the e-mails stored there under /_dev/mail.
    """

    def __init__(self, port: int = HTTP_PORT, log_file: Path | None = None, mail_folder: Path | None = None) -> None:
        self.state = _ProviderState(log_file, mail_folder)
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
    return json.loads(_get(base_url, f"/_admin/requests?path={quote(path)}", timeout))["requests"]


def fetch_mail_index(base_url: str, since: float | None = None, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Return the listing of the e-mails that a running dev server stored: id, received_at, from, to, subject.

    Raises urllib.error.URLError (HTTPError included) or OSError when the server does not respond or has no
    mail listing.
    """
    query = "" if since is None else f"?since={since}"
    return json.loads(_get(base_url, f"{MAIL_PATH}{query}", timeout))["messages"]


def fetch_mail(base_url: str, mail_id: str, timeout: float = 5.0) -> EmailMessage:
    """Return one e-mail that a running dev server stored, by the id that `fetch_mail_index` lists."""
    return parse_mail(_get(base_url, f"{MAIL_PATH}/{quote(mail_id)}", timeout))


def _get(base_url: str, path_and_query: str, timeout: float) -> bytes:
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError(f"dev server address {base_url!r} is not on loopback; use http://127.0.0.1:PORT")
    with urllib.request.urlopen(f"{base_url}{path_and_query}", timeout=timeout) as response:
        return response.read()

