package verdict

import (
	"slices"
	"sort"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
)

// Signals are what every view tells an administrator, read from what the evaluation
// wrote: the Config's conditions and the ClusterOperator's. The metrics collector, on
// the leader and the standby alike, the status command and the tests all call Read, so
// they cannot disagree.
type Signals struct {
	// Config tells that the Config exists; without it only TBRInaccessible and
	// Degraded (false) are reported.
	Config bool
	// State is the management state the samples are in (status), or "" before the
	// first pass.
	State           samplesv1.ManagementState
	Degraded        bool
	InvalidConfig   bool
	MissingSecret   bool
	MissingTBR      bool
	TBRInaccessible bool
	// Failing are the image streams with failing imports, sorted.
	Failing []string
}

// Read derives the signals from the persisted Config (nil: none), ClusterOperator
// (nil: none) and the names of the import-error ConfigMaps.
func Read(cfg *samplesv1.Config, co *configv1.ClusterOperator, failing []string) Signals {
	s := Signals{TBRInaccessible: bootstrap.TBRInaccessible(cfg), Failing: slices.Clone(failing)}
	sort.Strings(s.Failing)
	if c := clusteroperator.Condition(co, configv1.OperatorDegraded); c != nil {
		s.Degraded = c.Status == configv1.ConditionTrue
	}
	if cfg == nil {
		return s
	}
	s.Config = true
	s.State = cfg.Status.ManagementState
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); c != nil {
		s.InvalidConfig = c.Status != corev1.ConditionTrue
	}
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ImportCredentialsExist); c != nil && c.Status == corev1.ConditionFalse {
		s.MissingSecret = c.Reason == ReasonMissingSecret
		s.MissingTBR = c.Reason != ReasonMissingSecret
	}
	return s
}

// The alerts of config/prometheus/rules.yaml.
const (
	AlertImportFailing   = "SamplesImagestreamImportFailing"
	AlertRetriesMissing  = "SamplesRetriesMissingOnImagestreamImportFailing"
	AlertDegraded        = "SamplesDegraded"
	AlertInvalidConfig   = "SamplesInvalidConfig"
	AlertMissingSecret   = "SamplesMissingSecret"
	AlertMissingTBR      = "SamplesMissingTBRCredential"
	AlertTBRInaccessible = "SamplesTBRInaccessibleOnBoot"
)

// Alerts lists every alert name, in the rules' order.
var Alerts = []string{AlertImportFailing, AlertRetriesMissing, AlertDegraded, AlertInvalidConfig,
	AlertMissingSecret, AlertMissingTBR, AlertTBRInaccessible}

// RetryWindow is the window of the import alerts' increase(): an image stream retried
// within it counts as retried.
const RetryWindow = 30 * time.Minute

// Firing returns the alerts the shipped rules raise once these signals have held past
// every rule's for:, sorted. retried tells that an import retry was accepted within
// RetryWindow.
func (s Signals) Firing(retried bool) []string {
	var out []string
	add := func(cond bool, alert string) {
		if cond {
			out = append(out, alert)
		}
	}
	add(len(s.Failing) > 0 && retried, AlertImportFailing)
	add(len(s.Failing) > 0 && !retried, AlertRetriesMissing)
	add(s.Degraded, AlertDegraded)
	add(s.InvalidConfig, AlertInvalidConfig)
	add(s.MissingSecret, AlertMissingSecret)
	add(s.MissingTBR, AlertMissingTBR)
	add(s.TBRInaccessible, AlertTBRInaccessible)
	sort.Strings(out)
	return out
}
