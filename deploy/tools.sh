#!/usr/bin/env bash
# Install the pinned helm and promtool that tests/deploy runs into ${RELANCE_CACHE_DIR:-~/.cache/relance}/bin.
# Each tool is built once with `go install` from the Go module proxy. An existing binary is kept.
set -euo pipefail

HELM_VERSION=v3.16.4
# Prometheus publishes its Go module as v0.<major><minor>.<patch>. v0.316.0 is the newest version checked here
# whose go.mod has no replace directive. `go install` rejects a module with one, and v0.315.1 has one.
PROMETHEUS_MODULE_VERSION=v0.316.0

bin_dir="${RELANCE_CACHE_DIR:-$HOME/.cache/relance}/bin"
mkdir -p "$bin_dir"

if ! command -v go >/dev/null; then
  echo "error: go not found; install Go 1.26 or later (https://go.dev/dl/), then run $0 again" >&2
  exit 1
fi

install_tool() {
  local name=$1 package=$2
  if [ -x "$bin_dir/$name" ]; then
    echo "$name: already installed at $bin_dir/$name"
    return
  fi
  echo "$name: building $package with go install; this takes a few minutes"
  GOBIN="$bin_dir" go install "$package"
  echo "$name: installed at $bin_dir/$name"
}

install_tool helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
install_tool promtool "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION"
