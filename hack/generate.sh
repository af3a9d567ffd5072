#!/usr/bin/env bash
# Regenerates every generated file from its sources:
#   controller-gen: deepcopy (api/v1), the Config CRD (config/crd/bases), RBAC from the
#                   +kubebuilder:rbac markers (config/rbac);
#   hack/gencontent: the embedded samples content (internal/content/assets);
#   the runbook_url annotations of config/prometheus/rules.yaml and rules_test.yaml
#   (RUNBOOK_URL_PREFIX + <Alert>.md), and the PrometheusRule around rules.yaml;
#   hack/tools/manifests: manifests/, rendered from config/default with kustomize;
#   hack/genbundle: the OLM bundle (bundle/manifests);
#   the monitoring test CRDs (test/crds/monitoring).
# IMG and VERSION come from the environment (make passes them) or else from the
# Makefile, which is the one place they are written.
# With OUTDIR, writes everything under OUTDIR instead (the drift test compares that
# with the checked-in files).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
makevar() { make --no-print-directory -s -C "$root" "print-$1"; }
IMG="${IMG:-$(makevar IMG)}"
VERSION="${VERSION:-$(makevar VERSION)}"
RUNBOOK_URL_PREFIX="${RUNBOOK_URL_PREFIX:-$(makevar RUNBOOK_URL_PREFIX)}"

out="${1:-}"
dest="."
if [ -n "$out" ]; then
  dest="$out"
  mkdir -p "$dest"
  # The hand-written part of config/ is the input; generated files land beside it.
  cp -r config "$dest/"
fi
mkdir -p "$dest/api/v1" "$dest/config/crd/bases" "$dest/config/rbac"

go tool -modfile=hack/tools/go.mod controller-gen \
  object paths=./api/... output:object:dir="$dest/api/v1" \
  crd paths=./api/... output:crd:artifacts:config="$dest/config/crd/bases" \
  rbac:roleName=cluster-samples-operator paths=./controllers/... output:rbac:artifacts:config="$dest/config/rbac"

# The embedded samples content, from the catalogue in hack/gencontent.
go run ./hack/gencontent "$dest/internal/content/assets"

# Each alert's runbook_url is the prefix and its runbook's file name, in the rules and in
# the promtool tests' expected annotations alike.
for f in rules.yaml rules_test.yaml; do
  sed -E "s#^( *runbook_url: ).*/([A-Za-z]+\.md)\$#\1${RUNBOOK_URL_PREFIX}\2#" "config/prometheus/$f" > "$dest/config/prometheus/$f.tmp"
  mv "$dest/config/prometheus/$f.tmp" "$dest/config/prometheus/$f"
done

# The PrometheusRule wraps the rules that promtool tests (config/prometheus/rules.yaml).
{
  echo "# Generated from rules.yaml by hack/generate.sh; edit that file."
  echo "apiVersion: monitoring.coreos.com/v1"
  echo "kind: PrometheusRule"
  echo "metadata:"
  echo "  name: samples-operator-alerts"
  echo "  namespace: openshift-cluster-samples-operator"
  echo "spec:"
  grep -v '^#' "$dest/config/prometheus/rules.yaml" | sed 's/^/  /'
} > "$dest/config/prometheus/prometheus_rule.yaml"

# The install manifests: config/default rendered with kustomize, image set to IMG.
dest_abs="$(cd "$dest" && pwd)"
rm -rf "$dest/manifests"
(cd hack/tools/manifests && go run . -image "$IMG" "$dest_abs/config/default" "$dest_abs/manifests")

# The OLM bundle's manifests, from the same sources.
go run ./hack/genbundle -version "$VERSION" -config "$dest/config" -manifests "$dest/manifests" "$dest/bundle"

# Test-only CRDs for the monitoring kinds, generated from prometheus-operator's API types
# (pinned in hack/tools/go.mod), so the manifests test can dry-run them too.
mon_out="$dest/test/crds/monitoring"
mon_tmp="$(mktemp -d)"
(cd hack/tools && go tool controller-gen crd paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 output:crd:dir="$mon_tmp")
mkdir -p "$mon_out"
cp "$mon_tmp"/monitoring.coreos.com_servicemonitors.yaml "$mon_tmp"/monitoring.coreos.com_prometheusrules.yaml "$mon_out/"
rm -rf "$mon_tmp"
