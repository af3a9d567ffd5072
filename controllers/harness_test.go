package controllers

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/metrics"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// operator is a running operator (Setup) with counters a test can read.
type operator struct {
	passes       atomic.Int64         // completed reconciles
	importPasses atomic.Int64         // completed reconciles of the import controller
	metrics      *prometheus.Registry // the operator's metrics
	stop         func()               // stops the operator

	mu     sync.Mutex
	writes []string // "verb kind/name" of every mutating call
	// fail, when set, may fail a mutating call before it reaches the API server.
	fail func(verb string, obj client.Object) error
}

// counting counts a reconciler's completed reconciles in n.
type counting struct {
	inner reconcile.Reconciler
	n     *atomic.Int64
}

func (c counting) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	defer c.n.Add(1)
	return c.inner.Reconcile(ctx, req)
}

func (o *operator) record(verb string, obj client.Object) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.writes = append(o.writes, fmt.Sprintf("%s %T/%s", verb, obj, obj.GetName()))
	if o.fail != nil {
		return o.fail(verb, obj)
	}
	return nil
}

func (o *operator) setFail(f func(verb string, obj client.Object) error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fail = f
}

// writeCount is the number of mutating calls so far.
func (o *operator) writeCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.writes)
}

func (o *operator) writesSince(n int) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.writes[n:]...)
}

func (o *operator) funcs() interceptor.Funcs {
	return interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if err := o.record("create", obj); err != nil {
				return err
			}
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if err := o.record("update", obj); err != nil {
				return err
			}
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			if err := o.record("patch", obj); err != nil {
				return err
			}
			return c.Patch(ctx, obj, p, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			if err := o.record("delete", obj); err != nil {
				return err
			}
			return c.Delete(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			if err := o.record("patch-"+sub, obj); err != nil {
				return err
			}
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	}
}

type operatorOptions struct {
	content fs.FS
	// source, when set, is the content source instead of content.
	source    *content.Source
	version   string
	bootstrap bool
	// keepCluster starts on the cluster as the test left it.
	keepCluster bool
	// retryInterval, when set, also runs the import controller with it.
	retryInterval time.Duration
	// clusterOperator also runs the ClusterOperator controller.
	clusterOperator bool
}

// startOperator runs the operator as Setup builds it, with the config controller and
// the controllers opts ask for, until the test ends; then it removes the Config and
// every sample the test left.
func startOperator(t *testing.T, opts operatorOptions) *operator {
	t.Helper()
	if !opts.keepCluster {
		cleanCluster(t)
		t.Cleanup(func() { cleanCluster(t) })
	}
	setPullSecret(t, true)
	if opts.content == nil {
		opts.content = testContent()
	}
	src := opts.source
	if src == nil {
		src = &content.Source{FS: opts.content}
	}
	o := &operator{metrics: prometheus.NewRegistry()}
	setup := Options{
		Version: opts.version, Content: src, RetryRefused: 2 * time.Second, ImportRetryInterval: opts.retryInterval,
		Registerer: o.metrics, Controllers: []Controller{ConfigController},
		WrapReconciler: func(c Controller, r reconcile.Reconciler) reconcile.Reconciler {
			switch c {
			case ConfigController:
				return counting{r, &o.passes}
			case ImportController:
				return counting{r, &o.importPasses}
			}
			return r
		},
	}
	if opts.bootstrap { // no probe: registry reachability has tests of its own
		setup.Controllers = append(setup.Controllers, BootstrapController)
	}
	if opts.retryInterval > 0 {
		setup.Controllers = append(setup.Controllers, ImportController)
	}
	if opts.clusterOperator {
		setup.Controllers = append(setup.Controllers, ClusterOperatorController)
	}
	_, o.stop = startManager(t, setup, o.funcs())
	return o
}

// retryCount is the operator's import retry counter of stream (0 before its first retry).
func (o *operator) retryCount(t *testing.T, stream string) float64 {
	t.Helper()
	families, err := o.metrics.Gather()
	for _, f := range families {
		if f.GetName() != metrics.RetryName {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "imagestreamname" && l.GetValue() == stream {
					return m.GetCounter().GetValue()
				}
			}
		}
		return 0
	}
	if err != nil {
		t.Logf("gathering the metrics: %v", err)
	}
	return 0 // no stream counted yet
}

// cleanCluster deletes the Config (finalizer and all), every sample and the operator's
// ConfigMaps.
func cleanCluster(t *testing.T) {
	t.Helper()
	deleteConfig(t)
	ctx := context.Background()
	if err := env.Client.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(samplesv1.OperatorNamespace)); err != nil {
		t.Fatal(err)
	}
	for _, gvk := range samples.Kinds() {
		if err := env.Client.DeleteAllOf(ctx, samples.New(gvk), client.InNamespace("openshift")); err != nil {
			t.Fatal(err)
		}
		eventually(t, "samples deleted", func() (bool, string) {
			n := len(testenv.ListSamples(t, env.Client, gvk))
			return n == 0, fmt.Sprint(n, " left")
		})
	}
}

