package controllers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
)

// The Config's status: conditions and state, set in memory during a pass and written
// once by Reconcile's deferred patch.

// wroteStatus remembers a status write that took the Config from resourceVersion from
// to resourceVersion to.
func (r *ConfigReconciler) wroteStatus(from, to string) {
	r.statusMu.Lock()
	defer r.statusMu.Unlock()
	r.statusWrite = [2]string{from, to}
}

// beforeOwnStatus tells whether cfg, as the cache holds it, is the Config as it was
// before this operator's last status write: the cache has not yet seen the write. A
// pass over it would find the same transitions again and write them twice (a second
// status patch, and each Event a second time). resourceVersions are only compared for
// equality, as the API allows.
func (r *ConfigReconciler) beforeOwnStatus(cfg *samplesv1.Config) bool {
	r.statusMu.Lock()
	defer r.statusMu.Unlock()
	from, to := r.statusWrite[0], r.statusWrite[1]
	return from != "" && from != to && cfg.ResourceVersion == from
}

func (r *ConfigReconciler) now() metav1.Time {
	return metav1.NewTime(r.Clock.Now().Truncate(time.Second))
}

func (r *ConfigReconciler) setCondition(cfg *samplesv1.Config, t samplesv1.ConfigConditionType, s corev1.ConditionStatus, reason, msg string) {
	before := conditions.Get(cfg.Status.Conditions, t)
	changed := before == nil || before.Status != s
	cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, t, s, reason, msg, r.now())
	if changed && r.Recorder != nil && (t == samplesv1.ConfigurationValid || t == samplesv1.SamplesExist) {
		kind := corev1.EventTypeNormal
		if s != corev1.ConditionTrue && t == samplesv1.ConfigurationValid || s == corev1.ConditionUnknown {
			kind = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(cfg, nil, kind, string(t)+string(s), "Reconcile", "%s is %s: %s", t, s, msg)
	}
}

// setStatusState records a state transition and the release version it happened at.
func (r *ConfigReconciler) setStatusState(cfg *samplesv1.Config, s samplesv1.ManagementState) {
	if cfg.Status.ManagementState != s && r.Recorder != nil {
		r.Recorder.Eventf(cfg, nil, corev1.EventTypeNormal, "ManagementState"+string(s), "Reconcile", "samples are now %s", s)
	}
	cfg.Status.ManagementState = s
	cfg.Status.Version = r.Version
}
