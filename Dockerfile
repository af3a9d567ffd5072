# The samples the image serves: the tree the stock operator image of an OpenShift
# release carries at /opt/openshift/operator (<arch>/<group>/{imagestreams,templates}).
# Pinned to a named release; build with another release's samples with
#   docker build --build-arg SAMPLES_IMAGE=registry.ci.openshift.org/ocp/4.19:cluster-samples-operator .
# (or a digest, ...@sha256:..., for a reproducible build).
ARG SAMPLES_IMAGE=registry.ci.openshift.org/ocp/4.20:cluster-samples-operator
FROM ${SAMPLES_IMAGE} AS samples

FROM golang:1.26 AS builder
# `make image` passes VERSION from the Makefile, the one place it is written.
ARG VERSION
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The same command as `make build`.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-X main.buildVersion=${VERSION}" -o /out/cluster-samples-operator .

FROM registry.access.redhat.com/ubi9/ubi-minimal:latest
LABEL io.k8s.display-name="Cluster Samples Operator" \
      io.openshift.release.operator=true
COPY --from=builder /out/cluster-samples-operator /usr/bin/cluster-samples-operator
# The Deployment passes --assets-dir=/opt/openshift/operator.
COPY --from=samples /opt/openshift/operator /opt/openshift/operator
COPY manifests /manifests
USER 65532:65532
ENTRYPOINT ["/usr/bin/cluster-samples-operator"]
