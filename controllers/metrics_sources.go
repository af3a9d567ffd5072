package controllers

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/internal/content"
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
		for _, cm := range cms {
			failing[cm.Name] = true
		}
		return set.ImageStreamNames(), failing, nil
	}
}

// tbrCredentialSource tells whether the pull secret holds registry.redhat.io
// credentials (false when it is missing or unparsable).
func tbrCredentialSource(c client.Reader) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		why, err := pullSecretLacksTBR(ctx, c)
		return why == "" && err == nil, err
	}
}
