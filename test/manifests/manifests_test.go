// Package manifests applies every rendered install manifest to a real API server with a
// server-side dry run, so that API validation checks them.
package manifests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var env *testenv.Env

// TestMain adds the prometheus-operator CRDs (generated into test/crds/monitoring) that
// the monitoring manifests need.
func TestMain(m *testing.M) {
	e, err := testenv.Start(testenv.Options{ExtraCRDs: []string{filepath.Join(testenv.RepoRoot(), "test", "crds", "monitoring")}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	code := m.Run()
	_ = e.Stop()
	os.Exit(code)
}

func TestManifestsApply(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "manifests", "*.yaml"))
	if len(files) < 8 {
		t.Fatalf("%d manifests", len(files))
	}
	kinds := map[string]int{}
	for _, f := range files {
		for _, u := range testenv.ReadObjects(t, f) {
			kinds[u.GetKind()]++
			//nolint:staticcheck // server-side apply through a patch keeps this test short
			err := env.Client.Patch(context.Background(), u, client.Apply, client.FieldOwner("manifests-test"), client.ForceOwnership, client.DryRunAll)
			if err != nil {
				t.Errorf("%s: %s %s: %v", filepath.Base(f), u.GetKind(), u.GetName(), err)
			}
		}
	}
	for _, k := range []string{"Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding", "Service", "Deployment", "ClusterOperator", "ServiceMonitor", "PrometheusRule"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among the manifests", k)
		}
	}
}

// releaseAnnotations select a manifest for the cluster version operator's profiles and
// tie it to the openshift-samples capability.
var releaseAnnotations = map[string]string{
	"include.release.openshift.io/self-managed-high-availability": "true",
	"include.release.openshift.io/single-node-developer":          "true",
	"include.release.openshift.io/ibm-cloud-managed":              "true",
	"capability.openshift.io/name":                                "openshift-samples",
}

func TestEveryManifestCarriesTheReleaseAnnotations(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "manifests", "*.yaml"))
	n := 0
	for _, f := range files {
		for _, u := range testenv.ReadObjects(t, f) {
			n++
			for k, v := range releaseAnnotations {
				if got, ok := u.GetAnnotations()[k]; !ok || got != v {
					t.Errorf("%s: %s %s: annotation %s = %q, want %q", filepath.Base(f), u.GetKind(), u.GetName(), k, got, v)
				}
			}
			if u.GetKind() == "Namespace" && u.GetAnnotations()["workload.openshift.io/allowed"] != "management" {
				t.Errorf("%s: namespace %s lacks workload.openshift.io/allowed: management", filepath.Base(f), u.GetName())
			}
		}
	}
	if n < 12 {
		t.Errorf("only %d objects in manifests/", n)
	}
}

// The image carries the release's samples at /opt/openshift/operator (Dockerfile), and
// both installs point the operator at them.
func TestInstallsServeTheImagesSamples(t *testing.T) {
	root := testenv.RepoRoot()
	const dir = "/opt/openshift/operator"
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ARG SAMPLES_IMAGE=", "FROM ${SAMPLES_IMAGE} AS samples", "COPY --from=samples " + dir + " " + dir} {
		if !strings.Contains(string(dockerfile), want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	args := func(u map[string]any) []any {
		containers, _, _ := unstructured.NestedSlice(u, "spec", "template", "spec", "containers")
		a, _, _ := unstructured.NestedSlice(containers[0].(map[string]any), "args")
		return a
	}
	dep := testenv.ReadObjects(t, filepath.Join(root, "manifests", "0000_50_cluster-samples-operator_06-deployment.yaml"))[0]
	csv := testenv.ReadObjects(t, filepath.Join(root, "bundle", "manifests", "cluster-samples-operator.clusterserviceversion.yaml"))[0]
	deps, _, _ := unstructured.NestedSlice(csv.Object, "spec", "install", "spec", "deployments")
	for what, a := range map[string][]any{"manifests/ Deployment": args(dep.Object), "CSV deployment": args(deps[0].(map[string]any))} {
		if !slices.Contains(a, any("--assets-dir="+dir)) {
			t.Errorf("the %s does not pass --assets-dir=%s: %v", what, dir, a)
		}
	}
}
