package testenv

import (
	"context"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/internal/content"
)

var env *Env

func TestMain(m *testing.M) { Main(m, &env) }

func TestNamespacesExist(t *testing.T) {
	for _, ns := range Namespaces {
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: ns}, &corev1.Namespace{}); err != nil {
			t.Errorf("namespace %s: %v", ns, err)
		}
	}
}

// TestCorpusRoundTrips stores every x86_64 image stream and template of the real
// OpenShift samples content and reads it back unchanged.
func TestCorpusRoundTrips(t *testing.T) {
	corpus := filepath.Join(RepoRoot(), "..", "shared", "corpus", "ocp", "x86_64")
	files, _ := filepath.Glob(filepath.Join(corpus, "*", "*", "*.json"))
	if len(files) == 0 {
		t.Skipf("no samples corpus at %s (it is not part of a user's clone)", corpus)
	}
	ctx := context.Background()
	counts := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := utiljson.Unmarshal(data, &u.Object); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		content.DropNulls(u.Object)
		want := u.DeepCopy()
		u.SetNamespace("openshift")
		if err := env.Client.Create(ctx, u); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(u.GroupVersionKind())
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(u), got); err != nil {
			t.Fatal(err)
		}
		for key := range want.Object {
			// Status is not the operator's to write; the API server ignores it on create.
			if key == "metadata" || key == "status" {
				continue
			}
			if !reflect.DeepEqual(want.Object[key], got.Object[key]) {
				t.Errorf("%s: %s changed on the way through the API server", f, key)
			}
		}
		if !reflect.DeepEqual(want.GetAnnotations(), got.GetAnnotations()) || !reflect.DeepEqual(want.GetLabels(), got.GetLabels()) {
			t.Errorf("%s: labels or annotations changed", f)
		}
		counts[u.GetKind()]++
	}
	if counts["ImageStream"] != 50 || counts["Template"] != 50 {
		t.Errorf("stored %v, want 50 image streams and 50 templates", counts)
	}
}
