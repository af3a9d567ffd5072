// Package startup runs the built operator binary against an API server that does not
// serve the image and template APIs yet (a new cluster, or openshift-apiserver rolling
// out), and against one whose discovery partly fails (an aggregated API of another
// group whose backend is down): it must keep running, say what it waits for, and manage
// the samples within seconds of the APIs appearing, without a restart.
package startup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var (
	env    *testenv.Env
	binary string
)

func TestMain(m *testing.M) {
	var dir string
	binary, dir = testenv.MustBuildOperator("startup")
	code := testenv.Run(m, &env, testenv.Options{}, nil)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// The OpenShift API CRDs the test removes and puts back (test/crds), as
// openshift-apiserver's APIs come and go.
var openshiftCRDs = []string{"image.openshift.io_imagestreams.yaml", "image.openshift.io_imagestreamimports.yaml", "template.openshift.io_templates.yaml"}

var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

type operator struct {
	cmd        *exec.Cmd
	healthAddr string
	log        testenv.SyncBuffer
	exited     chan struct{}
}

func (o *operator) running() bool {
	select {
	case <-o.exited:
		return false
	default:
		return true
	}
}

func (o *operator) get(path string) int {
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + o.healthAddr + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// start runs the operator binary as an administrator would on a workstation: its own
// flags, the probe skipped, metrics off.
func start(t *testing.T) *operator {
	t.Helper()
	kubeconfig := env.AdminKubeconfig(t, t.TempDir())
	o := &operator{healthAddr: testenv.FreeAddr(t), exited: make(chan struct{})}
	o.cmd = exec.Command(binary, "--kubeconfig", kubeconfig, "--release-version", "4.22.0", "--registry-probe-address=",
		"--metrics-bind-address=0", "--health-probe-bind-address="+o.healthAddr)
	o.cmd.Stdout, o.cmd.Stderr = &o.log, &o.log
	must(t, o.cmd.Start())
	go func() { _ = o.cmd.Wait(); close(o.exited) }()
	t.Cleanup(func() {
		_ = o.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-o.exited:
		case <-time.After(30 * time.Second):
			_ = o.cmd.Process.Kill()
			<-o.exited
		}
		if t.Failed() {
			t.Logf("operator log:\n%s", o.log.String())
		}
	})
	return o
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// clean leaves no Config, sample or ClusterOperator behind.
func clean(t *testing.T) {
	ctx := context.Background()
	testenv.RemoveOperatorState(ctx, env.Client, samplesv1.OperatorNamespace)
	co := &configv1.ClusterOperator{}
	co.Name = clusteroperator.Name
	_ = env.Client.Delete(ctx, co)
}

func installed(t *testing.T) (bool, string) {
	cfg := &samplesv1.Config{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
		return false, err.Error()
	}
	return conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist), fmt.Sprintf("%+v", cfg.Status.Conditions)
}

func servesImageAPI(t *testing.T) bool {
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	must(t, err)
	list, err := dc.ServerResourcesForGroupVersion("image.openshift.io/v1")
	return err == nil && len(list.APIResources) > 0
}

func TestStartsBeforeTheImageAPI(t *testing.T) {
	clean(t)
	t.Cleanup(func() { clean(t) })
	testenv.SetPullSecret(t, env.Client, true)
	ctx := context.Background()
	// openshift-apiserver is not serving yet: its APIs are not registered.
	for _, f := range openshiftCRDs {
		objs := testenv.ReadObjects(t, filepath.Join(testenv.RepoRoot(), "test", "crds", f))
		crd := &unstructured.Unstructured{}
		crd.SetGroupVersionKind(crdGVK)
		crd.SetName(objs[0].GetName())
		must(t, client.IgnoreNotFound(env.Client.Delete(ctx, crd)))
	}
	putBack := func() {
		var paths []string
		for _, f := range openshiftCRDs {
			paths = append(paths, filepath.Join(testenv.RepoRoot(), "test", "crds", f))
		}
		_, err := envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{Paths: paths, Scheme: env.Scheme})
		must(t, err)
	}
	t.Cleanup(func() {
		if !servesImageAPI(t) {
			putBack()
		}
	})
	testenv.EventuallyWithin(t, 60*time.Second, "image.openshift.io gone from discovery", func() (bool, string) { return !servesImageAPI(t), "" })

	o := start(t)
	testenv.EventuallyWithin(t, 60*time.Second, "the operator waiting, alive and saying so", func() (bool, string) {
		co := &configv1.ClusterOperator{}
		if err := env.Client.Get(ctx, client.ObjectKey{Name: clusteroperator.Name}, co); err != nil {
			return false, err.Error()
		}
		var reason string
		for _, c := range co.Status.Conditions {
			if c.Type == configv1.OperatorProgressing && c.Status == configv1.ConditionTrue {
				reason = c.Reason
			}
		}
		return o.running() && reason == clusteroperator.ReasonWaitingForAPIs && o.get("/healthz") == 200 && o.get("/readyz") == 503 &&
				strings.Contains(o.log.String(), "waiting for the image and template APIs"),
			fmt.Sprintf("running %v, Progressing reason %q, healthz %d, readyz %d", o.running(), reason, o.get("/healthz"), o.get("/readyz"))
	})

	putBack()
	registered := time.Now()
	testenv.EventuallyWithin(t, 60*time.Second, "the samples installed once the APIs are served", func() (bool, string) {
		if !o.running() {
			return false, "the operator exited"
		}
		return installed(t)
	})
	took := time.Since(registered)
	if !o.running() {
		t.Fatal("the operator exited")
	}
	testenv.Eventually(t, "the ClusterOperator past the wait", func() (bool, string) {
		co := &configv1.ClusterOperator{}
		must(t, env.Client.Get(ctx, client.ObjectKey{Name: clusteroperator.Name}, co))
		for _, c := range co.Status.Conditions {
			if c.Reason == clusteroperator.ReasonWaitingForAPIs {
				return false, fmt.Sprintf("%+v", co.Status.Conditions)
			}
		}
		return o.get("/readyz") == 200, fmt.Sprint("readyz ", o.get("/readyz"))
	})
	t.Logf("FIGURES startup: samples installed %.1fs after the image and template APIs were registered, the operator's process never restarted", took.Seconds())
}

