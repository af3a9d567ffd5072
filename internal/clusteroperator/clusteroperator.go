// Package clusteroperator computes the openshift-samples ClusterOperator status from the Config: the
// Available/Progressing/Degraded quartet administrators read in `oc get clusteroperators`.
package clusteroperator

import (
	"fmt"
	"sort"
	"strings"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
)

// Name is the ClusterOperator's name.
const Name = "openshift-samples"

// Reasons, byte-exact with the shipped operator (two are misspelled there).
const (
	ReasonSampleUpsertsPending = "SampleUpsertsPending"
	ReasonInvalidConfiguration = "InvalidConfiguration"
	ReasonFailedImageImports   = "FailedImageImports"
	ReasonDeletionInProgress   = "DeletionInProgress"
	ReasonTBRUnreachable       = "TermsBasedRegistryUnreacahable"
	ReasonUnsupportedArch      = "UnsupportHWArchitecture"
	reasonCurrentlyPrefix      = "Currently"
)

// Inputs is what the ClusterOperator is computed from.
type Inputs struct {
	Config         *samplesv1.Config
	ReleaseVersion string
	// FailingStreams are the image streams with import failures.
	FailingStreams []string
	// LastImportAttempt is the latest retry of a failing import.
	LastImportAttempt time.Time
	// UnsupportedArch tells that ConfigurationValid is False for the architecture.
	UnsupportedArch bool
	// Now is when the status is computed: an API error older than DegradedAfter makes
	// the operator Degraded.
	Now time.Time
}

// DegradedAfter is how long a write the API server keeps refusing (SamplesExist
// Unknown with an APIServer<Reason>Error reason) is retried before the operator
// reports Degraded; until then it is Progressing. A restarting or briefly overloaded API
// server never makes it Degraded.
const DegradedAfter = 10 * time.Minute

// APIServerErrorPrefix starts the reason of a write the API server refused
// (APIServerInvalidError, APIServerForbiddenError, ...), as the shipped operator names it.
const APIServerErrorPrefix = "APIServer"

type cond struct {
	status          configv1.ConditionStatus
	reason, message string
}

// Compute returns the Available, Progressing and Degraded conditions, in that order
// (without times), and the operand versions.
func Compute(in Inputs) ([]configv1.ClusterOperatorStatusCondition, []configv1.OperandVersion) {
	cfg := in.Config
	var versions []configv1.OperandVersion
	if cfg != nil && cfg.Status.Version != "" {
		versions = []configv1.OperandVersion{{Name: "operator", Version: cfg.Status.Version}}
	}
	avail, prog, deg := compute(in)
	out := []configv1.ClusterOperatorStatusCondition{
		{Type: configv1.OperatorAvailable, Status: avail.status, Reason: avail.reason, Message: avail.message},
		{Type: configv1.OperatorProgressing, Status: prog.status, Reason: prog.reason, Message: prog.message},
		{Type: configv1.OperatorDegraded, Status: deg.status, Reason: deg.reason, Message: deg.message},
	}
	return out, versions
}

func compute(in Inputs) (avail, prog, deg cond) {
	if avail, prog, deg, ok := settled(in); ok {
		return avail, prog, deg
	}
	deg, retrying := degraded(in)
	avail = available(in)
	return avail, progressing(in, avail, deg, retrying), deg
}

// settled returns the conditions of the states that decide all three at once: no Config
// yet, the Config being deleted, an unsupported architecture, and Removed or Unmanaged
// once done. ok is false in any other state.
func settled(in Inputs) (avail, prog, deg cond, ok bool) {
	cfg := in.Config
	if cfg == nil {
		return cond{configv1.ConditionFalse, ReasonSampleUpsertsPending, "Waiting for the samples Config to be created"},
			cond{configv1.ConditionTrue, ReasonSampleUpsertsPending, "Waiting for the samples Config to be created"},
			cond{status: configv1.ConditionFalse}, true
	}
	if !cfg.DeletionTimestamp.IsZero() {
		msg := "Deleting samples at " + in.ReleaseVersion
		return cond{configv1.ConditionTrue, ReasonDeletionInProgress, msg},
			cond{configv1.ConditionTrue, ReasonDeletionInProgress, msg},
			cond{configv1.ConditionFalse, ReasonDeletionInProgress, msg}, true
	}
	if in.UnsupportedArch {
		// As the shipped operator reports it: nothing to install here, and nothing
		// wrong with the cluster, so upgrades are not blocked.
		msg := "Samples are not supported on this architecture: "
		if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); c != nil {
			msg += c.Message
		}
		return cond{configv1.ConditionTrue, ReasonUnsupportedArch, msg},
			cond{configv1.ConditionFalse, ReasonUnsupportedArch, msg},
			cond{configv1.ConditionFalse, ReasonUnsupportedArch, msg}, true
	}
	return notManaged(cfg)
}

