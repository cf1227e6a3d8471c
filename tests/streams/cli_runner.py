"""Run the installed `relance` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from streams.settings import Settings


def relance_env(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELANCE_")}
    if settings is not None:
        env.update(
            RELANCE_KAFKA_BOOTSTRAP_SERVERS=settings.kafka_bootstrap_servers,
            RELANCE_TOPIC_PREFIX=settings.topic_prefix,
            RELANCE_PARTITIONS=str(settings.partitions),
            RELANCE_APP_ID=settings.app_id,
            RELANCE_REDIS_URL=settings.redis_url.get_secret_value(),
        )
    env.update(extra)
    return env


def run_relance(*args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    executable = shutil.which("relance", path=str(Path(sys.executable).parent)) or "relance"
    return subprocess.run([executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
