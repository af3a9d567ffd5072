// Package metrics exposes the operator's Prometheus metrics. Values are computed at
// scrape time from the Config, so they survive restarts and never drift from it.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
)

// ConfigGetter returns the Config "cluster", or nil when there is none.
type ConfigGetter func(ctx context.Context) (*samplesv1.Config, error)

// StreamsGetter returns the image streams of the inventory in effect and which of them
// have failing imports.
type StreamsGetter func(ctx context.Context) (streams []string, failing map[string]bool, err error)

// Collector computes the metrics from the cluster's state.
type Collector struct {
	get             ConfigGetter
	streams         StreamsGetter
	tbrInaccessible *prometheus.Desc
	failedImport    *prometheus.Desc
}

// Register adds the operator's collector to reg. streams may be nil.
func Register(reg prometheus.Registerer, get ConfigGetter, streams StreamsGetter) error {
	return reg.Register(&Collector{
		get:     get,
		streams: streams,
		tbrInaccessible: prometheus.NewDesc("openshift_samples_tbr_inaccessible_info",
			"1 while the samples are Removed because the terms-based registry (registry.redhat.io) was unreachable when the operator bootstrapped", nil, nil),
		failedImport: prometheus.NewDesc("openshift_samples_failed_imagestream_import_info",
			"1 while the image stream has tags whose import fails", []string{"name"}, nil),
	})
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tbrInaccessible
	ch <- c.failedImport
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg, err := c.get(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.tbrInaccessible, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.tbrInaccessible, prometheus.GaugeValue, boolValue(bootstrap.TBRInaccessible(cfg)))
	if c.streams == nil {
		return
	}
	streams, failing, err := c.streams(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.failedImport, err)
		return
	}
	for _, s := range streams {
		ch <- prometheus.MustNewConstMetric(c.failedImport, prometheus.GaugeValue, boolValue(failing[s]), s)
	}
}

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
		Name: "openshift_samples_retry_imagestream_import_total",
		Help: "Retries of failing image stream tag imports, by image stream",
	}, []string{"imagestreamname"})
}
