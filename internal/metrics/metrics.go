// Package metrics exposes the operator's Prometheus metrics. Values are computed at
// scrape time from the Config, so they survive restarts and never drift from it.
package metrics

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/go-logr/logr"

	configv1 "github.com/openshift/api/config/v1"
	"github.com/prometheus/client_golang/prometheus"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
)

// The names of the metrics the operator exports (alerts, the console dashboard and the
// runbooks use these; their tests check against Names).
const (
	TBRInaccessibleName = "openshift_samples_tbr_inaccessible_info"
	FailedImportName    = "openshift_samples_failed_imagestream_import_info"
	DegradedName        = "openshift_samples_degraded_info"
	InvalidConfigName   = "openshift_samples_invalidconfig_info"
	InvalidSecretName   = "openshift_samples_invalidsecret_info"
	RetryName           = "openshift_samples_retry_imagestream_import_total"
	ContentName         = "openshift_samples_content_info"
	ManagementStateName = "openshift_samples_management_state_info"
)

// Names lists every metric name above.
var Names = []string{TBRInaccessibleName, FailedImportName, DegradedName, InvalidConfigName, InvalidSecretName,
	RetryName, ContentName, ManagementStateName}

// ConfigGetter returns the Config "cluster", or nil when there is none.
type ConfigGetter func(ctx context.Context) (*samplesv1.Config, error)

// ClusterOperatorGetter returns the openshift-samples ClusterOperator, or nil.
type ClusterOperatorGetter func(ctx context.Context) (*configv1.ClusterOperator, error)

// StreamsGetter returns the image streams of the inventory in effect and which of them
// have failing imports.
type StreamsGetter func(ctx context.Context) (streams []string, failing map[string]bool, err error)

// Sources are where the collector reads, at scrape time, what the operator's
// evaluation wrote: the Config's conditions, the ClusterOperator's, and the
// import-error ConfigMaps. Every value is verdict.Read of them, so a standby replica
// exports what the leader decided, and no metric is decided here.
type Sources struct {
	Config ConfigGetter
	// ClusterOperator may be nil (openshift_samples_degraded_info is then 0).
	ClusterOperator ClusterOperatorGetter
	// Streams may be nil.
	Streams StreamsGetter
	// Log receives the errors of a scrape. A source that fails drops only the
	// families it feeds: an error would turn the whole /metrics response into a 500,
	// controller-runtime's own metrics and every alert's input with it.
	Log logr.Logger
}

// Collector computes the metrics from the cluster's state.
type Collector struct {
	src                                                                                    Sources
	tbrInaccessible, failedImport, degraded, invalidConfig, invalidSecret, managementState *prometheus.Desc
}

// Register adds the operator's collector to reg.
func Register(reg prometheus.Registerer, src Sources) error {
	return reg.Register(&Collector{
		src: src,
		tbrInaccessible: prometheus.NewDesc(TBRInaccessibleName,
			"1 while the samples are Removed because the terms-based registry (registry.redhat.io) was unreachable when the operator bootstrapped; 0 otherwise", nil, nil),
		failedImport: prometheus.NewDesc(FailedImportName,
			"1 while the image stream has tags whose import fails; 0 otherwise", []string{"name"}, nil),
		degraded: prometheus.NewDesc(DegradedName,
			"1 while the openshift-samples ClusterOperator is Degraded; 0 otherwise", nil, nil),
		invalidConfig: prometheus.NewDesc(InvalidConfigName,
			"1 while the samples Config is not valid (ConfigurationValid is not True); 0 otherwise", nil, nil),
		invalidSecret: prometheus.NewDesc(InvalidSecretName,
			"1 while the samples are Managed and image streams from registry.redhat.io wait for credentials (ImportCredentialsExist False): reason missing_secret when openshift-config/pull-secret is missing or is no docker config, reason missing_tbr_credential when it has no entry for registry.redhat.io; 0 otherwise", []string{"reason"}, nil),
		managementState: prometheus.NewDesc(ManagementStateName,
			"1 for the management state the samples are in (status.managementState of the Config), 0 for the others; absent while there is no Config", []string{"state"}, nil),
	})
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tbrInaccessible
	ch <- c.failedImport
	ch <- c.degraded
	ch <- c.invalidConfig
	ch <- c.invalidSecret
	ch <- c.managementState
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v bool, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, boolValue(v), labels...)
	}
	cfg, err := c.src.Config(ctx)
	if err != nil {
		c.src.Log.Error(err, "cannot read the Config; its metric families are left out of this scrape")
		return
	}
	var co *configv1.ClusterOperator
	var coErr error
	if c.src.ClusterOperator != nil {
		if co, coErr = c.src.ClusterOperator(ctx); coErr != nil {
			c.src.Log.Error(coErr, "cannot read the ClusterOperator; "+DegradedName+" is left out of this scrape")
		}
	}
	var streams []string
	var failing map[string]bool
	streamsErr := error(nil)
	if c.src.Streams != nil {
		if streams, failing, err = c.src.Streams(ctx); err != nil {
			streamsErr = err
			c.src.Log.Error(err, "cannot list the import-error ConfigMaps; "+FailedImportName+" is left out of this scrape")
		}
	}
	s := verdict.Read(cfg, co, slices.Collect(maps.Keys(failing)))
	gauge(c.tbrInaccessible, s.TBRInaccessible)
	if s.Config {
		for _, st := range managementStates {
			gauge(c.managementState, s.State == st, string(st))
		}
	}
	if coErr == nil {
		gauge(c.degraded, s.Degraded)
	}
	gauge(c.invalidConfig, s.InvalidConfig)
	gauge(c.invalidSecret, s.MissingSecret, "missing_secret")
	gauge(c.invalidSecret, s.MissingTBR, "missing_tbr_credential")
	if streamsErr != nil {
		return
	}
	for _, name := range streams {
		_, found := slices.BinarySearch(s.Failing, name)
		gauge(c.failedImport, found, name)
	}
}

// managementStates are the values of openshift_samples_management_state_info's state
// label (Force is reported as the Managed it is treated as).
var managementStates = []samplesv1.ManagementState{samplesv1.Managed, samplesv1.Unmanaged, samplesv1.Removed}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// NewRetryCounter is openshift_samples_retry_imagestream_import_total: retry requests
// for an image stream's failing imports that the API server accepted.
func NewRetryCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: RetryName,
		Help: "Retries of failing image stream tag imports, by image stream",
	}, []string{"imagestreamname"})
}
