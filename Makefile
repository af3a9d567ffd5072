# Cluster Samples Operator. `make run` runs it against a local control plane;
# `make test` runs every test. Go is the only prerequisite: everything else is built
# from the Go module proxy and cached under $XDG_CACHE_HOME (or ~/.cache).

VERSION ?= 0.0.0-dev
IMG ?= quay.io/openshift/origin-cluster-samples-operator:latest
# Extra flags for `go test`, for example TESTFLAGS='-run TestBootstrap -v'.
TESTFLAGS ?=
# make run: image references matching this regular expression fail to import.
FAIL_IMAGES ?=
# make run: the bootstrap registry probe target; empty skips the probe (the local
# cluster imports from an in-process registry), REGISTRY_PROBE=registry.redhat.io:443
# tries the real one.
REGISTRY_PROBE ?=

ENVTEST_BINARIES = hack/envtest-binaries.sh
# Lazily evaluated: only recipes that use it build or look up the envtest binaries.
KUBEBUILDER_ASSETS_DIR = $$($(ENVTEST_BINARIES))

.PHONY: all
all: build

.PHONY: build
build: ## Build the operator binary into bin/.
	CGO_ENABLED=0 go build -trimpath -ldflags "-X main.buildVersion=$(VERSION)" -o bin/cluster-samples-operator .

.PHONY: envtest
envtest: ## Build (once) the kube-apiserver, etcd and kubectl that tests run against.
	@$(ENVTEST_BINARIES) >/dev/null

.PHONY: generate
generate: ## Regenerate deepcopy, the CRD and RBAC from the Go sources.
	hack/generate.sh

.PHONY: manifests bundle
manifests bundle: generate ## Render manifests/ and bundle/ (same as generate).

.PHONY: fmt
fmt:
	gofmt -w $$(git ls-files '*.go')

.PHONY: lint
lint: ## gofmt and go vet.
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' | grep -v '^hack/tools/'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...

# Packages share one control plane each; -p 1 keeps two of them from starting at once
# on a 2-core machine.
.PHONY: promtool
promtool: ## Build (once) promtool for the alerting rule tests.
	@hack/promtool.sh >/dev/null

.PHONY: test
test: envtest promtool lint ## Run unit and integration tests (envtest), alert rule tests, vet, and the generated-files check.
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS_DIR)" PROMTOOL="$$(hack/promtool.sh)" \
		go test -race -p 1 -count=1 -timeout 30m $(TESTFLAGS) ./...

.PHONY: run
run: envtest build ## Run the operator against a local control plane until Ctrl-C.
	go build -o bin/localcluster ./test/localcluster
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS_DIR)" bin/localcluster --dir .local --fail-images '$(FAIL_IMAGES)' -- \
		bin/cluster-samples-operator --release-version $(VERSION) --metrics-secure=false \
		--registry-probe-address '$(REGISTRY_PROBE)' --registry-probe-timeout 30s \
		--metrics-bind-address 127.0.0.1:60000 --health-probe-bind-address 127.0.0.1:8081 --zap-encoder console

# The real OpenShift samples tree, when this clone sits beside it; any tree in the same
# layout works.
BENCH_ASSETS ?= ../shared/corpus/ocp
BENCH_IDLE ?= 2m

.PHONY: bench
bench: envtest build ## Convergence time, mutating requests (audit log) and peak RSS on real content.
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS_DIR)" go run ./test/bench --operator bin/cluster-samples-operator \
		--assets-dir $(BENCH_ASSETS) --idle $(BENCH_IDLE)

.PHONY: image
image: ## Build the container image (needs a container engine).
	docker build -t $(IMG) .

.PHONY: clean
clean:
	rm -rf bin .local

.PHONY: help
help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'
