// Package faults runs the operator through faults and bad input on a real API server,
// with the real x86_64 samples when ../shared/corpus/ocp is there (the built-in set
// otherwise): the API server cut off mid-install, the operator process killed at twenty
// points, another writer fighting it, API errors injected into a fraction of its
// requests, and hostile Configs and content trees. Each case checks convergence and that
// nothing is lost, and the suite logs one summary table (go test -v ./test/faults).
package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	configv1 "github.com/openshift/api/config/v1"
	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var (
	env *testenv.Env
	// contentDir is the samples tree the operator serves; inventory is its x86_64 set.
	contentDir string
	inventory  *content.Set
	// binary is the operator built from this tree, for the cases that kill it.
	binary string
)

func TestMain(m *testing.M) {
	var dir string
	binary, dir = testenv.MustBuildOperator("faults")
	contentDir = filepath.Join(testenv.RepoRoot(), "..", "shared", "corpus", "ocp")
	src := content.Open(contentDir, content.FlavorOCP)
	if src.Fallback != "" {
		contentDir = ""
		fmt.Fprintln(os.Stderr, "faults: no ../shared/corpus/ocp; running on the built-in samples")
	}
	var err error
	if inventory, err = src.SetFor(samplesv1.X86Architecture); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := testenv.Run(m, &env, testenv.Options{}, nil)
	printSummary()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// source is a fresh content source over the suite's tree.
func source() *content.Source { return content.Open(contentDir, content.FlavorOCP) }

// row is one line of the summary.
type row struct {
	name                                   string
	runs, converged, crashes, lost, writes int
}

var (
	summaryMu sync.Mutex
	summary   []row
)

func record(r row) {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	summary = append(summary, r)
}

func printSummary() {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	if len(summary) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nfault suite (%d samples of %s):\n", len(inventory.ImageStreams)+len(inventory.Templates), map[bool]string{true: "the real x86_64 tree", false: "the built-in x86_64 set"}[contentDir != ""])
	fmt.Fprintf(&b, "%-44s %5s %10s %8s %13s %7s\n", "case", "runs", "converged", "crashes", "objects lost", "writes")
	for _, r := range summary {
		fmt.Fprintf(&b, "%-44s %5d %10d %8d %13d %7d\n", r.name, r.runs, r.converged, r.crashes, r.lost, r.writes)
	}
	fmt.Print(b.String())
}

// cleanCluster removes the Config (finalizer and all), every sample, the operator's
// ConfigMaps and the ClusterOperator.
func cleanCluster(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	testenv.ForceDeleteConfig(ctx, env.Client)
	for _, gvk := range samples.Kinds() {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		if err := env.Client.DeleteAllOf(ctx, u, client.InNamespace(samplesv1.SamplesNamespace)); err != nil {
			t.Fatal(err)
		}
	}
	_ = env.Client.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(samplesv1.OperatorNamespace))
	_ = env.Client.Delete(ctx, &configv1.ClusterOperator{ObjectMeta: metaName("openshift-samples")})
	testenv.SetPullSecret(t, env.Client, true)
	testenv.Eventually(t, "a clean cluster", func() (bool, string) {
		err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, &samplesv1.Config{})
		n := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)) + len(testenv.ListSamples(t, env.Client, samples.TemplateGVK))
		return apierrors.IsNotFound(err) && n == 0, fmt.Sprint(err, n)
	})
}

// missing lists the inventory samples not in the cluster at version (skipped ones
// excepted).
func missing(t *testing.T, version string, skipped ...string) []string {
	t.Helper()
	var out []string
	for gvk, want := range map[schema.GroupVersionKind]map[string]content.Raw{samples.ImageStreamGVK: inventory.ImageStreams, samples.TemplateGVK: inventory.Templates} {
		have := testenv.ListSamples(t, env.Client, gvk)
		for name := range want {
			if slices.Contains(skipped, name) {
				continue
			}
			if u, ok := have[name]; !ok || u.GetAnnotations()[samplesv1.SamplesVersionAnnotation] != version {
				out = append(out, gvk.Kind+"/"+name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// converged waits until the Config reports the samples of version installed and all
// are there; it reports whether that happened within the deadline.
func converged(t *testing.T, version string, within time.Duration, skipped ...string) bool {
	t.Helper()
	if ok, _ := testenv.Poll(within, func() (bool, string) {
		cfg := &samplesv1.Config{}
		err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg)
		return err == nil && conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist) && cfg.Status.Version == version &&
			len(missing(t, version, skipped...)) == 0, ""
	}); ok {
		return true
	}
	t.Errorf("not converged at %s within %s; missing: %v", version, within, missing(t, version, skipped...))
	return false
}

func createConfig(t *testing.T, spec samplesv1.ConfigSpec) {
	t.Helper()
	cfg := &samplesv1.Config{Spec: spec}
	cfg.Name = samplesv1.ConfigName
	cfg.Finalizers = []string{samplesv1.ConfigFinalizer}
	err := env.Client.Create(context.Background(), cfg)
	if apierrors.IsAlreadyExists(err) {
		// The operator's bootstrap was first with its default Config: the test's spec
		// replaces its spec, as an administrator's edit would.
		err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
			existing := &samplesv1.Config{}
			if err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, existing); err != nil {
				return err
			}
			existing.Spec = spec
			return env.Client.Update(context.Background(), existing)
		})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func managed() samplesv1.ConfigSpec {
	return samplesv1.ConfigSpec{ManagementState: samplesv1.Managed, Architectures: []string{samplesv1.X86Architecture}}
}
