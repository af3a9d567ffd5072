// Package shipped runs the operator the way users install it: every object of
// manifests/ (or of the OLM bundle, as OLM would create it) applied to a real API
// server, and the built binary started with the Deployment's own command, args, env,
// ports and probes, as the Deployment's service account, once per replica.
package shipped

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var (
	env *testenv.Env
	// binary is the operator built from this tree.
	binary string
	// samplesTree stands in for the image's /opt/openshift/operator: the stock image's
	// layout (ocp-<arch>/...) holding the real samples when ../shared/corpus/ocp is
	// there, else the built-in ones.
	samplesTree string
	// samplesFrom says which.
	samplesFrom string
	// failingImage: image references containing it fail to import, so that the
	// import-failure metrics and retries have something to report.
	failingImage = "ruby"
	// images is the in-process registry the fake importer resolves every reference
	// against (TestSignalMatrix decides which images exist).
	images *fakeimporter.Registry
	// importer plays openshift-apiserver's image import (TestDisconnectedJourney cuts it
	// off from the internet and points it at a mirror).
	importer *fakeimporter.Importer
)

func TestMain(m *testing.M) {
	// The test binary is also the journey's stand-in for oc (ocStandIn).
	if os.Getenv(standInEnv) != "" {
		os.Exit(ocStandIn(os.Args[1:]))
	}
	var dir string
	binary, dir = testenv.MustBuildOperator("shipped")
	samplesTree = filepath.Join(dir, "operator")
	var err error
	if samplesFrom, err = layOutSamples(samplesTree); err != nil {
		fmt.Fprintln(os.Stderr, "laying out the samples:", err)
		os.Exit(1)
	}
	reg := fakeimporter.NewRegistry()
	reg.SetAutoCreate(func(ref string) bool { return !strings.Contains(ref, failingImage) })
	images = reg
	code := testenv.Run(m, &env, testenv.Options{
		ExtraCRDs: []string{filepath.Join(testenv.RepoRoot(), "test", "crds", "monitoring")},
	}, func(ctx context.Context, e *testenv.Env) error {
		var err error
		importer, err = fakeimporter.Start(ctx, e.Config, reg)
		return err
	})
	reg.Close()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// layOutSamples copies the real samples tree (or, without it, the built-in content) to
// dir in the stock operator image's layout, ocp-<arch>/<group>/<kind>/<file>.
func layOutSamples(dir string) (string, error) {
	corpus := filepath.Join(testenv.RepoRoot(), "..", "shared", "corpus", "ocp")
	src := content.Embedded()
	from := "the built-in samples (no ../shared/corpus/ocp)"
	if _, err := os.Stat(corpus); err == nil {
		src, from = os.DirFS(corpus), "the real samples of "+corpus
	}
	return from, fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		dest := filepath.Join(dir, "ocp-"+filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dest, data, 0o644)
	})
}
