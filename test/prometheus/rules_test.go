// Package prometheus tests the alerting rules with promtool (`make test` builds it and
// sets PROMTOOL).
package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

func promtool(t *testing.T, args ...string) {
	t.Helper()
	bin := os.Getenv("PROMTOOL")
	if bin == "" {
		t.Skip("PROMTOOL is not set: run `make test`, or PROMTOOL=$(hack/promtool.sh) go test ./test/prometheus")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Join(testenv.RepoRoot(), "config", "prometheus")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %v: %v\n%s", args, err, out)
	}
	t.Logf("%s", out)
}

func TestRulesAreValid(t *testing.T) { promtool(t, "check", "rules", "rules.yaml") }

func TestAlertsFireAsDocumented(t *testing.T) { promtool(t, "test", "rules", "rules_test.yaml") }
