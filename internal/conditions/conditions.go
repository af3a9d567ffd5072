// Package conditions maintains the Config's condition list without churn: a condition's
// lastTransitionTime moves only when its status changes, and lastUpdateTime only when
// anything about it changes.
package conditions

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// Get returns the condition of type t, or nil.
func Get(conds []samplesv1.ConfigCondition, t samplesv1.ConfigConditionType) *samplesv1.ConfigCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// IsTrue tells whether the condition of type t exists with status True.
func IsTrue(conds []samplesv1.ConfigCondition, t samplesv1.ConfigConditionType) bool {
	c := Get(conds, t)
	return c != nil && c.Status == corev1.ConditionTrue
}

// Set records a condition at time now and returns the list.
func Set(conds []samplesv1.ConfigCondition, t samplesv1.ConfigConditionType, status corev1.ConditionStatus, reason, message string, now metav1.Time) []samplesv1.ConfigCondition {
	c := Get(conds, t)
	if c == nil {
		return append(conds, samplesv1.ConfigCondition{
			Type: t, Status: status, Reason: reason, Message: message,
			LastUpdateTime: now, LastTransitionTime: now,
		})
	}
	if c.Status == status && c.Reason == reason && c.Message == message {
		return conds
	}
	if c.Status != status {
		c.LastTransitionTime = now
	}
	c.Status, c.Reason, c.Message, c.LastUpdateTime = status, reason, message, now
	return conds
}

// Defaults are the statuses a condition starts with when the operator first reports it.
var Defaults = map[samplesv1.ConfigConditionType]corev1.ConditionStatus{
	samplesv1.ImportCredentialsExist: corev1.ConditionTrue,
	samplesv1.SamplesExist:           corev1.ConditionFalse,
	samplesv1.ConfigurationValid:     corev1.ConditionTrue,
	samplesv1.ImageChangesInProgress: corev1.ConditionFalse,
	samplesv1.RemovePending:          corev1.ConditionFalse,
	samplesv1.MigrationInProgress:    corev1.ConditionFalse,
	samplesv1.ImportImageErrorsExist: corev1.ConditionFalse,
}

// EnsureAll adds every condition type that is missing, with its default status.
func EnsureAll(conds []samplesv1.ConfigCondition, now metav1.Time) []samplesv1.ConfigCondition {
	for _, t := range samplesv1.ConditionTypes {
		if Get(conds, t) == nil {
			conds = Set(conds, t, Defaults[t], "", "", now)
		}
	}
	return conds
}
