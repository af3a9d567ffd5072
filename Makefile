# Cluster Samples Operator. `make run` runs it against a local control plane;
# `make test` runs every test. Go is the only prerequisite: everything else is built
# from the Go module proxy and cached under $XDG_CACHE_HOME (or ~/.cache).

# Versions and names, each written once, here. hack/generate.sh, hack/envtest-binaries.sh,
# the generators and the tests read them from this file (`make print-VAR`); a test fails
# when the manifests, the bundle, the test harness or the README disagree with them.
# VERSION: the operator's and the OLM bundle's version (CSV, `--release-version` of make run).
VERSION ?= 0.0.1
# IMG: the operator image the manifests and the bundle deploy; `make image` builds it.
IMG ?= quay.io/openshift/origin-cluster-samples-operator:latest
# K8S_VERSION: the kube-apiserver (and kubectl) release the tests run against.
K8S_VERSION ?= 1.37.2
# RUNBOOK_URL_PREFIX: where the alerts' runbook_url annotations point; each alert's runbook
# is docs/runbooks/<Alert>.md, so the prefix is that directory as published.
RUNBOOK_URL_PREFIX ?= https://github.com/openshift/cluster-samples-operator/blob/main/docs/runbooks/

# Extra flags for `go test`, for example TESTFLAGS='-run TestBootstrap -v'.
TESTFLAGS ?=
# make run: image references matching this regular expression fail to import.
FAIL_IMAGES ?=
# make run: the bootstrap registry probe target; empty skips the probe (the local
# cluster imports from an in-process registry), REGISTRY_PROBE=registry.redhat.io:443
# tries the real one.
REGISTRY_PROBE ?=
# make bench: the real OpenShift samples tree, when this clone sits beside it; any tree
# in the same layout works.
BENCH_ASSETS ?= ../shared/corpus/ocp
# Which scenarios, the idle window of each and the long one of the idle scenario.
BENCH_SCENARIOS ?= real,foreign,synthetic-500,synthetic-2000,idle
BENCH_IDLE ?= 1m
BENCH_LONG_IDLE ?= 12m

export K8S_VERSION
ENVTEST_BINARIES = hack/envtest-binaries.sh
# Lazily evaluated: only recipes that use it build or look up the envtest binaries.
KUBEBUILDER_ASSETS_DIR = $$($(ENVTEST_BINARIES))
GOLANGCI_LINT = go tool -modfile=hack/tools/lint/go.mod golangci-lint

.PHONY: all
all: build

## build: Build the operator binary into bin/.
.PHONY: build
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-X main.buildVersion=$(VERSION)" -o bin/cluster-samples-operator .

## run: Run the operator against a local control plane until Ctrl-C.
.PHONY: run
run: envtest build
	go build -o bin/localcluster ./tools/localcluster
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS_DIR)" bin/localcluster --dir .local --fail-images '$(FAIL_IMAGES)' -- \
		bin/cluster-samples-operator --release-version $(VERSION) --metrics-secure=false \
		--registry-probe-address '$(REGISTRY_PROBE)' --registry-probe-timeout 30s \
		--metrics-bind-address 127.0.0.1:60000 --health-probe-bind-address 127.0.0.1:8081 --zap-encoder console

## test: Run every test: unit, integration (envtest), alert rules, the linter, generated files.
# Packages share one control plane each; -p 1 keeps two of them from starting at once
# on a 2-core machine.
.PHONY: test
test: envtest promtool lint
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS_DIR)" PROMTOOL="$$(hack/promtool.sh)" \
		go test -race -p 1 -count=1 -timeout 30m $(TESTFLAGS) ./...

## lint: gofmt, go vet and golangci-lint (configuration in .golangci.yml).
.PHONY: lint
lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' | grep -v '^hack/tools/'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...
	$(GOLANGCI_LINT) run ./...

## fmt: Format every Go file with gofmt.
.PHONY: fmt
fmt:
	gofmt -w $$(git ls-files '*.go')

## generate: Regenerate deepcopy, CRD, RBAC, content, manifests/ and bundle/ (IMG, VERSION).
.PHONY: generate
generate:
	IMG='$(IMG)' VERSION='$(VERSION)' hack/generate.sh

## manifests: Render manifests/ from config/default (same as generate).
## bundle: Render the OLM bundle for VERSION and IMG (same as generate).
.PHONY: manifests bundle
manifests bundle: generate

## envtest: Build (once) the kube-apiserver, etcd and kubectl that tests run against.
.PHONY: envtest
envtest:
	@$(ENVTEST_BINARIES) >/dev/null

## promtool: Build (once) promtool for the alerting rule tests.
.PHONY: promtool
promtool:
	@hack/promtool.sh >/dev/null

## bench: Convergence, writes (audit log), idle CPU and RSS per scenario; table, bench.json, heap profiles.
.PHONY: bench
bench: envtest build
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS_DIR)" go run ./tools/bench --operator bin/cluster-samples-operator \
		--assets-dir $(BENCH_ASSETS) --scenarios $(BENCH_SCENARIOS) --idle $(BENCH_IDLE) --long-idle $(BENCH_LONG_IDLE)

## image: Build the container image IMG with the samples of SAMPLES_IMAGE (default: the Dockerfile's).
SAMPLES_IMAGE ?=
.PHONY: image
image:
	docker build --build-arg VERSION=$(VERSION) $(if $(SAMPLES_IMAGE),--build-arg SAMPLES_IMAGE=$(SAMPLES_IMAGE)) -t $(IMG) .

## clean: Remove build outputs (bin/, .local/).
.PHONY: clean
clean:
	rm -rf bin .local

## help: List the targets.
.PHONY: help
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST) | sed 's/: /\t/'

# print-VAR prints a variable's value (for scripts and tests).
print-%:
	@echo '$($*)'
