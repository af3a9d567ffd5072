// Package manifests applies every rendered install manifest to a real API server with a
// server-side dry run, so that API validation checks them.
package manifests

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

// monitoringKinds need the prometheus-operator CRDs, which the test cluster lacks.
var monitoringKinds = map[string]bool{"ServiceMonitor": true, "PrometheusRule": true}

func TestManifestsApply(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "manifests", "*.yaml"))
	if len(files) < 8 {
		t.Fatalf("%d manifests", len(files))
	}
	kinds := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", filepath.Base(f), err)
			}
			if len(u.Object) == 0 {
				continue
			}
			kinds[u.GetKind()]++
			if monitoringKinds[u.GetKind()] {
				t.Logf("%s: %s %s not applied (no prometheus-operator CRDs here)", filepath.Base(f), u.GetKind(), u.GetName())
				continue
			}
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
