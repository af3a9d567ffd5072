package controllers

import (
	"errors"
	"fmt"
	"time"

	"k8s.io/utils/clock"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/openshift/cluster-samples-operator/internal/content"
)

// Defaults of every tunable the reconcilers have. main.go's flags start from these, and
// a reconciler built without a value gets it here when it is set up, so a zero field is
// never a nil clock or a retry loop with no pause.
const (
	DefaultProbeAddress        = "registry.redhat.io:443"
	DefaultProbeTimeout        = 3 * time.Minute
	DefaultProbeInterval       = 20 * time.Second
	DefaultDialTimeout         = 15 * time.Second
	DefaultImportRetryInterval = 15 * time.Minute
	DefaultRetryRefused        = time.Minute
	DefaultRetryUnavailable    = 2 * time.Second
	// DefaultResyncPeriod is how often the caches replay every object to the reconcilers.
	DefaultResyncPeriod = 10 * time.Minute
	// minImportRetryInterval refuses a retry interval that would hammer the registry.
	minImportRetryInterval = time.Second
)

// eventReporter is the events.k8s.io reportingController of the operator's Events.
const eventReporter = "cluster-samples-operator"

func defaultClock(c *clock.Clock) {
	if *c == nil {
		*c = clock.RealClock{}
	}
}

func defaultDuration(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// withDefaults fills what Options leave out.
func (o Options) withDefaults() Options {
	defaultClock(&o.Clock)
	defaultDuration(&o.ProbeTimeout, DefaultProbeTimeout)
	defaultDuration(&o.ProbeInterval, DefaultProbeInterval)
	defaultDuration(&o.DialTimeout, DefaultDialTimeout)
	defaultDuration(&o.ImportRetryInterval, DefaultImportRetryInterval)
	defaultDuration(&o.RetryRefused, DefaultRetryRefused)
	if o.Content == nil {
		o.Content = &content.Source{FS: content.Embedded()}
	}
	if o.Registerer == nil {
		o.Registerer = ctrlmetrics.Registry
	}
	return o
}

// errMissing refuses a reconciler built without something it cannot run without.
func errMissing(reconciler, field string) error {
	return fmt.Errorf("%s: %s is required", reconciler, field)
}

// requireCommon checks the fields every reconciler needs.
func requireCommon(reconciler string, hasClient bool, operatorNamespace string) error {
	var errs []error
	if !hasClient {
		errs = append(errs, errMissing(reconciler, "Client"))
	}
	if operatorNamespace == "" {
		errs = append(errs, errMissing(reconciler, "OperatorNamespace"))
	}
	return errors.Join(errs...)
}
