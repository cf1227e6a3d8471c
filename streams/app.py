"""The Faust application: aiokafka transport, table store, web server with liveness, readiness and metrics."""

from __future__ import annotations

import logging

import faust
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.settings import Settings

log = logging.getLogger(__name__)


def broker_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    """Return the aiokafka credentials for the configured security protocol, or None on plaintext."""
    context = settings.ssl_context()
    if settings.kafka_security_protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username, password=password, ssl_context=context,
            mechanism=settings.kafka_sasl_mechanism or "PLAIN",
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def create_app(settings: Settings) -> faust.App:
    """Return a Faust app for `settings`; the agents and tables register on it afterwards."""
    datadir = settings.state_dir / "faust"
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server.strip()}" for server in settings.kafka_bootstrap_servers.split(",")],
        broker_credentials=broker_credentials(settings),
        store=settings.store,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        # The leader topic only serves on_leader timers, which relance does not use.
        topic_disable_leader=True,
        datadir=str(datadir),
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # A worker killed without leaving the group blocks its partitions until the session times out.
        broker_session_timeout=10.0,
        broker_heartbeat_interval=3.0,
        autodiscover=False,
        # Faust creates table changelogs compacted, without time retention, because recovery fails in
        # faust-streaming 0.15 once retention empties a changelog partition.
        table_standby_replicas=0,
    )
    _add_health_views(app)
    log.info(
        "faust app created app_id=%s brokers=%s store=%s partitions=%s web=%s:%s",
        settings.app_id, settings.kafka_bootstrap_servers, settings.store, settings.partitions,
        settings.web_host, settings.web_port,
    )
    return app


def is_ready(app: faust.App) -> bool:
    """Return whether the app has recovered its tables and is not rebalancing."""
    recovery = app.tables.recovery
    return recovery.completed.is_set() and not recovery.in_recovery and not app.rebalancing


def _add_health_views(app: faust.App) -> None:
    @app.page("/live")
    class Live(View):
        """Liveness: the event loop answers."""

        async def get(self, request: Request) -> Response:
            return self.json({"status": "alive"})

    @app.page("/ready")
    class Ready(View):
        """Readiness: 200 once table recovery has completed, 503 before that and during rebalances."""

        async def get(self, request: Request) -> Response:
            if is_ready(app):
                return self.json({"status": "ready"})
            return self.json({"status": "recovering"}, status=503)

    @app.page("/metrics")
    class Metrics(View):
        """Prometheus metrics of this process."""

        async def get(self, request: Request) -> Response:
            return self.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST.split(";")[0])
