package verdict

import (
	"fmt"
	"sort"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

// The reasons of a False ImportCredentialsExist: the pull secret cannot be used at
// all, or it has no entry for registry.redhat.io. Each raises its own alert.
const (
	ReasonMissingSecret        = "MissingSecret"
	ReasonMissingTBRCredential = "MissingTBRCredential"
)

// FileSystemError is SamplesExist's reason while the content cannot be read.
const FileSystemError = "FileSystemError"

// Inputs is everything a pass over the Config reads before it decides: the gather
// step fills it, Evaluate decides from it alone.
type Inputs struct {
	// Config is the Config as read, conditions included.
	Config *samplesv1.Config
	// OperatorNamespace holds the import-error ConfigMaps (named in a message).
	OperatorNamespace string
	// Image is images.config.openshift.io/cluster, nil when there is none.
	Image *configv1.Image
	// Credentials is the pull secret's verdict, read only while it matters (Managed,
	// and samplesRegistry empty or Red Hat's).
	Credentials credentials.Verdict
	// ImportErrors are the import-error ConfigMaps; ImportErrorsUnread that they could
	// not be listed this pass (the condition then stays as it was).
	ImportErrors       []ImportError
	ImportErrorsUnread bool
	// Set is the content of the Config's architecture, or ContentErr why there is none.
	Set        *content.Set
	ContentErr error
}

// ImportError is one image stream's failing tags, as its ConfigMap holds them.
type ImportError struct {
	Stream string
	Tags   []string
}

// Action is what a pass does after setting the conditions.
type Action int

const (
	// Hold changes no sample: the Config is invalid.
	Hold Action = iota
	// Install creates and updates the samples (Managed).
	Install
	// Remove deletes them (Removed).
	Remove
	// LeaveAlone records Unmanaged.
	LeaveAlone
	// WaitForContent changes nothing and tries again later: the content is unreadable.
	WaitForContent
)

// Condition is a condition a pass sets.
type Condition struct {
	Type    samplesv1.ConfigConditionType
	Status  corev1.ConditionStatus
	Reason  string
	Message string
}

// Evaluation is what a pass decided before acting.
type Evaluation struct {
	Plan state.Plan
	// Conditions are set in order before acting. The outcome of the action
	// (SamplesExist, RemovePending) is set by the act step.
	Conditions []Condition
	Action     Action
	// GateTBR holds back image streams from registry.redhat.io: no credentials.
	GateTBR bool
	// PublishMirror tells that the imagestreamtag-to-image ConfigMap is written.
	PublishMirror bool
}

// Evaluate decides a pass: every condition but the action's outcome, and the action.
// Each condition is set here and nowhere else: ImportImageErrorsExist,
// ImportCredentialsExist, ConfigurationValid, and SamplesExist while the content is
// unreadable.
func Evaluate(in *Inputs) Evaluation {
	plan := state.PlanFor(in.Config)
	ev := Evaluation{Plan: plan, PublishMirror: in.ContentErr == nil && specValid(in, plan)}
	set := func(t samplesv1.ConfigConditionType, s corev1.ConditionStatus, reason, msg string) {
		ev.Conditions = append(ev.Conditions, Condition{t, s, reason, msg})
	}
	if !in.ImportErrorsUnread {
		s, reason, msg := importErrors(in.ImportErrors, in.OperatorNamespace)
		set(samplesv1.ImportImageErrorsExist, s, reason, msg)
	}
	// Credentials matter only while the samples are managed: a disconnected cluster
	// that bootstrapped Removed must not page anyone about them.
	switch creds := in.Credentials; {
	case plan.State != samplesv1.Managed:
		set(samplesv1.ImportCredentialsExist, corev1.ConditionTrue, "", "not checked while managementState is "+string(plan.State))
	case creds.Unread:
		// Unknown this pass: keep what was last seen, and gate as it said.
		c := conditions.Get(in.Config.Status.Conditions, samplesv1.ImportCredentialsExist)
		ev.GateTBR = c != nil && c.Status == corev1.ConditionFalse
	case creds.Problem != "":
		set(samplesv1.ImportCredentialsExist, corev1.ConditionFalse, credentialsReason(creds), creds.Problem+
			"; add credentials for registry.redhat.io to the cluster pull secret, or set samplesRegistry to a mirror. Until then image streams from registry.redhat.io are not created or updated")
		ev.GateTBR = true
	default:
		set(samplesv1.ImportCredentialsExist, corev1.ConditionTrue, "", "")
	}
	switch plan.State {
	case samplesv1.Removed:
		set(samplesv1.ConfigurationValid, corev1.ConditionTrue, "", "")
		ev.Action = Remove
		return ev
	case samplesv1.Unmanaged:
		set(samplesv1.ConfigurationValid, corev1.ConditionTrue, "", "")
		ev.Action = LeaveAlone
		return ev
	}
	if reason, msg := Validate(in, plan); reason != "" {
		set(samplesv1.ConfigurationValid, corev1.ConditionFalse, reason, msg)
		ev.Action = Hold
		return ev
	}
	if in.ContentErr != nil {
		set(samplesv1.SamplesExist, corev1.ConditionUnknown, FileSystemError, in.ContentErr.Error())
		ev.Action = WaitForContent
		return ev
	}
	set(samplesv1.ConfigurationValid, corev1.ConditionTrue, "", joinNonEmpty(plan.Note, state.UnknownSkips(in.Config, in.Set)))
	ev.Action = Install
	return ev
}

// importErrors is ImportImageErrorsExist for the import-error ConfigMaps.
func importErrors(errs []ImportError, namespace string) (corev1.ConditionStatus, string, string) {
	if len(errs) == 0 {
		return corev1.ConditionFalse, "", ""
	}
	var parts, names []string
	for _, e := range errs {
		names = append(names, e.Stream)
		tags := append([]string(nil), e.Tags...)
		sort.Strings(tags)
		parts = append(parts, fmt.Sprintf("%s (%s)", e.Stream, strings.Join(tags, ", ")))
	}
	sort.Strings(parts)
	sort.Strings(names)
	return corev1.ConditionTrue, strings.Join(names, " "),
		"These image streams have tags that fail to import: " + strings.Join(parts, "; ") +
			". Details are in the ConfigMaps of the same names in namespace " + namespace + "."
}

// joinNonEmpty joins the non-empty messages with "; ".
func joinNonEmpty(msgs ...string) string {
	var out []string
	for _, m := range msgs {
		if m != "" {
			out = append(out, m)
		}
	}
	return strings.Join(out, "; ")
}

// credentialsReason names what is missing: a pull secret that cannot be used at all, or
// one without an entry for registry.redhat.io.
func credentialsReason(v credentials.Verdict) string {
	if v.Unusable {
		return ReasonMissingSecret
	}
	return ReasonMissingTBRCredential
}
