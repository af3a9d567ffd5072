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
COPY manifests /manifests
USER 65532:65532
ENTRYPOINT ["/usr/bin/cluster-samples-operator"]
