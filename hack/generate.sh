#!/usr/bin/env bash
# Regenerates what controller-gen derives from the Go sources: deepcopy (api/v1), the
# Config CRD (config/crd/bases) and the RBAC from +kubebuilder:rbac markers (config/rbac).
# With OUTDIR, writes everything under OUTDIR instead (the drift test compares that
# with the checked-in files).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-}"
obj_out=""; crd_out="config/crd/bases"; rbac_out="config/rbac"
if [ -n "$out" ]; then
  mkdir -p "$out/api/v1" "$out/config/crd/bases" "$out/config/rbac"
  obj_out="output:object:dir=$out/api/v1"
  crd_out="$out/config/crd/bases"; rbac_out="$out/config/rbac"
fi
# shellcheck disable=SC2086
go tool -modfile=hack/tools/go.mod controller-gen \
  object paths=./api/... $obj_out \
  crd paths=./api/... output:crd:artifacts:config="$crd_out" \
  rbac:roleName=cluster-samples-operator paths=./controllers/... output:rbac:artifacts:config="$rbac_out"

# The install manifests carry the CRD as generated.
manifests_out="${out:+$out/}manifests"
mkdir -p "$manifests_out"
cp "$crd_out/samples.operator.openshift.io_configs.yaml" "$manifests_out/0000_50_cluster-samples-operator_01-crd.yaml"

# The embedded samples content, from the catalogue in hack/gencontent.
go run ./hack/gencontent "${out:+$out/}internal/content/assets"

# The PrometheusRule wraps the rules that promtool tests (config/prometheus/rules.yaml).
rule_out="${out:+$out/}config/prometheus/prometheus_rule.yaml"
mkdir -p "$(dirname "$rule_out")"
{
  echo "# Generated from rules.yaml by hack/generate.sh; edit that file."
  echo "apiVersion: monitoring.coreos.com/v1"
  echo "kind: PrometheusRule"
  echo "metadata:"
  echo "  name: samples-operator-alerts"
  echo "  namespace: openshift-cluster-samples-operator"
  echo "spec:"
  grep -v '^#' config/prometheus/rules.yaml | sed 's/^/  /'
} > "$rule_out"
cp config/prometheus/service.yaml "$manifests_out/0000_50_cluster-samples-operator_05-metrics-service.yaml"
cp config/prometheus/servicemonitor.yaml "$manifests_out/0000_90_cluster-samples-operator_01-servicemonitor.yaml"
cp "$rule_out" "$manifests_out/0000_90_cluster-samples-operator_02-prometheusrule.yaml"
cp config/rbac/service_account.yaml "$manifests_out/0000_50_cluster-samples-operator_02-sa.yaml"
cp config/rbac/role.yaml "$manifests_out/0000_50_cluster-samples-operator_03-rbac.yaml"
cp config/rbac/role_binding.yaml "$manifests_out/0000_50_cluster-samples-operator_04-rbac-bindings.yaml"
cp config/manager/manager.yaml "$manifests_out/0000_50_cluster-samples-operator_06-deployment.yaml"
cp config/default/clusteroperator.yaml "$manifests_out/0000_50_cluster-samples-operator_07-clusteroperator.yaml"

# The OLM bundle's manifests, from the same sources.
go run ./hack/genbundle -version "${BUNDLE_VERSION:-0.0.1}" "${out:+$out/}bundle"

# Test-only CRDs for the monitoring kinds, generated from prometheus-operator's API types
# (pinned in hack/tools/go.mod), so the manifests test can dry-run them too.
mon_out="${out:+$out/}test/crds/monitoring"
mon_tmp="$(mktemp -d)"
(cd hack/tools && go tool controller-gen crd paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 output:crd:dir="$mon_tmp")
mkdir -p "$mon_out"
cp "$mon_tmp"/monitoring.coreos.com_servicemonitors.yaml "$mon_tmp"/monitoring.coreos.com_prometheusrules.yaml "$mon_out/"
rm -rf "$mon_tmp"
cp config/default/namespace.yaml "$manifests_out/0000_50_cluster-samples-operator_00-namespace.yaml"
