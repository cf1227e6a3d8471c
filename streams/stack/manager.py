"""Start, stop and report on every server of the local stack together."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from urllib.parse import urlsplit

from streams.errors import StackError

if TYPE_CHECKING:
    from streams.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def _loopback_port(address: str, setting: str) -> tuple[str, int]:
    host, _, port = address.strip().rpartition(":")
    if host not in LOOPBACK_HOSTS:
        raise StackError(
            f"the local stack runs on 127.0.0.1 only, but {setting} points to {host!r}; "
            "unset it, or point it to 127.0.0.1"
        )
    return host, int(port)


class Server(Protocol):
    name: str

    def start(self) -> str: ...

    def stop(self) -> str: ...

    def status(self) -> str: ...


@dataclass
class ServerStatus:
    name: str
    text: str


def default_cache_dir() -> Path:
    return Path(os.environ.get("RELANCE_CACHE_DIR", Path.home() / ".cache" / "relance"))


class LocalStack:
    """The servers that `relance stack up` starts, in start order, on the loopback ports of the settings."""

    def __init__(
        self,
        state_dir: Path,
        cache_dir: Path | None = None,
        kafka_port: int = 9092,
        redis_port: int = 6379,
    ) -> None:
        from streams.stack.devservers import DevServers
        from streams.stack.kafka import KafkaBroker
        from streams.stack.redis import RedisServer

        self.state_dir = state_dir
        stack_dir = state_dir / "stack"
        self.servers: list[Server] = [
            KafkaBroker(stack_dir, cache_dir or default_cache_dir(), port=kafka_port, controller_port=kafka_port + 1),
            RedisServer(stack_dir, port=redis_port),
            DevServers(stack_dir),
        ]

    @classmethod
    def from_settings(cls, settings: "Settings") -> "LocalStack":
        """Build the stack that serves the Kafka and Redis addresses of `settings`, which must be on loopback."""
        kafka_host, kafka_port = _loopback_port(settings.kafka_bootstrap_servers.split(",")[0], "RELANCE_KAFKA_BOOTSTRAP_SERVERS")
        redis_url = urlsplit(settings.redis_url.get_secret_value())
        _loopback_port(f"{redis_url.hostname}:{redis_url.port or 6379}", "RELANCE_REDIS_URL")
        return cls(settings.state_dir.resolve(), kafka_port=kafka_port, redis_port=redis_url.port or 6379)

    def up(self) -> list[ServerStatus]:
        results = []
        for server in self.servers:
            try:
                results.append(ServerStatus(server.name, server.start()))
            except StackError as exc:
                raise StackError(f"{server.name}: {exc}") from exc
        return results

    def down(self) -> list[ServerStatus]:
        return [ServerStatus(server.name, server.stop()) for server in reversed(self.servers)]

    def status(self) -> list[ServerStatus]:
        return [ServerStatus(server.name, server.status()) for server in self.servers]
