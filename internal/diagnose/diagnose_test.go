package diagnose

import (
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
)

func config(state samplesv1.ManagementState, edit func(*samplesv1.Config)) *samplesv1.Config {
	cfg := &samplesv1.Config{Spec: samplesv1.ConfigSpec{ManagementState: state}}
	cfg.Status.ManagementState = state
	cfg.Status.Conditions = conditions.EnsureAll(nil, metav1.Now())
	cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, samplesv1.SamplesExist, corev1.ConditionTrue, "", "", metav1.Now())
	if edit != nil {
		edit(cfg)
	}
	return cfg
}

func set(t samplesv1.ConfigConditionType, s corev1.ConditionStatus, msg string) func(*samplesv1.Config) {
	return func(c *samplesv1.Config) {
		c.Status.Conditions = conditions.Set(c.Status.Conditions, t, s, "", msg, metav1.Now())
	}
}

func TestNext(t *testing.T) {
	degraded := &configv1.ClusterOperator{Status: configv1.ClusterOperatorStatus{Conditions: []configv1.ClusterOperatorStatusCondition{
		{Type: configv1.OperatorDegraded, Status: configv1.ConditionTrue, Reason: "APIServerForbiddenError", Message: "no"}}}}
	now := time.Now()
	failing := func(err string) []FailingStream {
		return []FailingStream{{Name: "ruby", Tags: map[string]string{"3.3": err}, LastRetry: now.Add(-time.Minute)},
			{Name: "python", Tags: map[string]string{"3.12": err}, LastRetry: now.Add(-20 * time.Minute)}}
	}
	notRetried := func(err string) []FailingStream {
		f := failing(err)
		for i := range f {
			f[i].LastRetry = now.Add(-31 * time.Minute)
		}
		return f
	}
	withReason := func(t samplesv1.ConfigConditionType, s corev1.ConditionStatus, reason string) func(*samplesv1.Config) {
		return func(c *samplesv1.Config) {
			c.Status.Conditions = conditions.Set(c.Status.Conditions, t, s, reason, "none", metav1.Now())
		}
	}
	for _, c := range []struct {
		name      string
		in        Inputs
		alert     string
		problem   bool
		inCommand string
	}{
		{"no Config", Inputs{}, "", true, "oc get pods"},
		{"healthy", Inputs{Config: config(samplesv1.Managed, nil)}, "", false, ""},
		{"installing", Inputs{Config: config(samplesv1.Managed, set(samplesv1.SamplesExist, corev1.ConditionFalse, ""))}, "", false, ""},
		{"invalid first", Inputs{Config: config(samplesv1.Managed, set(samplesv1.ConfigurationValid, corev1.ConditionFalse, "bad")), ClusterOperator: degraded, Failing: failing("x")}, "SamplesInvalidConfig", true, "oc edit"},
		{"invalid while Removed is no problem", Inputs{Config: config(samplesv1.Removed, nil)}, "", false, `"managementState":"Managed"`},
		{"degraded", Inputs{Config: config(samplesv1.Managed, nil), ClusterOperator: degraded}, "SamplesDegraded", true, "oc logs"},
		{"bootstrapped removed", Inputs{Config: config(samplesv1.Removed, func(c *samplesv1.Config) {
			c.Annotations = map[string]string{samplesv1.BootstrapRemovedReasonAnnotation: bootstrap.ReasonRegistryUnreachable}
		})}, "SamplesTBRInaccessibleOnBoot", true, `"managementState":"Managed"`},
		{"removed", Inputs{Config: config(samplesv1.Removed, nil), Failing: failing("x")}, "", false, `"managementState":"Managed"`},
		{"unmanaged", Inputs{Config: config(samplesv1.Unmanaged, nil), Failing: failing("x")}, "", false, ""},
		{"no pull secret", Inputs{Config: config(samplesv1.Managed, withReason(samplesv1.ImportCredentialsExist, corev1.ConditionFalse, verdict.ReasonMissingSecret))}, "SamplesMissingSecret", true, "pull-secret"},
		{"no registry.redhat.io entry", Inputs{Config: config(samplesv1.Managed, withReason(samplesv1.ImportCredentialsExist, corev1.ConditionFalse, verdict.ReasonMissingTBRCredential))}, "SamplesMissingTBRCredential", true, "dockerconfigjson"},
		// The registry refuses the credentials the secret has: the import alert fires,
		// not the missing-credential one (the entry is there).
		{"unauthorized", Inputs{Config: config(samplesv1.Managed, nil), Failing: failing("unauthorized: authentication required")}, "SamplesImagestreamImportFailing", true, "pull-secret"},
		{"not retried", Inputs{Config: config(samplesv1.Managed, nil), Failing: notRetried("unauthorized: authentication required")}, "SamplesRetriesMissingOnImagestreamImportFailing", true, "pull-secret"},
		{"mirror certificate", Inputs{Config: config(samplesv1.Managed, nil), Failing: failing("Get https://m.example.com/v2/: tls: failed to verify certificate: x509: certificate signed by unknown authority")}, "SamplesImagestreamImportFailing", true, "additionalTrustedCA"},
		{"unauthorized at a mirror", Inputs{Config: config(samplesv1.Managed, func(c *samplesv1.Config) { c.Spec.SamplesRegistry = "m.example.com" }), Failing: failing("unauthorized")}, "SamplesImagestreamImportFailing", true, "pull-secret"},
		{"unreachable", Inputs{Config: config(samplesv1.Managed, nil), Failing: failing("dial tcp: lookup registry.redhat.io: no such host")}, "SamplesImagestreamImportFailing", true, "mirror mapping"},
		{"gone", Inputs{Config: config(samplesv1.Managed, func(c *samplesv1.Config) { c.Spec.SkippedImagestreams = []string{"perl"} }), Failing: failing("manifest unknown")}, "SamplesImagestreamImportFailing", true, `["perl","python","ruby"]`},
		{"other", Inputs{Config: config(samplesv1.Managed, nil), Failing: failing("something odd")}, "SamplesImagestreamImportFailing", true, "imagestream-error=true"},
	} {
		s := Next(c.in)
		if s.Alert != c.alert || (s.Problem != "") != c.problem || !strings.Contains(s.Command, c.inCommand) || s.Action == "" {
			t.Errorf("%s: %+v", c.name, s)
		}
		if (s.Runbook != "") != (c.alert != "") || (s.Runbook != "" && s.Runbook != RunbookURLPrefix+c.alert+".md") {
			t.Errorf("%s: runbook %q", c.name, s.Runbook)
		}
	}
}

func TestClassifyTakesTheMostCommonCause(t *testing.T) {
	if got := Classify([]string{"unauthorized", "i/o timeout", "dial tcp 1.2.3.4:443: connect: connection refused"}); got != CauseUnreachable {
		t.Errorf("got %s", got)
	}
	if got := Classify(nil); got != CauseOther {
		t.Errorf("no errors: %s", got)
	}
}
