"""A channel worker's /live, /ready and /metrics reflect its real consume loop, Redis and broker."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import redis

from agents.channels.health import ChannelHealth, HealthServer, serve_health
from agents.channels.worker import consumer_group
from streams.consumer_lag import ConsumerLagMonitor
from tests.agents.channels.conftest import free_port, make_command, publish, read_outcomes, wait_for
from tests.support import settings_with_topics

pytestmark = pytest.mark.integration


def get(server: HealthServer, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{server.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for_status(server: HealthServer, path: str, status: int, timeout: float = 15) -> str:
    """Poll `path` until it returns `status`, then return the body of that response."""
    answers: list[tuple[int, str]] = []

    def answered() -> bool:
        answers.append(get(server, path))
        return answers[-1][0] == status

    wait_for(answered, timeout=timeout)
    return answers[-1][1]


@pytest.fixture
def health_servers():
    servers: list[HealthServer] = []
    yield servers
    for server in servers:
        server.stop()


def start_health(worker, liveness_timeout_seconds: float, servers: list[HealthServer]) -> HealthServer:
    monitor = ConsumerLagMonitor(worker.settings, consumer_group(worker.settings, worker.channel), worker.topics,
                                 interval_seconds=0.5, timeout_seconds=2)
    monitor.start()
    health = ChannelHealth(worker, monitor, liveness_timeout_seconds=liveness_timeout_seconds, broker_timeout_seconds=5)
    server = HealthServer(health, "127.0.0.1", 0)
    server.start()
    servers.append(server)
    return server


def test_running_worker_is_live_and_ready(stack, channel_settings, start_worker, health_servers):
    settings = settings_with_topics()
    worker = start_worker("email", settings, channel_settings)
    server = serve_health(worker, channel_settings, port=0)
    health_servers.append(server)

    body = wait_for_status(server, "/ready", 200, timeout=20)
    assert json.loads(body) == {"status": "ok", "loop": "running", "redis": "up", "kafka": "up"}
    status, body = get(server, "/live")
    assert status == 200
    assert json.loads(body)["status"] == "ok"


def test_metrics_show_channel_consumer_lag(stack, channel_settings, start_worker, health_servers):
    settings = settings_with_topics()
    worker = start_worker("email", settings, channel_settings)
    server = serve_health(worker, channel_settings, port=0)
    health_servers.append(server)
    group = consumer_group(settings, worker.channel)
    commands = settings.topic_name("notification-commands")

    wait_for(lambda: f'relance_consumer_lag{{group="{group}",partition="0",topic="{commands}"}}' in get(server, "/metrics")[1],
             timeout=20)
    status, body = get(server, "/metrics")
    assert status == 200
    assert "relance_channel_messages_total" in body or "relance_channel_deferred_commands" in body


def test_unknown_path_is_not_found(stack, channel_settings, start_worker, health_servers):
    settings = settings_with_topics()
    worker = start_worker("email", settings, channel_settings)
    server = start_health(worker, 60, health_servers)

    status, body = get(server, "/healthz")

    assert status == 404
    assert "/live" in body


def test_stuck_loop_fails_liveness(stack, channel_settings, start_worker, health_servers):
    settings = settings_with_topics()
    stuck_settings = channel_settings.model_copy(update={"channel_test_pause_after_claim_seconds": 4.0})
    worker = start_worker("email", settings, stuck_settings)
    server = start_health(worker, 1.0, health_servers)
    wait_for_status(server, "/ready", 200, timeout=20)

    publish(settings, "send_notification", make_command())

    details = json.loads(wait_for_status(server, "/live", 503))
    assert details["status"] == "failing"
    assert details["redis"] == "up"
    assert details["kafka"] == "up"
    assert details["loop_age_seconds"] >= 1.0

    # The worker sends once the pause ends, and its loop turns again.
    [outcome] = read_outcomes(settings, 1, timeout=20)
    assert outcome["status"] == "sent"
    wait_for_status(server, "/live", 200, timeout=10)


def test_redis_outage_fails_readiness_not_liveness(stack, channel_settings, start_worker, health_servers):
    settings = settings_with_topics()
    closed_port = free_port()
    unreachable = redis.Redis(host="127.0.0.1", port=closed_port, socket_timeout=0.5, socket_connect_timeout=0.5)
    worker = start_worker("email", settings, channel_settings, redis_client=unreachable)
    server = start_health(worker, 1.0, health_servers)

    wait_for(lambda: worker.last_turn_at is not None, timeout=20)
    wait_for(lambda: json.loads(get(server, "/live")[1]).get("waiting_for"), timeout=15)

    status, body = get(server, "/ready")
    assert status == 503
    assert json.loads(body)["redis"] == "down"
    status, body = get(server, "/live")
    assert status == 200
    assert json.loads(body)["waiting_for"] == "redis"
