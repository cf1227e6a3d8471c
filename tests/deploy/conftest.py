"""Fixtures for the deploy tests: the pinned helm and promtool that deploy/tools.sh installs, and chart renders."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
CHART = DEPLOY / "helm" / "relance"
PRODUCTION_VALUES = CHART / "ci" / "production-values.yaml"
# helm built with `go install` carries no Kubernetes version and assumes 1.20, below the chart's kubeVersion.
KUBE_VERSION = "1.30.0"


def tool_path(name: str) -> Path:
    """Return the tool from the deploy/tools.sh cache, else from PATH; fail with the fix when it is missing."""
    cache = Path(os.environ.get("RELANCE_CACHE_DIR", Path.home() / ".cache" / "relance")) / "bin" / name
    if cache.is_file() and os.access(cache, os.X_OK):
        return cache
    found = shutil.which(name)
    if found:
        return Path(found)
    pytest.fail(f"{name} not found in {cache.parent} or on PATH; install it with: bash deploy/tools.sh")


@pytest.fixture(scope="session")
def helm() -> Path:
    return tool_path("helm")


@pytest.fixture(scope="session")
def promtool() -> Path:
    return tool_path("promtool")


def run(command: list[str | Path], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def render(helm: Path) -> Callable[..., list[dict[str, Any]]]:
    """Return a function that renders the chart with value files and --set pairs into a list of manifests."""

    def render_chart(*value_files: Path, sets: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        command: list[str | Path] = [helm, "template", "rel", CHART, "--namespace", "pay", "--kube-version", KUBE_VERSION]
        for path in value_files:
            command += ["--values", path]
        for pair in sets:
            command += ["--set", pair]
        result = run(command)
        assert result.returncode == 0, f"helm template failed:\n{result.stderr}"
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    return render_chart


def of_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in manifests if doc["kind"] == kind]


def by_name(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [doc for doc in of_kind(manifests, kind) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} named {name}, found {len(matches)}"
    return matches[0]


def pod_specs(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return the pod spec of every workload and hook Job, by `<kind>/<name>`."""
    return {
        f"{doc['kind']}/{doc['metadata']['name']}": doc["spec"]["template"]["spec"]
        for doc in manifests if doc["kind"] in ("Deployment", "StatefulSet", "Job")
    }


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
