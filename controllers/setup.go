package controllers

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/metrics"
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

	ImportRetryInterval time.Duration
	// Registerer receives the operator's metrics.
	Registerer prometheus.Registerer
	Clock      clock.Clock
}

// Setup registers every controller and the metrics with mgr.
func Setup(mgr ctrl.Manager, o Options) error {
	o = o.withDefaults()
	boot := &BootstrapReconciler{
		Client: mgr.GetClient(), GOARCH: o.GOARCH,
		ProbeAddress: o.ProbeAddress, ProbeTimeout: o.ProbeTimeout, ProbeInterval: o.ProbeInterval, DialTimeout: o.DialTimeout,
		EnvHTTPSProxy: o.EnvHTTPSProxy, EnvNoProxy: o.EnvNoProxy, RouteIPv6Only: o.RouteIPv6Only, Clock: o.Clock,
	}
	if err := boot.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the bootstrap controller: %w", err)
	}
	if err := (&ConfigReconciler{
		Client: mgr.GetClient(), Content: o.Content, Version: o.Version, OperatorNamespace: o.OperatorNamespace,
		Clock: o.Clock, Recorder: mgr.GetEventRecorder(eventReporter),
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the config controller: %w", err)
	}
	retries := metrics.NewRetryCounter()
	if err := o.Registerer.Register(retries); err != nil {
		return err
	}
	if err := (&ImportReconciler{
		Client: mgr.GetClient(), Content: o.Content, OperatorNamespace: o.OperatorNamespace,
		RetryInterval: o.ImportRetryInterval, Clock: o.Clock, Retries: retries,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the import controller: %w", err)
	}
	if err := (&ClusterOperatorReconciler{
		Client: mgr.GetClient(), Version: o.Version, OperatorNamespace: o.OperatorNamespace, Clock: o.Clock,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the clusteroperator controller: %w", err)
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
