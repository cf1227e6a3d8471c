"""Liveness, readiness and Prometheus endpoints of a channel worker, served on its metrics port."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import redis
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.consumer_lag import ConsumerLagMonitor

if TYPE_CHECKING:
    from agents.channels.settings import ChannelSettings
    from agents.channels.worker import ChannelWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProbeResult:
    """The result of one probe: whether it passed, and the facts behind it."""

    ok: bool
    details: dict[str, Any] = field(default_factory=dict)


class ChannelHealth:
    """Decide liveness and readiness of one channel worker from its loop heartbeat, Redis and Kafka.

    Live: the consume loop turned within `liveness_timeout_seconds`, or it waits for Redis or Kafka, which a
    restart would not bring back. Ready: the loop runs, Redis replies to PING and the broker responded to
    the lag monitor recently.
    """

    def __init__(self, worker: ChannelWorker, lag_monitor: ConsumerLagMonitor, liveness_timeout_seconds: float,
                 broker_timeout_seconds: float) -> None:
        self.worker = worker
        self.lag_monitor = lag_monitor
        self.liveness_timeout_seconds = liveness_timeout_seconds
        self.broker_timeout_seconds = broker_timeout_seconds
        self.started_at = time.monotonic()

    def liveness(self) -> ProbeResult:
        age = self._loop_age()
        if age <= self.liveness_timeout_seconds:
            return ProbeResult(True, {"loop_age_seconds": round(age, 1)})
        redis_up, broker_up = self._redis_up(), self._broker_up()
        details = {"loop_age_seconds": round(age, 1), "redis": _state(redis_up), "kafka": _state(broker_up)}
        if not (redis_up and broker_up):
            return ProbeResult(True, {**details, "waiting_for": "redis" if not redis_up else "kafka"})
        return ProbeResult(False, details)

    def readiness(self) -> ProbeResult:
        loop_started = self.worker.last_turn_at is not None
        redis_up, broker_up = self._redis_up(), self._broker_up()
        details = {"loop": "running" if loop_started else "starting", "redis": _state(redis_up),
                   "kafka": _state(broker_up)}
        return ProbeResult(loop_started and redis_up and broker_up, details)

    def _loop_age(self) -> float:
        last_turn = self.worker.last_turn_at
        return time.monotonic() - (last_turn if last_turn is not None else self.started_at)

    def _redis_up(self) -> bool:
        try:
            return bool(self.worker.redis.ping())
        except redis.RedisError as exc:
            # The worker logs each Redis outage once, so a probe that runs every few seconds logs at DEBUG.
            log.debug("redis ping failed channel=%s error=%s", self.worker.channel.value, exc)
            return False

    def _broker_up(self) -> bool:
        age = self.lag_monitor.seconds_since_success()
        return age is not None and age <= self.broker_timeout_seconds


def _state(up: bool) -> str:
    return "up" if up else "down"


class HealthServer:
    """An HTTP server on a background thread that serves /live, /ready and /metrics."""

    def __init__(self, health: ChannelHealth, host: str, port: int) -> None:
        self.health = health
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(health))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="channel-health", daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def start(self) -> None:
        self._thread.start()
        log.info("health server started host=%s port=%s paths=/live,/ready,/metrics",
                 self.httpd.server_address[0], self.port)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.health.lag_monitor.stop()


def _handler_for(health: ChannelHealth) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name BaseHTTPRequestHandler dispatches to
            if self.path == "/metrics":
                self._reply(200, generate_latest(), CONTENT_TYPE_LATEST)
            elif self.path in ("/live", "/ready"):
                result = health.liveness() if self.path == "/live" else health.readiness()
                body = {"status": "ok" if result.ok else "failing", **result.details}
                self._reply(200 if result.ok else 503, json.dumps(body).encode(), "application/json")
            else:
                self._reply(404, b'{"error": "not found; use /live, /ready or /metrics"}', "application/json")

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the signature of the base class
            # Probes arrive every few seconds, so request lines stay at DEBUG.
            log.debug("health request client=%s %s", self.client_address[0], format % args)

    return Handler


def serve_health(worker: ChannelWorker, channel_settings: ChannelSettings, port: int | None = None) -> HealthServer:
    """Start the lag monitor and the health server of `worker` on the metrics host and port, and return the server.

    The liveness timeout is the poll interval that Kafka allows (`max_poll_interval_seconds`). A loop idle
    longer than that has already lost its partitions, so a restart costs nothing more.
    """
    from agents.channels.worker import consumer_group

    lag_monitor = ConsumerLagMonitor(worker.settings, consumer_group(worker.settings, worker.channel), worker.topics)
    lag_monitor.start()
    health = ChannelHealth(
        worker, lag_monitor,
        liveness_timeout_seconds=channel_settings.max_poll_interval_seconds,
        broker_timeout_seconds=lag_monitor.interval_seconds * 3 + lag_monitor.timeout_seconds,
    )
    server = HealthServer(health, channel_settings.metrics_host,
                          port if port is not None else channel_settings.metrics_port or 0)
    server.start()
    return server