// notManaged returns the conditions of a Config Removed or Unmanaged whose change of
// management state is done (no removal pending). ok is false otherwise.
func notManaged(cfg *samplesv1.Config) (avail, prog, deg cond, ok bool) {
	s := cfg.Status.ManagementState
	if s != samplesv1.Removed && s != samplesv1.Unmanaged {
		return avail, prog, deg, false
	}
	reason := reasonCurrentlyPrefix + string(s)
	if s == samplesv1.Removed && bootstrap.TBRInaccessible(cfg) {
		reason = ReasonTBRUnreachable
	}
	msg := fmt.Sprintf("Samples installation was previously successful at %s but the samples operator is now %s", cfg.Status.Version, s)
	if !conditions.IsTrue(cfg.Status.Conditions, samplesv1.RemovePending) && cfg.Spec.ManagementState == s {
		return cond{configv1.ConditionTrue, reason, msg}, cond{configv1.ConditionFalse, reason, msg}, cond{configv1.ConditionFalse, reason, msg}, true
	}
	return avail, prog, deg, false
}

// degraded returns the Degraded condition, and the failure still retried (nil when
// none): a refused write not yet retried for DegradedAfter, which is Progressing.
func degraded(in Inputs) (deg cond, retrying *cond) {
	cfg := in.Config
	// Degraded: invalid configuration, or a condition the operator cannot determine;
	// a write the API server refuses only once it has been retried for DegradedAfter.
	deg = cond{status: configv1.ConditionFalse}
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); c != nil && c.Status == corev1.ConditionFalse {
		return cond{configv1.ConditionTrue, ReasonInvalidConfiguration, fmt.Sprintf("Samples installation in error at %s: %s", in.ReleaseVersion, c.Message)}, nil
	}
	for _, c := range cfg.Status.Conditions {
		if c.Status != corev1.ConditionUnknown {
			continue
		}
		failed := cond{configv1.ConditionTrue, c.Reason, fmt.Sprintf("Samples installation in error at %s: %s", in.ReleaseVersion, c.Message)}
		if strings.HasPrefix(c.Reason, APIServerErrorPrefix) && !in.Now.IsZero() && in.Now.Sub(c.LastTransitionTime.Time) < DegradedAfter {
			retrying = &failed
			continue
		}
		deg = failed
		break
	}
	return deg, retrying
}

// available returns the Available condition: True once the samples exist.
func available(in Inputs) cond {
	cfg := in.Config
	if conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist) {
		return cond{configv1.ConditionTrue, "", "Samples installation successful at " + cfg.Status.Version}
	}
	return cond{configv1.ConditionFalse, ReasonSampleUpsertsPending, "Samples installing at " + in.ReleaseVersion}
}

// progressing returns the Progressing condition, from the Available and Degraded ones
// and the failure still retried (nil when none).
func progressing(in Inputs, avail, deg cond, retrying *cond) cond {
	cfg := in.Config
	switch {
	case conditions.IsTrue(cfg.Status.Conditions, samplesv1.RemovePending):
		return cond{configv1.ConditionTrue, "", "Deleting samples at " + in.ReleaseVersion}
	case deg.status == configv1.ConditionTrue:
		return cond{configv1.ConditionTrue, deg.reason, deg.message}
	case retrying != nil:
		return *retrying
	case avail.status != configv1.ConditionTrue:
		return cond{configv1.ConditionTrue, ReasonSampleUpsertsPending, "Samples installing at " + in.ReleaseVersion}
	case len(in.FailingStreams) > 0:
		return importFailures(in)
	default:
		return cond{configv1.ConditionFalse, "", "Samples installation successful at " + cfg.Status.Version}
	}
}

