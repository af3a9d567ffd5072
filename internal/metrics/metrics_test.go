package metrics

import (
	"context"
	"fmt"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
)

func TestTBRInaccessible(t *testing.T) {
	var cfg *samplesv1.Config
	reg := prometheus.NewPedanticRegistry()
	if err := Register(reg, Sources{Config: func(context.Context) (*samplesv1.Config, error) { return cfg, nil }}); err != nil {
		t.Fatal(err)
	}
	expect := func(v string) {
		t.Helper()
		want := "# HELP openshift_samples_tbr_inaccessible_info 1 while the samples are Removed because the terms-based registry (registry.redhat.io) was unreachable when the operator bootstrapped; 0 otherwise\n# TYPE openshift_samples_tbr_inaccessible_info gauge\nopenshift_samples_tbr_inaccessible_info " + v + "\n"
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
	err := Register(reg, Sources{
		Config: func(context.Context) (*samplesv1.Config, error) { return nil, nil },
		Streams: func(context.Context) ([]string, map[string]bool, error) {
			return []string{"python", "ruby"}, failing, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `# HELP openshift_samples_failed_imagestream_import_info 1 while the image stream has tags whose import fails; 0 otherwise
# TYPE openshift_samples_failed_imagestream_import_info gauge
openshift_samples_failed_imagestream_import_info{name="python"} 0
openshift_samples_failed_imagestream_import_info{name="ruby"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "openshift_samples_failed_imagestream_import_info"); err != nil {
		t.Error(err)
	}
}

func TestConfigHealthMetrics(t *testing.T) {
	now := metav1.Now()
	cfg := &samplesv1.Config{}
	cfg.Status.Conditions = conditions.EnsureAll(nil, now)
	cfg.Status.ManagementState = samplesv1.Managed
	co := &configv1.ClusterOperator{}
	degraded := func(s configv1.ConditionStatus) {
		co.Status.Conditions = []configv1.ClusterOperatorStatusCondition{{Type: configv1.OperatorDegraded, Status: s}}
	}
	degraded(configv1.ConditionFalse)
	reg := prometheus.NewPedanticRegistry()
	err := Register(reg, Sources{
		Config:          func(context.Context) (*samplesv1.Config, error) { return cfg, nil },
		ClusterOperator: func(context.Context) (*configv1.ClusterOperator, error) { return co, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	values := func() string {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				name := strings.TrimPrefix(mf.GetName(), "openshift_samples_")
				for _, l := range m.GetLabel() {
					name += "{" + l.GetValue() + "}"
				}
				out = append(out, fmt.Sprintf("%s=%v", name, m.GetGauge().GetValue()))
			}
		}
		return strings.Join(out, " ")
	}
	states := " management_state_info{Managed}=1 management_state_info{Removed}=0 management_state_info{Unmanaged}=0 "
	healthy := "degraded_info=0 invalidconfig_info=0 invalidsecret_info{missing_secret}=0 invalidsecret_info{missing_tbr_credential}=0" + states + "tbr_inaccessible_info=0"
	if got := values(); got != healthy {
		t.Errorf("healthy: %s", got)
	}
	// Degraded is the ClusterOperator's, as written: never worked out again here.
	cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, samplesv1.ConfigurationValid, corev1.ConditionFalse, verdict.ReasonUnsupportedArchitecture, "bad", now)
	if got := values(); !strings.HasPrefix(got, "degraded_info=0 invalidconfig_info=1 ") {
		t.Errorf("unsupported architecture, the ClusterOperator not Degraded: %s", got)
	}
	degraded(configv1.ConditionTrue)
	cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, samplesv1.ImportCredentialsExist, corev1.ConditionFalse, verdict.ReasonMissingSecret, "no", now)
	if got := values(); got != "degraded_info=1 invalidconfig_info=1 invalidsecret_info{missing_secret}=1 invalidsecret_info{missing_tbr_credential}=0"+states+"tbr_inaccessible_info=0" {
		t.Errorf("broken, no pull secret: %s", got)
	}
	cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, samplesv1.ImportCredentialsExist, corev1.ConditionFalse, verdict.ReasonMissingTBRCredential, "no", now)
	if got := values(); !strings.Contains(got, "invalidsecret_info{missing_secret}=0 invalidsecret_info{missing_tbr_credential}=1") {
		t.Errorf("a pull secret without registry.redhat.io: %s", got)
	}
	cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, samplesv1.ImportCredentialsExist, corev1.ConditionTrue, "", "", now)
	if got := values(); !strings.Contains(got, "missing_secret}=0 invalidsecret_info{missing_tbr_credential}=0") {
		t.Errorf("credentials present: %s", got)
	}
	cfg.Status.ManagementState = samplesv1.Removed
	if got := values(); !strings.Contains(got, "management_state_info{Managed}=0 management_state_info{Removed}=1 management_state_info{Unmanaged}=0") {
		t.Errorf("removed: %s", got)
	}
}

func TestContentInfo(t *testing.T) {
	reg := prometheus.NewRegistry()
	if err := RegisterContent(reg, &content.Source{FS: content.Embedded(), Name: content.BuiltIn}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP openshift_samples_content_info The samples content the operator serves: one series per architecture, with its source (the --assets-dir directory, or built-in) and its image stream and template counts
# TYPE openshift_samples_content_info gauge
openshift_samples_content_info{architecture="aarch64",imagestreams="27",source="built-in",templates="26"} 1
openshift_samples_content_info{architecture="ppc64le",imagestreams="40",source="built-in",templates="44"} 1
openshift_samples_content_info{architecture="s390x",imagestreams="40",source="built-in",templates="44"} 1
openshift_samples_content_info{architecture="x86_64",imagestreams="50",source="built-in",templates="50"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "openshift_samples_content_info"); err != nil {
		t.Error(err)
	}
}

// A source that fails drops only the families it feeds: the scrape still succeeds with
// everything else, so no alert loses its input to an unrelated error.
func TestFailingSourceDropsOnlyItsFamilies(t *testing.T) {
	reg := prometheus.NewRegistry()
	retries := NewRetryCounter()
	retries.WithLabelValues("ruby").Inc()
	reg.MustRegister(retries)
	cfg := &samplesv1.Config{}
	err := Register(reg, Sources{
		Config: func(context.Context) (*samplesv1.Config, error) { return cfg, nil },
		Streams: func(context.Context) ([]string, map[string]bool, error) {
			return nil, nil, fmt.Errorf("the cache is gone")
		},
		ClusterOperator: func(context.Context) (*configv1.ClusterOperator, error) { return nil, fmt.Errorf("forbidden") },
	})
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("the scrape failed as a whole: %v", err)
	}
	got := map[string]bool{}
	for _, mf := range mfs {
		got[mf.GetName()] = true
	}
	for _, want := range []string{"openshift_samples_retry_imagestream_import_total", "openshift_samples_invalidconfig_info", "openshift_samples_invalidsecret_info"} {
		if !got[want] {
			t.Errorf("%s is missing from the scrape", want)
		}
	}
	for _, dropped := range []string{"openshift_samples_failed_imagestream_import_info", "openshift_samples_degraded_info"} {
		if got[dropped] {
			t.Errorf("%s, whose source failed, was reported", dropped)
		}
	}
}
