// Package manifests applies every rendered install manifest to a real API server with a
// server-side dry run, so that API validation checks them.
package manifests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

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