// importFailures is the Progressing condition of samples installed with failing image
// imports.
func importFailures(in Inputs) cond {
	names := append([]string(nil), in.FailingStreams...)
	sort.Strings(names)
	last := ""
	if !in.LastImportAttempt.IsZero() {
		last = in.LastImportAttempt.UTC().String() // as the shipped operator prints it
	}
	// Each name followed by a space, byte-exact with the shipped operator's message.
	return cond{configv1.ConditionFalse, ReasonFailedImageImports, fmt.Sprintf(
		"Samples installed at %s, with image import failures for these imagestreams: %s; last import attempt %s",
		in.Config.Status.Version, strings.Join(names, " ")+" ", last)}
}

// Merge applies computed conditions onto existing ones at now, keeping each
// lastTransitionTime whose status did not change.
func Merge(existing, computed []configv1.ClusterOperatorStatusCondition, now metav1.Time) []configv1.ClusterOperatorStatusCondition {
	out := make([]configv1.ClusterOperatorStatusCondition, 0, len(computed))
	for _, c := range computed {
		c.LastTransitionTime = now
		for _, e := range existing {
			if e.Type == c.Type && e.Status == c.Status {
				c.LastTransitionTime = e.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	return out
}

// RelatedObjects are the objects `oc adm inspect` and must-gather collect.
func RelatedObjects(operatorNamespace string) []configv1.ObjectReference {
	return []configv1.ObjectReference{
		{Group: samplesv1.GroupName, Resource: "configs", Name: samplesv1.ConfigName},
		{Group: "", Resource: "namespaces", Name: operatorNamespace},
		{Group: "template.openshift.io", Resource: "templates", Namespace: samplesv1.SamplesNamespace},
		{Group: "image.openshift.io", Resource: "imagestreams", Namespace: samplesv1.SamplesNamespace},
	}
}

// ReasonWaitingForAPIs is the reason while the operator waits, at start, for the image
// and template APIs to be served (openshift-apiserver registers them; on a new cluster,
// or while it rolls out, they may be missing from discovery for a while). The stock
// operator has no such reason.
const ReasonWaitingForAPIs = "WaitingForOpenShiftAPIs"

// WaitingForAPIs returns the conditions the ClusterOperator shows while the operator
// waits for the API groups (resources) named in missing: Progressing, and Available
// only if it already was (the samples already installed stay), never Degraded.
func WaitingForAPIs(existing []configv1.ClusterOperatorStatusCondition, missing []string) []configv1.ClusterOperatorStatusCondition {
	msg := "Waiting for " + strings.Join(missing, ", ") + " to be served (by openshift-apiserver) before managing the samples"
	avail := configv1.ClusterOperatorStatusCondition{Type: configv1.OperatorAvailable, Status: configv1.ConditionFalse, Reason: ReasonWaitingForAPIs, Message: msg}
	for _, c := range existing {
		if c.Type == configv1.OperatorAvailable && c.Status == configv1.ConditionTrue {
			avail = c
		}
	}
	return []configv1.ClusterOperatorStatusCondition{
		{Type: avail.Type, Status: avail.Status, Reason: avail.Reason, Message: avail.Message},
		{Type: configv1.OperatorProgressing, Status: configv1.ConditionTrue, Reason: ReasonWaitingForAPIs, Message: msg},
		{Type: configv1.OperatorDegraded, Status: configv1.ConditionFalse, Reason: ReasonWaitingForAPIs, Message: msg},
	}
}

// Condition returns the ClusterOperator's condition of type t, or nil (also for a nil
// ClusterOperator).
func Condition(co *configv1.ClusterOperator, t configv1.ClusterStatusConditionType) *configv1.ClusterOperatorStatusCondition {
	if co == nil {
		return nil
	}
	for i := range co.Status.Conditions {
		if co.Status.Conditions[i].Type == t {
			return &co.Status.Conditions[i]
		}
	}
	return nil
}
