package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/samples"
)

// ReadObjects decodes every object of a (multi-document) YAML file.
func ReadObjects(t testing.TB, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// SetPullSecret makes openshift-config/pull-secret exist with credentials for
// registry.redhat.io (exists) or not exist at all.
func SetPullSecret(t testing.TB, c client.Client, exists bool) {
	t.Helper()
	ctx := context.Background()
	s := &corev1.Secret{Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{credentials.SecretKey: []byte(`{"auths":{"registry.redhat.io":{"auth":"dXNlcjpwYXNz"}}}`)}}
	s.Namespace, s.Name = credentials.SecretNamespace, credentials.SecretName
	if !exists {
		if err := c.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
			t.Fatal(err)
		}
		return
	}
	err := c.Create(ctx, s)
	if apierrors.IsAlreadyExists(err) {
		// Another test may have left one without registry.redhat.io credentials.
		existing := &corev1.Secret{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(s), existing); err != nil {
			t.Fatal(err)
		}
		existing.Data = s.Data
		err = c.Update(ctx, existing)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// EditConfig changes the Config's spec, retrying on conflicts with the operator.
func EditConfig(t testing.TB, c client.Client, edit func(*samplesv1.ConfigSpec)) {
	t.Helper()
	for range 20 {
		cfg := &samplesv1.Config{}
		if err := c.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
			t.Fatal(err)
		}
		edit(&cfg.Spec)
		err := c.Update(context.Background(), cfg)
		if err == nil {
			return
		}
		if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	t.Fatal("could not update the Config: conflicts")
}

// RunManager starts mgr until the test ends or stop is called; stop waits for it.
func RunManager(t testing.TB, mgr manager.Manager) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("manager: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// SyncBuffer is a bytes.Buffer that a process's output and a test's polls may use at
// once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// MustBuildOperator, for a TestMain, builds the operator binary from this tree into a new
// temporary directory (named after prefix) and returns the binary and the directory,
// which the caller removes; it exits the test binary when either fails.
func MustBuildOperator(prefix string) (binary, dir string) {
	dir, err := os.MkdirTemp("", prefix)
	if err == nil {
		binary, err = BuildOperator(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return binary, dir
}

// BuildOperator builds the operator binary from this tree into dir and returns its path,
// for tests that run it as a process.
func BuildOperator(dir string) (string, error) {
	bin := filepath.Join(dir, "cluster-samples-operator")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the operator: %v\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr returns a loopback host:port nothing listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// FreeAddress is FreeAddr for programs without a testing.TB (the benchmark).
func FreeAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ForceDeleteConfig deletes the Config "cluster", finalizer and all, for a test that
// cleans up after an operator it already stopped.
func ForceDeleteConfig(ctx context.Context, c client.Client) {
	cfg := &samplesv1.Config{}
	if err := c.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
		return
	}
	cfg.Finalizers = nil
	_ = c.Update(ctx, cfg)
	_ = c.Delete(ctx, cfg)
}

// RemoveOperatorState deletes what an operator that is no longer running left: the
// Config (finalizer and all), every sample in openshift, and the ConfigMaps of its
// namespace.
func RemoveOperatorState(ctx context.Context, c client.Client, operatorNamespace string) {
	ForceDeleteConfig(ctx, c)
	for _, gvk := range samples.Kinds() {
		_ = c.DeleteAllOf(ctx, samples.New(gvk), client.InNamespace(samplesv1.SamplesNamespace))
	}
	_ = c.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(operatorNamespace))
}

// AdminKubeconfig writes a kubeconfig of the control plane's administrator into dir, for
// commands a test runs as an administrator would.
func (e *Env) AdminKubeconfig(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "admin.kubeconfig")
	if err := os.WriteFile(path, e.KubeConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// GetSample reads the sample of kind gvk named name in the samples namespace; false
// when there is none.
func GetSample(t testing.TB, c client.Client, gvk schema.GroupVersionKind, name string) (*unstructured.Unstructured, bool) {
	t.Helper()
	u := samples.New(gvk)
	err := c.Get(context.Background(), client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: name}, u)
	if apierrors.IsNotFound(err) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return u, true
}

// ListSamples lists the objects of kind gvk in the openshift namespace, by name.
func ListSamples(t testing.TB, c client.Client, gvk schema.GroupVersionKind, opts ...client.ListOption) map[string]*unstructured.Unstructured {
	t.Helper()
	list := samples.NewList(gvk)
	if err := c.List(context.Background(), list, append([]client.ListOption{client.InNamespace(samplesv1.SamplesNamespace)}, opts...)...); err != nil {
		t.Fatal(err)
	}
	out := map[string]*unstructured.Unstructured{}
	for i := range list.Items {
		out[list.Items[i].GetName()] = &list.Items[i]
	}
	return out
}

// Parsed is content objects parsed, by name (content.Objects); t fails on one that
// does not parse.
func Parsed(t testing.TB, raws map[string]content.Raw) map[string]*unstructured.Unstructured {
	t.Helper()
	objs, err := content.Objects(raws)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
