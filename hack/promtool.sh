#!/usr/bin/env bash
# Builds promtool (for `promtool test rules`) from the Go module proxy once and caches it
# under the user's cache directory; prints the binary's path on stdout.
set -euo pipefail
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"
bin="${XDG_CACHE_HOME:-$HOME/.cache}/cluster-samples-operator/tools/promtool-${PROMETHEUS_VERSION}"
if [ ! -x "$bin/promtool" ]; then
  echo "promtool: building github.com/prometheus/prometheus/cmd/promtool@${PROMETHEUS_VERSION} (first time only, ~10 CPU-minutes)" >&2
  mkdir -p "$bin"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/promtool@${PROMETHEUS_VERSION}" >&2
fi
echo "$bin/promtool"