func TestStartsWhileDiscoveryPartlyFails(t *testing.T) {
	clean(t)
	t.Cleanup(func() { clean(t) })
	testenv.SetPullSecret(t, env.Client, true)
	ctx := context.Background()
	svc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
		"metadata": map[string]any{"name": "v1.broken.example.com"},
		"spec": map[string]any{"group": "broken.example.com", "version": "v1", "groupPriorityMinimum": int64(1000), "versionPriority": int64(15),
			"insecureSkipTLSVerify": true, "service": map[string]any{"namespace": "default", "name": "no-such-backend", "port": int64(443)}},
	}}
	must(t, env.Client.Create(ctx, svc))
	t.Cleanup(func() { _ = env.Client.Delete(ctx, svc) })
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	must(t, err)
	testenv.EventuallyWithin(t, 60*time.Second, "discovery failing for broken.example.com", func() (bool, string) {
		_, _, err := dc.ServerGroupsAndResources()
		var failed *discovery.ErrGroupDiscoveryFailed
		return errors.As(err, &failed), fmt.Sprint(err)
	})
	if !servesImageAPI(t) {
		t.Fatal("the image API is not served")
	}
	o := start(t)
	testenv.EventuallyWithin(t, 60*time.Second, "the samples installed", func() (bool, string) {
		if !o.running() {
			return false, "the operator exited"
		}
		return installed(t)
	})
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(svc), &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService"}}); apierrors.IsNotFound(err) {
		t.Fatal("the broken APIService went away during the test")
	}
}
