"""Start, stop and report on every server of the local stack together."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from streams.errors import StackError


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
    """The servers that `relance stack up` starts, in start order."""

    def __init__(self, state_dir: Path, cache_dir: Path | None = None) -> None:
        from streams.stack.kafka import KafkaBroker
        from streams.stack.redis import RedisServer

        stack_dir = state_dir / "stack"
        self.servers: list[Server] = [KafkaBroker(stack_dir, cache_dir or default_cache_dir()), RedisServer(stack_dir)]

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
