package controllers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/metrics"
)

// Controller names one of the operator's controllers (its name in logs and metrics).
type Controller string

// The operator's controllers.
const (
	BootstrapController       Controller = "bootstrap"
	ConfigController          Controller = "config"
	ImportController          Controller = "imports"
	ClusterOperatorController Controller = "clusteroperator"
)

// Options configure the whole operator; zero fields take the defaults of defaults.go.
type Options struct {
	Version           string
	OperatorNamespace string
	GOARCH            string
	Content           *content.Source

	// Bootstrap registry probe.
	ProbeAddress                             string
	ProbeTimeout, ProbeInterval, DialTimeout time.Duration
	EnvHTTPSProxy, EnvNoProxy                string
	RouteIPv6Only                            func() bool

	// RetryRefused is how long the config controller waits before it retries a write
	// the API server refused.
	RetryRefused        time.Duration
	ImportRetryInterval time.Duration
	// Registerer receives the operator's metrics.
	Registerer prometheus.Registerer
	Clock      clock.Clock

	// Controllers, when not empty, are the only controllers Setup registers (tests of a
	// part of the operator); empty registers every one, as main.go does.
	Controllers []Controller
	// WrapReconciler, when set, wraps each controller's reconciler (tests count passes).
	WrapReconciler func(Controller, reconcile.Reconciler) reconcile.Reconciler
}

// runs tells whether Setup registers controller c.
func (o Options) runs(c Controller) bool {
	return len(o.Controllers) == 0 || slices.Contains(o.Controllers, c)
}

// wrap is the reconciler Setup registers for controller c: r, or o.WrapReconciler's.
func (o Options) wrap(c Controller, r reconcile.Reconciler) reconcile.Reconciler {
	if o.WrapReconciler == nil {
		return r
	}
	return o.WrapReconciler(c, r)
}

// Setup registers every controller (Options.Controllers) and the metrics with mgr.
func Setup(mgr ctrl.Manager, o Options) error {
	o = o.withDefaults()
	if o.runs(BootstrapController) {
		boot := &BootstrapReconciler{
			Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), GOARCH: o.GOARCH,
			ProbeAddress: o.ProbeAddress, ProbeTimeout: o.ProbeTimeout, ProbeInterval: o.ProbeInterval, DialTimeout: o.DialTimeout,
			EnvHTTPSProxy: o.EnvHTTPSProxy, EnvNoProxy: o.EnvNoProxy, RouteIPv6Only: o.RouteIPv6Only, Clock: o.Clock,
		}
		if err := boot.setup(mgr, o.wrap(BootstrapController, boot)); err != nil {
			return fmt.Errorf("setting up the bootstrap controller: %w", err)
		}
	}
	if o.runs(ConfigController) {
		r := &ConfigReconciler{
			Client: mgr.GetClient(), Content: o.Content, Version: o.Version, OperatorNamespace: o.OperatorNamespace,
			RetryRefused: o.RetryRefused, Clock: o.Clock, Recorder: mgr.GetEventRecorder(eventReporter),
		}
		if err := r.setup(mgr, o.wrap(ConfigController, r)); err != nil {
			return fmt.Errorf("setting up the config controller: %w", err)
		}
	}
	retries := metrics.NewRetryCounter()
	if err := o.Registerer.Register(retries); err != nil {
		return err
	}
	if o.runs(ImportController) {
		r := &ImportReconciler{
			Client: mgr.GetClient(), Content: o.Content, OperatorNamespace: o.OperatorNamespace,
			RetryInterval: o.ImportRetryInterval, Clock: o.Clock, Retries: retries,
		}
		if err := r.setup(mgr, o.wrap(ImportController, r)); err != nil {
			return fmt.Errorf("setting up the import controller: %w", err)
		}
	}
	if o.runs(ClusterOperatorController) {
		r := &ClusterOperatorReconciler{
			Client: mgr.GetClient(), Version: o.Version, OperatorNamespace: o.OperatorNamespace, Clock: o.Clock,
		}
		if err := r.setup(mgr, o.wrap(ClusterOperatorController, r)); err != nil {
			return fmt.Errorf("setting up the clusteroperator controller: %w", err)
		}
	}
	if err := metrics.RegisterContent(o.Registerer, o.Content); err != nil {
		return err
	}
	return metrics.Register(o.Registerer, metrics.Sources{
		Config:          func(ctx context.Context) (*samplesv1.Config, error) { return clusterConfig(ctx, mgr.GetClient()) },
		Streams:         importMetricsSource(mgr.GetClient(), o.Content, o.OperatorNamespace),
		ClusterOperator: clusterOperatorSource(mgr.GetClient()),
		Log:             ctrl.Log.WithName("metrics"),
	})
}
