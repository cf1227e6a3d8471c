"""The dev SMTP and HTTP provider servers as one detached process of the local stack, and what they received.

`relance stack up` runs `python -m streams.stack.devservers`: the SMTP server (`DevMailServer`) stores each
e-mail in a folder, and the HTTP server (`DevHttpServer`) plays the SMS, voice, letter and push providers and
also lists those e-mails under /_dev/mail. Their ports come from RELANCE_DEV_SMTP_PORT and RELANCE_DEV_HTTP_PORT
(8025 and 8026 by default), always on 127.0.0.1. When another stack's servers already listen on those ports,
`relance stack up` uses them, so the readers below query the HTTP server first and read this stack's folder
only when it does not respond.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
import urllib.error
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from streams.stack.dev_http import DevHttpServer, fetch_mail, fetch_mail_index, fetch_requests
from streams.stack.dev_mail import DevMailServer, mail_entry, mail_files, read_mailbox
from streams.stack.dev_settings import DEV_HOST, DevServerSettings, dev_http_base_url
from streams.stack.process import ManagedProcess, port_open

log = logging.getLogger(__name__)

HOST = DEV_HOST

__all__ = [
    "DevHttpServer", "DevMailServer", "DevServers", "Received", "dev_dir", "fetch_requests", "list_received",
    "read_mailbox", "received_emails",
]


def dev_dir(state_dir: Path) -> Path:
    """Folder of the dev servers under a stack state folder (the one `relance stack up` uses)."""
    return state_dir / "stack" / "devservers"


class DevServers:
    """Both dev servers as one detached process of the local stack; ports default to the RELANCE_DEV_* settings."""

    name = "devservers"

    def __init__(self, state_dir: Path, smtp_port: int | None = None, http_port: int | None = None) -> None:
        ports = DevServerSettings()
        self.home = state_dir / "devservers"
        self.smtp_port = smtp_port or ports.dev_smtp_port
        self.http_port = http_port or ports.dev_http_port
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
        if self.process.stop(timeout=10):
            self._wait_for_ports_closed()
            return "stopped"
        if self._any_port_open():
            return "left running (not started by this stack)"
        return "not running"

    def _any_port_open(self) -> bool:
        return port_open(HOST, self.smtp_port) or port_open(HOST, self.http_port)

    def _wait_for_ports_closed(self, timeout: float = 5.0) -> None:
        """Wait until both ports are free, so that "stopped" means a new server can bind them."""
        deadline = time.monotonic() + timeout
        while self._any_port_open() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self._any_port_open():
            log.warning("dev server ports still accept connections after stop smtp_port=%d http_port=%d",
                        self.smtp_port, self.http_port)

    def status(self) -> str:
        if self.answers():
            pid = self.process.pid()
            owner = f"pid {pid}" if pid else "not started by this stack"
            return f"running: SMTP {HOST}:{self.smtp_port}, HTTP {HOST}:{self.http_port} ({owner})"
        return "stopped"


@dataclass(frozen=True)
class Received:
    """One message that a dev server received, for `relance outbox list` and the demo."""

    channel: str
    received_at: float
    summary: str


def list_received(state_dir: Path, http_base_url: str | None = None) -> list[Received]:
    """Return what the running dev servers received, e-mails first, then provider requests.

    Both lists come from the dev HTTP server at `http_base_url` (RELANCE_DEV_HTTP_PORT on 127.0.0.1 by default),
    which may belong to another stack. Each list falls back to the files of `state_dir`'s dev servers when that
    server does not respond.
    """
    base_url = http_base_url or DevServerSettings().dev_http_base_url
    home = dev_dir(state_dir)
    try:
        mails = fetch_mail_index(base_url)
    except (urllib.error.URLError, OSError):
        mails = [mail_entry(path) for path in mail_files(home / "mail")]
    items = [Received("email", entry["received_at"], f"to={entry['to']} subject={entry['subject']}") for entry in mails]
    try:
        requests = fetch_requests(base_url)
    except (urllib.error.URLError, OSError):
        requests = _read_jsonl(home / "http-requests.jsonl")
    for entry in requests:
        channel = _channel_of(entry["path"])
        items.append(Received(channel, entry["received_at"], f"path={entry['path']} status={entry['status']}"
                              + (" replayed" if entry.get("replayed") else "")))
    return items


def received_emails(state_dir: Path, since: float | None = None, http_base_url: str | None = None) -> list[EmailMessage]:
    """Return the e-mails that the running dev SMTP server stored, oldest first, those received since `since` when given.

    Like `list_received`, this queries the dev HTTP server first and reads `state_dir`'s mail folder only when
    that server does not respond.
    """
    base_url = http_base_url or DevServerSettings().dev_http_base_url
    try:
        return [fetch_mail(base_url, entry["id"]) for entry in fetch_mail_index(base_url, since)]
    except (urllib.error.URLError, OSError):
        return read_mailbox(dev_dir(state_dir) / "mail", since)


def _channel_of(path: str) -> str:
    if "/Messages.json" in path or path.startswith("/sms"):
        return "sms"
    return path.strip("/").split("/")[0] or "unknown"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> None:
    """Run both dev servers in the foreground until SIGTERM or SIGINT."""
    ports = DevServerSettings()
    parser = argparse.ArgumentParser(description="relance dev SMTP and HTTP provider servers on 127.0.0.1")
    parser.add_argument("--folder", type=Path, required=True, help="Folder for the mailbox and the request log.")
    parser.add_argument("--smtp-port", type=int, default=ports.dev_smtp_port)
    parser.add_argument("--http-port", type=int, default=ports.dev_http_port)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    mail = DevMailServer(args.folder / "mail", args.smtp_port)
    http = DevHttpServer(args.http_port, args.folder / "http-requests.jsonl", mail_folder=args.folder / "mail")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    mail.start()
    http.start()
    log.info("dev servers ready smtp=%s:%d http=%s", HOST, args.smtp_port, dev_http_base_url(args.http_port))
    stopped.wait()
    http.stop()
    mail.stop()


if __name__ == "__main__":
    main()
