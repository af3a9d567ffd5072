#!/usr/bin/env bash
# Builds the control-plane binaries that envtest runs (kube-apiserver, etcd, kubectl)
# from the Go module proxy, because no download site for them is reachable here.
# They are built in throwaway modules so none of their dependencies reach our go.mod,
# and cached under the user's cache directory; a warm cache makes this a no-op.
# Prints the directory holding the binaries (and only that) on stdout; progress on stderr.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-$(make --no-print-directory -s -C "$(dirname "$0")/.." print-K8S_VERSION)}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
K8S_MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"
STAGING_VERSION="0.${K8S_MINOR}.$(echo "$K8S_VERSION" | cut -d. -f3)"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/cluster-samples-operator/envtest/${K8S_VERSION}"
bins=(kube-apiserver etcd kubectl)

warm() {
  for b in "${bins[@]}"; do [ -x "$cache/$b" ] || return 1; done
}
if warm; then
  echo "$cache"
  exit 0
fi

log() { echo "envtest-binaries: $*" >&2; }
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# build_with_progress OUT PKG [go build flags...]: go build -v, with a line every 30 s
# saying how long it has run and how many packages are done, so a 20-minute build
# does not look hung.
build_with_progress() {
  local out="$1" pkg="$2"; shift 2
  local start=$SECONDS logf="$work/$(basename "$out").log"
  log "building $pkg (first time only: a few minutes; kube-apiserver ~7-20 minutes on 2 cores)"
  go build -mod=mod -v "$@" -o "$out.tmp" "$pkg" 2>"$logf" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null || break
    log "  $(basename "$out"): $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s, $(grep -c . "$logf" || true) packages compiled"
  done
  if ! wait "$pid"; then
    grep -v '^[a-z0-9./_-]*$' "$logf" >&2 || tail -50 "$logf" >&2
    log "FAILED to build $pkg"
    return 1
  fi
  mv "$out.tmp" "$out"
  log "  $(basename "$out") built in $(( SECONDS - start ))s"
}

# kube-apiserver and kubectl: k8s.io/kubernetes replaces its staging modules with
# ./staging paths, which do not exist in the proxied module; point each one at the
# published staging module of the same release instead.
if [ ! -x "$cache/kube-apiserver" ] || [ ! -x "$cache/kubectl" ]; then
  mkdir "$work/k8s" && cd "$work/k8s"
  go mod init envtest-k8s >/dev/null 2>&1
  gomod="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  go mod edit -require "k8s.io/kubernetes@v${K8S_VERSION}"
  for m in $(sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$gomod"); do
    go mod edit -replace "$m=$m@v${STAGING_VERSION}"
  done
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_MINOR}"
  [ -x "$cache/kube-apiserver" ] || build_with_progress "$cache/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver -ldflags "$ldflags"
  [ -x "$cache/kubectl" ] || build_with_progress "$cache/kubectl" k8s.io/kubernetes/cmd/kubectl -ldflags "$ldflags"
fi

if [ ! -x "$cache/etcd" ]; then
  mkdir "$work/etcd" && cd "$work/etcd"
  go mod init envtest-etcd >/dev/null 2>&1
  go mod edit -require "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
  build_with_progress "$cache/etcd" go.etcd.io/etcd/server/v3 -ldflags "-s -w"
fi

warm
echo "$cache"
