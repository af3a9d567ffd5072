// Package shipped runs the operator the way users install it: every object of
// manifests/ (or of the OLM bundle, as OLM would create it) applied to a real API
// server, and the built binary started with the Deployment's own command, args, env,
// ports and probes, as the Deployment's service account, once per replica.
package shipped

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var (
	env *testenv.Env
	// binary is the operator built from this tree.
	binary string
	// failingImage: image references containing it fail to import, so that the
	// import-failure metrics and retries have something to report.
	failingImage = "ruby"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shipped")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "cluster-samples-operator")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the operator: %v\n%s", err, out)
		os.Exit(1)
	}
	reg := fakeimporter.NewRegistry()
	reg.SetAutoCreate(func(ref string) bool { return !strings.Contains(ref, failingImage) })
	code := testenv.Run(m, &env, testenv.Options{
		ExtraCRDs: []string{filepath.Join(testenv.RepoRoot(), "test", "crds", "monitoring")},
	}, func(ctx context.Context, e *testenv.Env) error {
		_, err := fakeimporter.Start(ctx, e.Config, reg)
		return err
	})
	reg.Close()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
