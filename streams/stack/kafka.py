"""An Apache Kafka 4.x broker in KRaft mode, from jars that Maven resolves, run with the local Java."""

from __future__ import annotations

import logging
import shutil
import subprocess
import uuid
from pathlib import Path

from streams.errors import StackError
from streams.stack.process import ManagedProcess, port_open

log = logging.getLogger(__name__)

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "kafka"
KAFKA_HOST = "127.0.0.1"


def _kafka_version() -> str:
    text = (DEPLOY_DIR / "pom.xml").read_text()
    return text.split("<kafka.version>", 1)[1].split("</kafka.version>", 1)[0]


class KafkaBroker:
    """Single-node broker and controller on 127.0.0.1, with its data under the stack's state folder."""

    name = "kafka"

    def __init__(self, state_dir: Path, cache_dir: Path, port: int = 9092, controller_port: int = 9093) -> None:
        self.port = port
        self.controller_port = controller_port
        self.home = state_dir / "kafka"
        self.data_dir = self.home / "data"
        self.libs_dir = cache_dir / f"kafka-{_kafka_version()}" / "libs"
        self.process = ManagedProcess(
            "kafka", self.home / "kafka.pid", self.home / "logs" / "stdout.log", self.home / "logs" / "server.log"
        )

    @property
    def address(self) -> str:
        return f"{KAFKA_HOST}:{self.port}"

    def answers(self) -> bool:
        return port_open(KAFKA_HOST, self.port)

    def resolve_jars(self) -> None:
        """Download kafka_2.13 and its runtime dependencies with Maven, once per version."""
        marker = self.libs_dir / ".complete"
        if marker.exists():
            return
        mvn = _require_tool("mvn", "install Maven 3.8+ (Debian: apt-get install maven)")
        self.libs_dir.mkdir(parents=True, exist_ok=True)
        log.info("resolving Kafka %s jars with Maven into %s", _kafka_version(), self.libs_dir)
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(DEPLOY_DIR / "pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={self.libs_dir}", "-DincludeScope=runtime"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise StackError(
                f"Maven could not resolve the Kafka jars (exit {result.returncode}); its output ends with:\n"
                f"{(result.stdout + result.stderr)[-2000:]}"
            )
        marker.touch()

    def format_storage(self) -> None:
        """Write server.properties and format the KRaft storage on the first start only."""
        self.home.mkdir(parents=True, exist_ok=True)
        properties = self.home / "server.properties"
        template = (DEPLOY_DIR / "server.properties.template").read_text()
        properties.write_text(
            template.format(port=self.port, controller_port=self.controller_port, data_dir=self.data_dir)
        )
        if (self.data_dir / "meta.properties").exists():
            return
        java = _require_java()
        cluster_id = _random_cluster_id()
        result = subprocess.run(
            [java, "-cp", f"{self.libs_dir}/*", "kafka.tools.StorageTool", "format", "--standalone",
             f"--cluster-id={cluster_id}", "-c", str(properties)],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise StackError(f"formatting the Kafka storage in {self.data_dir} failed: {result.stdout}{result.stderr}")

    def start(self, timeout: float = 90.0) -> str:
        if self.answers():
            return f"already running on {self.address}"
        self.resolve_jars()
        self.format_storage()
        java = _require_java()
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        argv = [
            java, "-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={logs}",
            f"-Dlog4j2.configurationFile={DEPLOY_DIR / 'log4j2.properties'}",
            "-cp", f"{self.libs_dir}/*", "kafka.Kafka", str(self.home / "server.properties"),
        ]
        pid = self.process.start(argv)
        self.process.wait_until(self.answers, timeout)
        return f"started on {self.address} (pid {pid}, log {logs / 'server.log'})"

    def stop(self) -> str:
        # A broker that flushes its logs and the KRaft metadata can take a while on a slow disk.
        if self.process.stop(timeout=90):
            return "stopped"
        return "left running (not started by this stack)" if self.answers() else "not running"

    def status(self) -> str:
        pid = self.process.pid()
        if self.answers():
            return f"running on {self.address}" + (f" (pid {pid})" if pid else " (not started by this stack)")
        return "stopped"


def _random_cluster_id() -> str:
    """Return a cluster id in Kafka's form: a random UUID in URL-safe base64 without padding."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _require_java() -> str:
    return _require_tool("java", "install Java 17 or later (Debian: apt-get install openjdk-17-jre-headless)")


def _require_tool(tool: str, fix: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise StackError(f"{tool} was not found on PATH; {fix}")
    return path
