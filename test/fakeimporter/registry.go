// Package fakeimporter plays openshift-apiserver's part in tests and in `make run`: it
// imports image stream tags from an in-process OCI registry on loopback and writes the
// image stream status the way OpenShift does, and it serves ImageStreamImport requests.
package fakeimporter

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is an OCI registry on 127.0.0.1. Any image reference, whatever its registry
// host, maps onto it by repository path: registry.redhat.io/ubi9/ruby-33:latest is
// ubi9/ruby-33:latest here. A test decides which images exist by pushing them.
type Registry struct {
	server *httptest.Server

	mu sync.Mutex
	// autoCreate, when set, makes a missing image exist on first lookup if it returns
	// true for the reference (for `make run`, where every sample should import).
	autoCreate func(ref string) bool
}

// NewRegistry starts an empty registry on a free loopback port.
func NewRegistry() *Registry {
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	return &Registry{server: httptest.NewServer(h)}
}

// Host is the registry's host:port.
func (r *Registry) Host() string { return strings.TrimPrefix(r.server.URL, "http://") }

// Close stops the registry.
func (r *Registry) Close() { r.server.Close() }

// SetAutoCreate makes Resolve push an image for any missing reference for which create
// returns true; nil turns it off.
func (r *Registry) SetAutoCreate(create func(ref string) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.autoCreate = create
}

// local maps ref onto this registry, keeping its repository path and tag or digest.
func (r *Registry) local(ref string) (name.Reference, error) {
	parsed, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	repo := r.Host() + "/" + parsed.Context().RepositoryStr()
	sep := ":"
	if _, ok := parsed.(name.Digest); ok {
		sep = "@"
	}
	return name.ParseReference(repo+sep+parsed.Identifier(), name.Insecure)
}

// Push makes ref exist (a small random image) and returns its digest.
func (r *Registry) Push(ctx context.Context, ref string) (string, error) {
	l, err := r.local(ref)
	if err != nil {
		return "", err
	}
	if _, ok := l.(name.Digest); ok {
		return "", fmt.Errorf("cannot push %q: a digest reference names content that already exists", ref)
	}
	img, err := random.Image(64, 1)
	if err != nil {
		return "", err
	}
	if err := remote.Write(l, img, remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// Resolve returns the digest ref points at, or an error saying why it cannot be imported.
func (r *Registry) Resolve(ctx context.Context, ref string) (string, error) {
	l, err := r.local(ref)
	if err != nil {
		return "", err
	}
	desc, err := remote.Head(l, remote.WithContext(ctx))
	if err == nil {
		return desc.Digest.String(), nil
	}
	r.mu.Lock()
	create := r.autoCreate
	r.mu.Unlock()
	if create != nil && create(ref) {
		return r.Push(ctx, ref)
	}
	return "", fmt.Errorf("manifest unknown: %s not found", ref)
}

// Delete makes ref (a tag) no longer exist.
func (r *Registry) Delete(ctx context.Context, ref string) error {
	l, err := r.local(ref)
	if err != nil {
		return err
	}
	return remote.Delete(l, remote.WithContext(ctx))
}

// NewAuthTLSServer serves a new, empty OCI registry on loopback over TLS (httptest's own
// certificate, srv.Certificate()) that demands basic auth user:password, as a mirror
// with its own CA does. The caller closes it.
func NewAuthTLSServer(user, password string) *httptest.Server {
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="mirror"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}