func getSample(t *testing.T, gvk schema.GroupVersionKind, name string) (*unstructured.Unstructured, bool) {
	t.Helper()
	return testenv.GetSample(t, env.Client, gvk, name)
}

func createConfig(t *testing.T, spec samplesv1.ConfigSpec, finalizer bool) {
	t.Helper()
	cfg := &samplesv1.Config{Spec: spec}
	cfg.Name = samplesv1.ConfigName
	if finalizer {
		cfg.Finalizers = []string{samplesv1.ConfigFinalizer}
	}
	if err := env.Client.Create(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
}

func getConfig(t *testing.T) *samplesv1.Config {
	t.Helper()
	cfg := &samplesv1.Config{}
	if err := env.Client.Get(context.Background(), clusterConfigKey, cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func condition(cfg *samplesv1.Config, c samplesv1.ConfigConditionType) string {
	got := conditions.Get(cfg.Status.Conditions, c)
	if got == nil {
		return "<none>"
	}
	return string(got.Status)
}

// waitCondition waits until the Config's condition c has status s.
func waitCondition(t *testing.T, c samplesv1.ConfigConditionType, s corev1.ConditionStatus) *samplesv1.Config {
	t.Helper()
	var cfg *samplesv1.Config
	eventually(t, fmt.Sprintf("%s=%s", c, s), func() (bool, string) {
		cfg = getConfig(t)
		return condition(cfg, c) == string(s), fmt.Sprintf("%+v", cfg.Status.Conditions)
	})
	return cfg
}

// waitConverged waits for a Managed pass to finish at version.
func waitConverged(t *testing.T, version string) *samplesv1.Config {
	t.Helper()
	var cfg *samplesv1.Config
	eventually(t, "samples installed at "+version, func() (bool, string) {
		cfg = getConfig(t)
		return condition(cfg, samplesv1.SamplesExist) == "True" && cfg.Status.Version == version &&
			cfg.Status.ManagementState == samplesv1.Managed, fmt.Sprintf("%+v", cfg.Status)
	})
	return cfg
}

// afterPass runs action, then waits for the operator to finish a reconcile after it.
func (o *operator) afterPass(t *testing.T, action func()) {
	t.Helper()
	n := o.passes.Load()
	action()
	eventually(t, "a reconcile after the action", func() (bool, string) {
		return o.passes.Load() > n, ""
	})
}

func streamJSON(kind, name, body string) string {
	return fmt.Sprintf(`{"kind":%q,"apiVersion":"image.openshift.io/v1","metadata":{"name":%q,"annotations":{"openshift.io/display-name":%q}},%s}`,
		kind, name, strings.ToUpper(name[:1])+name[1:], body)
}

func tplJSON(name string) string {
	return fmt.Sprintf(`{"kind":"Template","apiVersion":"template.openshift.io/v1","metadata":{"name":%q},
	 "objects":[{"kind":"Service","apiVersion":"v1","metadata":{"name":"${NAME}"},"spec":{"ports":[{"port":8080}]}}],
	 "parameters":[{"name":"NAME","value":%q,"required":true}]}`, name, name)
}

// testContent is a small content tree: two image streams and two templates on x86_64,
// one of each on s390x.
func testContent() fstest.MapFS {
	ruby := streamJSON("ImageStream", "ruby", `"spec":{"tags":[
	  {"name":"3.3","from":{"kind":"DockerImage","name":"registry.redhat.io/ubi9/ruby-33:latest"},"referencePolicy":{"type":"Local"}},
	  {"name":"3.1","from":{"kind":"DockerImage","name":"registry.redhat.io/ubi9/ruby-31:latest"},"referencePolicy":{"type":"Local"}},
	  {"name":"latest","from":{"kind":"ImageStreamTag","name":"3.3"}}]}`)
	python := streamJSON("ImageStream", "python", `"spec":{"tags":[
	  {"name":"3.12","from":{"kind":"DockerImage","name":"quay.io/sclorg/python-312:latest"},"referencePolicy":{"type":"Local"}}]}`)
	return fstest.MapFS{
		"x86_64/ruby/imagestreams/ruby.json":           {Data: []byte(ruby)},
		"x86_64/python/imagestreams/python.json":       {Data: []byte(python)},
		"x86_64/ruby/templates/ruby-example.json":      {Data: []byte(tplJSON("ruby-example"))},
		"x86_64/mysql/templates/mysql-ephemeral.json":  {Data: []byte(tplJSON("mysql-ephemeral"))},
		"s390x/ruby/imagestreams/ruby.json":            {Data: []byte(ruby)},
		"s390x/ruby/templates/ruby-s390x-example.json": {Data: []byte(tplJSON("ruby-s390x-example"))},
	}
}

func testSource() *content.Source { return &content.Source{FS: testContent()} }

func editConfig(t *testing.T, edit func(*samplesv1.ConfigSpec)) {
	t.Helper()
	testenv.EditConfig(t, env.Client, edit)
}

func setPullSecret(t *testing.T, exists bool) {
	t.Helper()
	testenv.SetPullSecret(t, env.Client, exists)
}
