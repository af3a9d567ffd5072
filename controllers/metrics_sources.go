package controllers

import (
	"context"

	configv1 "github.com/openshift/api/config/v1"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imports"
)

// What the metrics collectors (internal/metrics) read from the cluster at scrape time.

// importMetricsSource reports the image streams of the inventory in effect and which
// of them have an import-error ConfigMap.
func importMetricsSource(c client.Reader, src *content.Source, operatorNamespace string) func(context.Context) ([]string, map[string]bool, error) {
	return func(ctx context.Context) ([]string, map[string]bool, error) {
		cfg, err := clusterConfig(ctx, c)
		if cfg == nil || err != nil {
			return nil, nil, err
		}
		_, set, err := planContent(src, cfg)
		if err != nil {
			return nil, nil, nil // no content in effect, no streams to report
		}
		cms, err := importErrorConfigMaps(ctx, c, operatorNamespace)
		if err != nil {
			return nil, nil, err
		}
		failing := map[string]bool{}
		for _, cm := range imports.Failing(cms) {
			failing[cm.Name] = true
		}
		return set.ImageStreamNames(), failing, nil
	}
}

// clusterOperatorSource returns the openshift-samples ClusterOperator, or nil.
func clusterOperatorSource(c client.Reader) func(context.Context) (*configv1.ClusterOperator, error) {
	return func(ctx context.Context) (*configv1.ClusterOperator, error) {
		return getIfExists(ctx, c, clusterOperatorKey, &configv1.ClusterOperator{})
	}
}
