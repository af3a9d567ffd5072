package generated

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openshift/cluster-samples-operator/internal/diagnose"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// makeVar reads a variable from the Makefile, the one place it is written.
func makeVar(t *testing.T, name string) string {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", "-s", "print-"+name)
	cmd.Dir = testenv.RepoRoot()
	// A value given to `make test` (environment, MAKEFLAGS) would hide the Makefile's own.
	cmd.Env = environWithout(name, "MAKEFLAGS", "MAKELEVEL")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make print-%s: %v", name, err)
	}
	v := strings.TrimSpace(string(out))
	if v == "" {
		t.Fatalf("the Makefile sets no %s", name)
	}
	return v
}

func environWithout(names ...string) []string {
	var out []string
	for _, e := range os.Environ() {
		k, _, _ := strings.Cut(e, "=")
		if !slices.Contains(names, k) {
			out = append(out, e)
		}
	}
	return out
}

// TestVersionsAgreeWithTheMakefile: the image, the bundle version and the Kubernetes
// version are written once, in the Makefile; everything that repeats them must agree.
// The status command links the runbooks with the prefix the alerts use.
func TestRunbookPrefixAgreesWithTheMakefile(t *testing.T) {
	if want := makeVar(t, "RUNBOOK_URL_PREFIX"); diagnose.RunbookURLPrefix != want {
		t.Errorf("diagnose.RunbookURLPrefix is %q, the Makefile's RUNBOOK_URL_PREFIX is %q", diagnose.RunbookURLPrefix, want)
	}
}

func TestVersionsAgreeWithTheMakefile(t *testing.T) {
	root := testenv.RepoRoot()
	img, version, k8s := makeVar(t, "IMG"), makeVar(t, "VERSION"), makeVar(t, "K8S_VERSION")

	dep := testenv.ReadObjects(t, filepath.Join(root, "manifests", "0000_50_cluster-samples-operator_06-deployment.yaml"))[0]
	containers, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	if got := containers[0].(map[string]any)["image"]; got != img {
		t.Errorf("manifests/ deploy image %v, the Makefile's IMG is %s: run `make generate`", got, img)
	}

	csv := testenv.ReadObjects(t, filepath.Join(root, "bundle", "manifests", "cluster-samples-operator.clusterserviceversion.yaml"))[0]
	if got, _, _ := unstructured.NestedString(csv.Object, "spec", "version"); got != version {
		t.Errorf("CSV spec.version %q, the Makefile's VERSION is %s: run `make bundle`", got, version)
	}
	if got := csv.GetName(); got != "cluster-samples-operator.v"+version {
		t.Errorf("CSV name %q does not carry VERSION %s", got, version)
	}
	if got := csv.GetAnnotations()["containerImage"]; got != img {
		t.Errorf("CSV containerImage %q, the Makefile's IMG is %s", got, img)
	}
	deps, _, _ := unstructured.NestedSlice(csv.Object, "spec", "install", "spec", "deployments")
	csvImage, _, _ := unstructured.NestedSlice(deps[0].(map[string]any), "spec", "template", "spec", "containers")
	if got := csvImage[0].(map[string]any)["image"]; got != img {
		t.Errorf("CSV deployment image %v, the Makefile's IMG is %s", got, img)
	}

	if testenv.K8sVersion != k8s {
		t.Errorf("testenv.K8sVersion is %s, the Makefile's K8S_VERSION is %s", testenv.K8sVersion, k8s)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "envtest/"+k8s+"/") {
		t.Errorf("README.md does not show the envtest cache path of K8S_VERSION %s", k8s)
	}
}
