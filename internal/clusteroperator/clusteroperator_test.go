package clusteroperator

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
)

type want struct {
	avail, prog, deg string // "Status/Reason"
	msg              string // a substring of one of the messages
}

func config(state samplesv1.ManagementState, conds map[samplesv1.ConfigConditionType]corev1.ConditionStatus, msg string) *samplesv1.Config {
	cfg := &samplesv1.Config{}
	cfg.Spec.ManagementState = state
	cfg.Status.ManagementState = state
	cfg.Status.Version = "4.21.0"
	now := metav1.Now()
	cfg.Status.Conditions = conditions.EnsureAll(nil, now)
	for t, s := range conds {
		cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, t, s, "Reason"+string(t), msg, now)
	}
	return cfg
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// refused is a Config whose samples write the API server refused for the last age.
func refused(age time.Duration) *samplesv1.Config {
	cfg := config(samplesv1.Managed, nil, "")
	cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, samplesv1.SamplesExist, corev1.ConditionUnknown,
		"APIServerInvalidError", "Template t is invalid", metav1.NewTime(now.Add(-age)))
	return cfg
}

func TestCompute(t *testing.T) {
	deleting := config(samplesv1.Managed, map[samplesv1.ConfigConditionType]corev1.ConditionStatus{samplesv1.SamplesExist: "True"}, "")
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	tbr := config(samplesv1.Removed, nil, "")
	tbr.Annotations = map[string]string{samplesv1.BootstrapRemovedReasonAnnotation: bootstrap.ReasonRegistryUnreachable}
	removing := config(samplesv1.Removed, map[samplesv1.ConfigConditionType]corev1.ConditionStatus{samplesv1.RemovePending: "True"}, "")
	removing.Status.ManagementState = samplesv1.Managed

	for _, tc := range []struct {
		name string
		in   Inputs
		want want
	}{
		{"no config", Inputs{}, want{"False/SampleUpsertsPending", "True/SampleUpsertsPending", "False/", "Waiting"}},
		{"installing", Inputs{Config: config(samplesv1.Managed, nil, ""), ReleaseVersion: "4.22.0"},
			want{"False/SampleUpsertsPending", "True/SampleUpsertsPending", "False/", "Samples installing at 4.22.0"}},
		{"installed", Inputs{Config: config(samplesv1.Managed, map[samplesv1.ConfigConditionType]corev1.ConditionStatus{samplesv1.SamplesExist: "True"}, ""), ReleaseVersion: "4.22.0"},
			want{"True/", "False/", "False/", "Samples installation successful at 4.21.0"}},
		{"failing imports", Inputs{Config: config(samplesv1.Managed, map[samplesv1.ConfigConditionType]corev1.ConditionStatus{samplesv1.SamplesExist: "True", samplesv1.ImportImageErrorsExist: "True"}, ""),
			FailingStreams: []string{"ruby", "perl"}, LastImportAttempt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
			want{"True/", "False/FailedImageImports", "False/", "Samples installed at 4.21.0, with image import failures for these imagestreams: perl ruby ; last import attempt 2026-01-02 03:04:05 +0000 UTC"}},
		{"invalid config", Inputs{Config: config(samplesv1.Managed, map[samplesv1.ConfigConditionType]corev1.ConditionStatus{samplesv1.SamplesExist: "True", samplesv1.ConfigurationValid: "False"}, "bad registry"), ReleaseVersion: "4.22.0"},
			want{"True/", "True/InvalidConfiguration", "True/InvalidConfiguration", "Samples installation in error at 4.22.0: bad registry"}},
		{"unsupported arch", Inputs{Config: config(samplesv1.Managed, map[samplesv1.ConfigConditionType]corev1.ConditionStatus{samplesv1.ConfigurationValid: "False"}, "mips"), UnsupportedArch: true},
			want{"True/UnsupportHWArchitecture", "False/UnsupportHWArchitecture", "False/UnsupportHWArchitecture", "mips"}},
		{"write refused, retrying", Inputs{Config: refused(time.Minute), Now: now, ReleaseVersion: "4.22.0"},
			want{"False/SampleUpsertsPending", "True/APIServerInvalidError", "False/", "Samples installation in error at 4.22.0: Template t is invalid"}},
		{"write refused past the bound", Inputs{Config: refused(DegradedAfter + time.Minute), Now: now, ReleaseVersion: "4.22.0"},
			want{"False/SampleUpsertsPending", "True/APIServerInvalidError", "True/APIServerInvalidError", "Template t is invalid"}},
		{"unknown condition", Inputs{Config: config(samplesv1.Managed, map[samplesv1.ConfigConditionType]corev1.ConditionStatus{samplesv1.SamplesExist: "Unknown"}, "cannot read content")},
			want{"False/SampleUpsertsPending", "True/ReasonSamplesExist", "True/ReasonSamplesExist", "cannot read content"}},
		{"removed", Inputs{Config: config(samplesv1.Removed, nil, "")},
			want{"True/CurrentlyRemoved", "False/CurrentlyRemoved", "False/CurrentlyRemoved", "Samples installation was previously successful at 4.21.0 but the samples operator is now Removed"}},
		{"unmanaged", Inputs{Config: config(samplesv1.Unmanaged, nil, "")},
			want{"True/CurrentlyUnmanaged", "False/CurrentlyUnmanaged", "False/CurrentlyUnmanaged", "now Unmanaged"}},
		{"removed at bootstrap, registry unreachable", Inputs{Config: tbr},
			want{"True/TermsBasedRegistryUnreacahable", "False/TermsBasedRegistryUnreacahable", "False/TermsBasedRegistryUnreacahable", "now Removed"}},
		{"removing", Inputs{Config: removing, ReleaseVersion: "4.22.0"},
			want{"False/SampleUpsertsPending", "True/", "False/", "Deleting samples at 4.22.0"}},
		{"deleting", Inputs{Config: deleting, ReleaseVersion: "4.22.0"},
			want{"True/DeletionInProgress", "True/DeletionInProgress", "False/DeletionInProgress", "Deleting samples at 4.22.0"}},
	} {
		conds, _ := Compute(tc.in)
		got := []string{}
		msgs := ""
		for _, c := range conds {
			got = append(got, string(c.Status)+"/"+c.Reason)
			msgs += c.Message + "\n"
		}
		if got[0] != tc.want.avail || got[1] != tc.want.prog || got[2] != tc.want.deg {
			t.Errorf("%s: Available, Progressing, Degraded = %v; want %s %s %s", tc.name, got, tc.want.avail, tc.want.prog, tc.want.deg)
		}
		if !strings.Contains(msgs, tc.want.msg) {
			t.Errorf("%s: messages %q lack %q", tc.name, msgs, tc.want.msg)
		}
	}
}

func TestVersions(t *testing.T) {
	if _, v := Compute(Inputs{Config: &samplesv1.Config{}}); v != nil {
		t.Errorf("versions before any install: %v", v)
	}
	cfg := config(samplesv1.Managed, nil, "")
	if _, v := Compute(Inputs{Config: cfg}); len(v) != 1 || v[0].Name != "operator" || v[0].Version != "4.21.0" {
		t.Errorf("versions = %v", v)
	}
}

func TestMergeKeepsTransitionTimes(t *testing.T) {
	t0, t1 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), metav1.NewTime(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	existing := []configv1.ClusterOperatorStatusCondition{
		{Type: configv1.OperatorAvailable, Status: configv1.ConditionTrue, LastTransitionTime: t0},
		{Type: configv1.OperatorDegraded, Status: configv1.ConditionFalse, LastTransitionTime: t0},
	}
	computed := []configv1.ClusterOperatorStatusCondition{
		{Type: configv1.OperatorAvailable, Status: configv1.ConditionTrue, Message: "new message"},
		{Type: configv1.OperatorDegraded, Status: configv1.ConditionTrue},
	}
	out := Merge(existing, computed, t1)
	if !out[0].LastTransitionTime.Equal(&t0) || !out[1].LastTransitionTime.Equal(&t1) {
		t.Errorf("merged = %+v", out)
	}
}

func TestWaitingForAPIs(t *testing.T) {
	missing := []string{"imagestreams.image.openshift.io/v1", "templates.template.openshift.io/v1"}
	got := WaitingForAPIs(nil, missing)
	if len(got) != 3 || got[0].Status != configv1.ConditionFalse || got[1].Status != configv1.ConditionTrue || got[2].Status != configv1.ConditionFalse {
		t.Fatalf("a new ClusterOperator: %+v", got)
	}
	for _, c := range got {
		if c.Reason != ReasonWaitingForAPIs || !strings.Contains(c.Message, "imagestreams.image.openshift.io/v1, templates.template.openshift.io/v1") {
			t.Errorf("%s: %s %q", c.Type, c.Reason, c.Message)
		}
	}
	// Samples already installed stay Available while openshift-apiserver rolls out.
	was := []configv1.ClusterOperatorStatusCondition{{Type: configv1.OperatorAvailable, Status: configv1.ConditionTrue, Message: "Samples installation successful at 4.22.0"}}
	if got := WaitingForAPIs(was, missing); got[0].Status != configv1.ConditionTrue || got[0].Message != was[0].Message || got[1].Reason != ReasonWaitingForAPIs {
		t.Errorf("an Available ClusterOperator: %+v", got)
	}
}
