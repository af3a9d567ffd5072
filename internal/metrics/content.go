package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/openshift/cluster-samples-operator/internal/content"
)

// contentCollector reports which samples the operator serves.
type contentCollector struct {
	src  *content.Source
	desc *prometheus.Desc
}

// RegisterContent adds openshift_samples_content_info{source, architecture,
// imagestreams, templates}: 1 for each architecture of the content served, source being
// the --assets-dir directory or "built-in".
func RegisterContent(reg prometheus.Registerer, src *content.Source) error {
	return reg.Register(&contentCollector{src: src, desc: prometheus.NewDesc(ContentName,
		"The samples content the operator serves: one series per architecture, with its source (the --assets-dir directory, or built-in) and its image stream and template counts",
		[]string{"source", "architecture", "imagestreams", "templates"}, nil)})
}

func (c *contentCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *contentCollector) Collect(ch chan<- prometheus.Metric) {
	dirs, err := c.src.Dirs()
	if err != nil {
		return // the content's errors are reported in the Config's status
	}
	source := c.src.Name
	if source == "" {
		source = content.BuiltIn
	}
	for arch, dir := range dirs {
		imageStreams, templates := c.src.Count(dir)
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 1,
			source, arch, strconv.Itoa(imageStreams), strconv.Itoa(templates))
	}
}
