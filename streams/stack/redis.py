"""Debian's redis-server on 127.0.0.1, installed with apt-get when it is missing and we run as root."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from streams.errors import StackError
from streams.stack.process import ManagedProcess, port_open

REDIS_HOST = "127.0.0.1"


class RedisServer:
    name = "redis"

    def __init__(self, state_dir: Path, port: int = 6379) -> None:
        self.port = port
        self.home = state_dir / "redis"
        self.process = ManagedProcess("redis", self.home / "redis.pid", self.home / "redis.log")

    @property
    def address(self) -> str:
        return f"{REDIS_HOST}:{self.port}"

    def answers(self) -> bool:
        if not port_open(REDIS_HOST, self.port):
            return False
        import redis

        try:
            return bool(redis.Redis(host=REDIS_HOST, port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def start(self, timeout: float = 20.0) -> str:
        if self.answers():
            return f"already running on {self.address}"
        binary = self._binary()
        self.home.mkdir(parents=True, exist_ok=True)
        argv = [
            binary, "--bind", REDIS_HOST, "--port", str(self.port), "--dir", str(self.home),
            "--appendonly", "yes", "--daemonize", "no", "--save", "",
            "--protected-mode", "yes",
        ]
        pid = self.process.start(argv)
        self.process.wait_until(self.answers, timeout)
        return f"started on {self.address} (pid {pid}, log {self.process.log_file})"

    def stop(self) -> str:
        if self.process.stop(timeout=30):
            return "stopped"
        return "left running (not started by this stack)" if self.answers() else "not running"

    def status(self) -> str:
        pid = self.process.pid()
        if self.answers():
            return f"running on {self.address}" + (f" (pid {pid})" if pid else " (not started by this stack)")
        return "stopped"

    def _binary(self) -> str:
        binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
        if binary:
            return binary
        if os.geteuid() != 0:
            raise StackError(
                "redis-server was not found; install it with `sudo apt-get install redis-server`, then run "
                "`relance stack up` again"
            )
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "redis-server"]):
            result = subprocess.run(command, capture_output=True, text=True,
                                    env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            if result.returncode != 0:
                raise StackError(f"`{' '.join(command)}` failed (exit {result.returncode}): {result.stderr[-1000:]}")
        # Debian starts the service on install; relance runs its own instance on loopback instead.
        subprocess.run(["service", "redis-server", "stop"], capture_output=True)
        binary = shutil.which("redis-server")
        if binary is None:
            raise StackError("redis-server is still missing after apt-get install redis-server; install it by hand")
        return binary
