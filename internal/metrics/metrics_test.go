package metrics

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
)

func TestTBRInaccessible(t *testing.T) {
	var cfg *samplesv1.Config
	reg := prometheus.NewPedanticRegistry()
	if err := Register(reg, func(context.Context) (*samplesv1.Config, error) { return cfg, nil }, nil); err != nil {
		t.Fatal(err)
	}
	expect := func(v string) {
		t.Helper()
		want := "# HELP openshift_samples_tbr_inaccessible_info 1 while the samples are Removed because the terms-based registry (registry.redhat.io) was unreachable when the operator bootstrapped\n# TYPE openshift_samples_tbr_inaccessible_info gauge\nopenshift_samples_tbr_inaccessible_info " + v + "\n"
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "openshift_samples_tbr_inaccessible_info"); err != nil {
			t.Error(err)
		}
	}
	expect("0") // no Config yet
	cfg = bootstrap.ConfigFor("amd64", bootstrap.Decision{State: samplesv1.Removed, Reason: bootstrap.ReasonRegistryUnreachable})
	expect("1")
	cfg.Spec.ManagementState = samplesv1.Managed
	expect("0")
	cfg = bootstrap.ConfigFor("amd64", bootstrap.Decision{State: samplesv1.Removed, Reason: bootstrap.ReasonIPv6})
	expect("0")
}

func TestFailedImports(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	failing := map[string]bool{"ruby": true}
	err := Register(reg, func(context.Context) (*samplesv1.Config, error) { return nil, nil },
		func(context.Context) ([]string, map[string]bool, error) {
			return []string{"python", "ruby"}, failing, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := `# HELP openshift_samples_failed_imagestream_import_info 1 while the image stream has tags whose import fails
# TYPE openshift_samples_failed_imagestream_import_info gauge
openshift_samples_failed_imagestream_import_info{name="python"} 0
openshift_samples_failed_imagestream_import_info{name="ruby"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "openshift_samples_failed_imagestream_import_info"); err != nil {
		t.Error(err)
	}
}
