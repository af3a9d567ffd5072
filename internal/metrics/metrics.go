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

// Collector computes the metrics from the Config.
type Collector struct {
	get             ConfigGetter
	tbrInaccessible *prometheus.Desc
}

// Register adds the operator's collector to reg.
func Register(reg prometheus.Registerer, get ConfigGetter) error {
	return reg.Register(&Collector{
		get: get,
		tbrInaccessible: prometheus.NewDesc("openshift_samples_tbr_inaccessible_info",
			"1 while the samples are Removed because the terms-based registry (registry.redhat.io) was unreachable when the operator bootstrapped", nil, nil),
	})
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) { ch <- c.tbrInaccessible }

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
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
