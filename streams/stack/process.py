"""Start, watch and stop one detached server process with a pid file and a log file."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from streams.errors import StackError

log = logging.getLogger(__name__)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state != "Z"


@dataclass
class ManagedProcess:
    """A server process that outlives the CLI that started it."""

    name: str
    pid_file: Path
    log_file: Path
    server_log: Path | None = None
    """The server's own log, when it writes one beside its standard output (Kafka does)."""

    def logs(self) -> str:
        if self.server_log is None:
            return str(self.log_file)
        return f"{self.server_log} (standard output: {self.log_file})"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def start(self, argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> int:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log_handle:
            process = subprocess.Popen(
                argv,
                stdout=log_handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        log.info("started %s pid=%d log=%s", self.name, process.pid, self.log_file)
        return process.pid

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        """Wait until `ready()` is true; raise StackError naming the log when the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self.pid() is None:
                raise StackError(f"{self.name} exited during start-up; read its log: {self.logs()}")
            time.sleep(0.3)
        raise StackError(f"{self.name} did not become ready within {timeout:.0f} s; read its log: {self.logs()}")

    def stop(self, timeout: float = 60.0) -> bool:
        """Send SIGTERM and wait; send SIGKILL only when the process outlives `timeout`. Return False if it was not running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.2)
        if pid_alive(pid):
            log.warning("%s pid=%d ignored SIGTERM for %.0f s; sending SIGKILL", self.name, pid, timeout)
            os.kill(pid, signal.SIGKILL)
            kill_deadline = time.monotonic() + 10
            while time.monotonic() < kill_deadline and pid_alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True
