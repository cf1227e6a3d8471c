"""The Helm chart lints, renders with default and production-like values, and keeps secrets out of ConfigMaps."""

from __future__ import annotations

import pytest

from tests.deploy.conftest import CHART, KUBE_VERSION, PRODUCTION_VALUES, by_name, of_kind, pod_specs, run

SECRET_VARIABLES = {
    "RELANCE_KAFKA_SASL_PASSWORD", "RELANCE_KAFKA_SSL_KEY_PASSWORD", "RELANCE_REDIS_URL", "RELANCE_IBAN_HASH_KEY",
    "RELANCE_SMTP_PASSWORD", "RELANCE_SMS_TOKEN", "RELANCE_TWILIO_AUTH_TOKEN", "RELANCE_VOICE_TOKEN",
    "RELANCE_PUSH_TOKEN", "RELANCE_LETTER_TOKEN",
}
CHANNELS = ("email", "sms", "voice", "letter", "push")


def env_of(container: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container.get("env", [])}


@pytest.mark.parametrize("values", [(), (PRODUCTION_VALUES,)], ids=["default", "production"])
def test_helm_lint_passes(helm, values):
    command = [helm, "lint", CHART, "--strict", "--kube-version", KUBE_VERSION]
    for path in values:
        command += ["--values", path]

    result = run(command)

    assert result.returncode == 0, result.stdout + result.stderr


def test_default_render_has_every_component(render):
    manifests = render()

    assert by_name(manifests, "StatefulSet", "rel-relance-worker")
    deployments = {doc["metadata"]["name"] for doc in of_kind(manifests, "Deployment")}
    assert deployments == {"rel-relance-email", "rel-relance-sms", "rel-relance-letter"}
    assert by_name(manifests, "ConfigMap", "rel-relance-config")
    assert of_kind(manifests, "ServiceMonitor") == []
    pdbs = {doc["metadata"]["name"] for doc in of_kind(manifests, "PodDisruptionBudget")}
    assert pdbs == {"rel-relance-worker", "rel-relance-email", "rel-relance-sms", "rel-relance-letter"}


