"""Run `relance worker` as a subprocess for integration tests, with its own topics, app id and web port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streams.settings import Settings

# The `relance` script installed beside the Python that runs the tests.
RELANCE = Path(os.environ.get("RELANCE_BIN", Path(sys.executable).parent / "relance"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class WorkerProcess:
    settings: Settings
    state_dir: Path
    time_scale: float
    clock_origin: float
    store: str = "memory://"
    log_path: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RELANCE_TOPIC_PREFIX": self.settings.topic_prefix,
            "RELANCE_APP_ID": self.settings.app_id,
            "RELANCE_PARTITIONS": str(self.settings.partitions),
            "RELANCE_STORE": self.store,
            "RELANCE_TIME_SCALE": str(self.time_scale),
            "RELANCE_CLOCK_ORIGIN": repr(self.clock_origin),
            "RELANCE_WEB_PORT": str(self.port),
            "RELANCE_STATE_DIR": str(self.state_dir),
        }

    def start(self, ready_timeout: float = 90.0) -> None:
        self.log_path = self.log_path or self.state_dir / "worker.log"
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([str(RELANCE), "worker"], env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}; log:\n{self.log_tail()}")
            if self.is_ready():
                return
            time.sleep(0.3)
        raise AssertionError(f"worker not ready within {ready_timeout} s; log:\n{self.log_tail()}")

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def scenario_day(self) -> float:
        """Return the current scenario time as days since the clock origin."""
        return (time.time() - self.clock_origin) * self.time_scale / 86400

    def terminate(self, timeout: float = 60.0) -> float:
        """Send SIGTERM and return the seconds the worker took to exit."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout)
        return time.monotonic() - started

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop_quietly(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
