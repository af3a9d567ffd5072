package conditions

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

func TestSet(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t1, t2 := metav1.NewTime(t0.Add(time.Minute)), metav1.NewTime(t0.Add(2*time.Minute))
	conds := Set(nil, samplesv1.SamplesExist, corev1.ConditionFalse, "", "", t0)

	conds = Set(conds, samplesv1.SamplesExist, corev1.ConditionFalse, "", "", t1)
	if c := conds[0]; !c.LastUpdateTime.Equal(&t0) || !c.LastTransitionTime.Equal(&t0) {
		t.Errorf("unchanged condition got new times: %+v", c)
	}
	conds = Set(conds, samplesv1.SamplesExist, corev1.ConditionFalse, "Waiting", "m", t1)
	if c := conds[0]; !c.LastUpdateTime.Equal(&t1) || !c.LastTransitionTime.Equal(&t0) || c.Reason != "Waiting" {
		t.Errorf("message change: %+v", c)
	}
	conds = Set(conds, samplesv1.SamplesExist, corev1.ConditionTrue, "", "", t2)
	if c := conds[0]; !c.LastTransitionTime.Equal(&t2) || c.Status != corev1.ConditionTrue || len(conds) != 1 {
		t.Errorf("status change: %+v", conds)
	}
	if !IsTrue(conds, samplesv1.SamplesExist) || IsTrue(conds, samplesv1.RemovePending) {
		t.Error("IsTrue")
	}
}

func TestEnsureAll(t *testing.T) {
	now := metav1.Now()
	conds := Set(nil, samplesv1.SamplesExist, corev1.ConditionTrue, "", "", now)
	conds = EnsureAll(conds, now)
	if len(conds) != 7 {
		t.Fatalf("%d conditions, want 7", len(conds))
	}
	if !IsTrue(conds, samplesv1.SamplesExist) || !IsTrue(conds, samplesv1.ConfigurationValid) || IsTrue(conds, samplesv1.MigrationInProgress) {
		t.Errorf("defaults: %+v", conds)
	}
}
