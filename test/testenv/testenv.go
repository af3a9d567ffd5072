// Package testenv starts a real kube-apiserver and etcd (controller-runtime's envtest)
// with every CRD the operator meets in an OpenShift cluster, for integration tests and
// for `make run`.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/scheme"
)

// K8sVersion is the kube-apiserver release the tests run against; hack/envtest-binaries.sh
// builds it.
const K8sVersion = "1.37.2"

// Namespaces exist in every test cluster, as they do in OpenShift.
var Namespaces = []string{samplesv1.SamplesNamespace, "openshift-config", "openshift-config-managed", samplesv1.OperatorNamespace}

// canonicalConfigCRDs are the config.openshift.io CRDs the operator reads or writes, as
// shipped in the openshift/api module.
var canonicalConfigCRDs = []string{
	"0000_00_cluster-version-operator_01_clusteroperators.crd.yaml",
	"0000_03_config-operator_01_proxies.crd.yaml",
	"0000_10_config-operator_01_images.crd.yaml",
	"0000_10_config-operator_01_networks.crd.yaml",
}

// Options change what Start installs.
type Options struct {
	// ConfigCRD replaces the project's own samples Config CRD (config/crd/bases) with
	// the CRD file at this path.
	ConfigCRD string
	// ExtraCRDs are more CRD files or directories to install.
	ExtraCRDs []string
	// APIServerArgs are added to kube-apiserver's command line (for example audit logging).
	APIServerArgs map[string]string
}

// Env is a running control plane.
type Env struct {
	Environment *envtest.Environment
	Config      *rest.Config
	Client      client.Client
	Scheme      *k8sruntime.Scheme
}

// RepoRoot is the project's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// OpenShiftAPIDir is the directory of the github.com/openshift/api module in the module
// cache, where the canonical CRDs live.
func OpenShiftAPIDir() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/openshift/api")
	cmd.Dir = RepoRoot()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating the github.com/openshift/api module (run `go mod download`): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// AssetsDir is where kube-apiserver and etcd are: $KUBEBUILDER_ASSETS, or the cache that
// hack/envtest-binaries.sh fills.
func AssetsDir() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(home, ".cache")
	}
	dir := filepath.Join(cache, "cluster-samples-operator", "envtest", K8sVersion)
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			return "", fmt.Errorf("no %s in %s: run `make test` or hack/envtest-binaries.sh to build the envtest binaries", bin, dir)
		}
	}
	return dir, nil
}

// CRDPaths lists every CRD file a test cluster gets.
func CRDPaths(opts Options) ([]string, error) {
	root := RepoRoot()
	paths := []string{filepath.Join(root, "test", "crds")}
	if opts.ConfigCRD != "" {
		paths = append(paths, opts.ConfigCRD)
	} else {
		paths = append(paths, filepath.Join(root, "config", "crd", "bases"))
	}
	paths = append(paths, opts.ExtraCRDs...)
	api, err := OpenShiftAPIDir()
	if err != nil {
		return nil, err
	}
	for _, f := range canonicalConfigCRDs {
		paths = append(paths, filepath.Join(api, "config", "v1", "zz_generated.crd-manifests", f))
	}
	return paths, nil
}

// Start brings up a control plane with all CRDs and namespaces installed.
func Start(opts Options) (*Env, error) {
	assets, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	crds, err := CRDPaths(opts)
	if err != nil {
		return nil, err
	}
	s := scheme.New()
	te := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     crds,
		ErrorIfCRDPathMissing: true,
		Scheme:                s,
		// A 2-core machine running tests in parallel needs more than the 20 s default.
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	for k, v := range opts.APIServerArgs {
		te.ControlPlane.GetAPIServer().Configure().Set(k, v)
	}
	cfg, err := te.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane from %s: %w", assets, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		_ = te.Stop()
		return nil, err
	}
	env := &Env{Environment: te, Config: cfg, Client: c, Scheme: s}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, ns := range Namespaces {
		err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, errors.Join(fmt.Errorf("creating namespace %s: %w", ns, err), env.Stop())
		}
	}
	return env, nil
}

// Stop shuts the control plane down.
func (e *Env) Stop() error { return e.Environment.Stop() }

// KubeConfig is an admin kubeconfig for the control plane.
func (e *Env) KubeConfig() []byte { return e.Environment.KubeConfig }

// Main is the body of a package's TestMain: it starts one control plane for the whole
// package, stores it in *env, runs the tests and stops it.
func Main(m *testing.M, env **Env) { MainWith(m, env, nil) }

// MainWith is Main with a setup step, run once the control plane is up, that may start
// package-wide helpers with ctx (which ends after the tests).
func MainWith(m *testing.M, env **Env, setup func(ctx context.Context, e *Env) error) {
	MainWithOptions(m, env, Options{}, setup)
}

// MainWithOptions is MainWith on a control plane started with opts.
func MainWithOptions(m *testing.M, env **Env, opts Options, setup func(ctx context.Context, e *Env) error) {
	os.Exit(Run(m, env, opts, setup))
}

// Run starts a control plane with opts, stores it in *env, runs setup and the tests,
// stops the control plane and returns the exit code for os.Exit.
func Run(m *testing.M, env **Env, opts Options, setup func(ctx context.Context, e *Env) error) int {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	e, err := Start(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	*env = e
	ctx, cancel := context.WithCancel(context.Background())
	code := 1
	if setup == nil {
		code = m.Run()
	} else if err := setup(ctx, e); err != nil {
		fmt.Fprintln(os.Stderr, "testenv: setup:", err)
	} else {
		code = m.Run()
	}
	cancel()
	if err := e.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "testenv: stopping the control plane:", err)
	}
	return code
}

// Eventually polls cond every 50 ms until it holds, failing the test after 30 s with
// what was last seen. Tests synchronise with it, never with sleeps.
func Eventually(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	EventuallyWithin(t, 30*time.Second, what, cond)
}

// EventuallyWithin is Eventually with another deadline.
func EventuallyWithin(t testing.TB, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	if ok, last := Poll(within, cond); !ok {
		t.Fatalf("%s: not within %s; last seen: %s", what, within, last)
	}
}

// Poll is the loop of EventuallyWithin for a test that goes on when cond never held
// (it counts or reports the failure itself): it polls cond every 50 ms until it holds
// or within passes, and returns whether it held and what was last seen.
func Poll(within time.Duration, cond func() (bool, string)) (ok bool, last string) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if ok, last = cond(); ok {
			return true, last
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false, last
}