def test_production_render_enables_every_channel(render):
    manifests = render(PRODUCTION_VALUES)

    deployments = {doc["metadata"]["name"]: doc for doc in of_kind(manifests, "Deployment")}
    assert set(deployments) == {f"rel-relance-{channel}" for channel in CHANNELS}
    assert deployments["rel-relance-email"]["spec"]["replicas"] == 2
    assert deployments["rel-relance-push"]["spec"]["replicas"] == 1
    assert by_name(manifests, "StatefulSet", "rel-relance-worker")["spec"]["replicas"] == 3
    [monitor] = of_kind(manifests, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert {endpoint["port"] for endpoint in monitor["spec"]["endpoints"]} == {"http", "metrics"}


@pytest.mark.parametrize("values", [(), (PRODUCTION_VALUES,)], ids=["default", "production"])
def test_configmaps_hold_no_secret(render, values):
    manifests = render(*values)

    for config_map in of_kind(manifests, "ConfigMap"):
        leaked = SECRET_VARIABLES & set(config_map.get("data", {}))
        assert not leaked, f"{config_map['metadata']['name']} contains {sorted(leaked)}"
    for name, spec in pod_specs(manifests).items():
        for container in spec["containers"]:
            for variable in SECRET_VARIABLES & set(env_of(container)):
                assert "value" not in env_of(container)[variable], f"{name} sets {variable} as a plain value"


def test_secrets_come_from_existing_secret(render):
    manifests = render(PRODUCTION_VALUES)
    specs = pod_specs(manifests)

    email = env_of(specs["Deployment/rel-relance-email"]["containers"][0])
    assert email["RELANCE_SMTP_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "relance-secrets", "key": "smtp-password", "optional": True,
    }
    assert email["RELANCE_REDIS_URL"]["valueFrom"]["secretKeyRef"]["key"] == "redis-url"
    assert "RELANCE_SMS_TOKEN" not in email
    worker = env_of(specs["StatefulSet/rel-relance-worker"]["containers"][0])
    assert worker["RELANCE_IBAN_HASH_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "iban-hash-key"
    assert worker["RELANCE_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "relance-secrets"
    assert "RELANCE_SMTP_PASSWORD" not in worker
    job = env_of(specs["Job/rel-relance-topics"]["containers"][0])
    assert job["RELANCE_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "kafka-sasl-password"


def test_without_secret_no_secret_variable_is_set(render):
    manifests = render()

    for name, spec in pod_specs(manifests).items():
        assert not SECRET_VARIABLES & set(env_of(spec["containers"][0])), name


@pytest.mark.parametrize("where", ["config", "worker.env", "channels.sms.env"])
def test_secret_in_plain_values_fails(helm, where):
    result = run([helm, "template", "rel", CHART, "--kube-version", KUBE_VERSION,
                  "--set", f"{where}.RELANCE_REDIS_URL=redis://:hunter2@redis:6379/0"])

    assert result.returncode != 0
    assert f"{where} sets the secret RELANCE_REDIS_URL in plain values" in result.stderr
    assert '"redis-url"' in result.stderr
    assert "hunter2" not in result.stderr


def test_config_reaches_configmap(render):
    manifests = render(PRODUCTION_VALUES)

    data = by_name(manifests, "ConfigMap", "rel-relance-config")["data"]
    assert data["RELANCE_KAFKA_BOOTSTRAP_SERVERS"].startswith("kafka-0.kafka.example.org:9093,")
    assert data["RELANCE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert data["RELANCE_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert data["RELANCE_KAFKA_SSL_CAFILE"] == "/etc/relance/kafka-tls/ca.crt"
    assert data["RELANCE_TOPIC_PREFIX"] == "billing.relance."
    assert data["RELANCE_PARTITIONS"] == "12"
    assert data["RELANCE_SMTP_HOST"] == "smtp.example.org"
    assert all(isinstance(value, str) for value in data.values())


@pytest.mark.parametrize("values", [(), (PRODUCTION_VALUES,)], ids=["default", "production"])
def test_probes_and_grace_period_are_set(render, values):
    manifests = render(*values)

    workloads = of_kind(manifests, "Deployment") + of_kind(manifests, "StatefulSet")
    assert workloads
    for workload in workloads:
        name = workload["metadata"]["name"]
        spec = workload["spec"]["template"]["spec"]
        assert spec["terminationGracePeriodSeconds"] >= 30, name
        [container] = spec["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/live", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready", name
        port_names = {port["name"] for port in container["ports"]}
        assert container["livenessProbe"]["httpGet"]["port"] in port_names, name
        # Exec form, so that SIGTERM reaches relance rather than a shell.
        assert container["args"][0] == "relance", name


def test_probe_addresses_follow_pod_ip(render):
    manifests = render()
    specs = pod_specs(manifests)

    worker = env_of(specs["StatefulSet/rel-relance-worker"]["containers"][0])
    assert worker["RELANCE_WEB_HOST"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert worker["RELANCE_WEB_PORT"]["value"] == "6066"
    email = env_of(specs["Deployment/rel-relance-email"]["containers"][0])
    assert email["RELANCE_METRICS_HOST"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert email["RELANCE_METRICS_PORT"]["value"] == "9100"


def test_topics_hook_job_runs_before_install_and_upgrade(render):
    manifests = render()

    job = by_name(manifests, "Job", "rel-relance-topics")
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["relance", "topics", "create"]
    # Hooks run before the release's ConfigMap exists, so the Job carries its settings inline.
    assert "envFrom" not in container
    assert env_of(container)["RELANCE_PARTITIONS"]["value"] == "6"


def test_hook_job_can_be_disabled(render):
    manifests = render(sets=("topics.createJob.enabled=false",))

    assert of_kind(manifests, "Job") == []


def test_pods_non_root_read_only(render):
    manifests = render(PRODUCTION_VALUES)

    for name, spec in pod_specs(manifests).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        container = spec["containers"][0]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert "/tmp" in mounts, name


def test_worker_keeps_store_on_volume(render):
    manifests = render()
    worker = by_name(manifests, "StatefulSet", "rel-relance-worker")

    [claim] = worker["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "state"
    [container] = worker["spec"]["template"]["spec"]["containers"]
    assert {"name": "state", "mountPath": "/var/lib/relance"} in container["volumeMounts"]
    assert env_of(container)["RELANCE_STORE"]["value"] == "rocksdb://"


def test_worker_without_persistence_uses_empty_dir(render):
    manifests = render(sets=("worker.persistence.enabled=false",))
    worker = by_name(manifests, "StatefulSet", "rel-relance-worker")

    assert "volumeClaimTemplates" not in worker["spec"]
    volumes = {volume["name"]: volume for volume in worker["spec"]["template"]["spec"]["volumes"]}
    assert volumes["state"] == {"name": "state", "emptyDir": {}}


def test_kafka_tls_secret_is_mounted(render):
    manifests = render(PRODUCTION_VALUES)

    for name, spec in pod_specs(manifests).items():
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        assert volumes["kafka-tls"]["secret"]["secretName"] == "relance-kafka-tls", name
        mounts = {mount["name"]: mount for mount in spec["containers"][0]["volumeMounts"]}
        assert mounts["kafka-tls"]["mountPath"] == "/etc/relance/kafka-tls", name
        assert mounts["kafka-tls"]["readOnly"] is True, name


@pytest.mark.parametrize("pair, message", [
    ("worker.terminationGracePeriodSeconds=10", "worker.terminationGracePeriodSeconds"),
    ("kafka.securityProtocol=TLS", "kafka.securityProtocol"),
    ("kafka.bootstrapServers=broker-without-port", "kafka.bootstrapServers"),
    ("config.KAFKA_BOOTSTRAP=x", "config"),
])
def test_schema_rejects_bad_values(helm, pair, message):
    result = run([helm, "template", "rel", CHART, "--kube-version", KUBE_VERSION, "--set", pair])

    assert result.returncode != 0
    assert message in result.stderr
