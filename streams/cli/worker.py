"""`relance worker`: create the topics, then run the Faust worker with the case agent until SIGTERM."""

from __future__ import annotations

import logging

import click

from streams.settings import Settings, get_settings

log = logging.getLogger(__name__)


def build_worker_app(settings: Settings):  # -> faust.App, imported lazily so the CLI starts fast
    """Return the Faust app with the case agent registered; the scenario file is validated here."""
    from agents.cases.agent import register_case_agent
    from agents.scenario import load_scenario
    from streams.app import create_app

    scenario = load_scenario(settings.scenario_file)
    app = create_app(settings)
    register_case_agent(app, settings, scenario=scenario)
    return app


def start_lag_monitor(settings: Settings):  # -> ConsumerLagMonitor
    """Start measuring the case agent's consumer lag for /metrics; Faust's consumer group id is the app id."""
    from agents.cases.agent import INPUT_SCHEMAS
    from streams.consumer_lag import ConsumerLagMonitor

    monitor = ConsumerLagMonitor(settings, settings.app_id, [settings.topic_name(topic.value) for topic in INPUT_SCHEMAS])
    monitor.start()
    return monitor


@click.command("worker")
def command() -> None:
    """Run the dunning engine: the case agent, its durable timers and the health endpoints.

    SIGTERM or SIGINT stops it after the offsets of processed records are committed.
    """
    import faust

    from streams.topics import create_topics

    settings = get_settings()
    log.info("worker starting settings=%s", settings.redacted())
    check_web_port(settings)
    app = build_worker_app(settings)
    for report in create_topics(settings):
        log.info("topic ready name=%s status=%s", report.name, report.status)
    start_lag_monitor(settings)
    worker = faust.Worker(app, loglevel=settings.log_level.lower(), override_logging=False)
    try:
        worker.execute_from_commandline()
    finally:
        log.info("worker stopped app_id=%s", settings.app_id)


def check_web_port(settings: Settings) -> None:
    """Raise ConfigError when the health and metrics port is taken, before Faust fails on it with a traceback."""
    import socket

    from streams.errors import ConfigError

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.web_host, settings.web_port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {settings.web_host}:{settings.web_port} for /live, /ready and /metrics: "
                f"{exc.strerror}; stop the process that uses it or set RELANCE_WEB_PORT to a free port"
            ) from exc
