package controllers

import (
	"context"

	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

// Reads the controllers share.

// clusterConfigKey is the one Config the operator acts on.
var clusterConfigKey = types.NamespacedName{Name: samplesv1.ConfigName}

// clusterKey names the singleton cluster configuration objects (network, image, proxy).
var clusterKey = types.NamespacedName{Name: "cluster"}

// clusterConfig returns the Config "cluster", or nil when there is none.
func clusterConfig(ctx context.Context, c client.Reader) (*samplesv1.Config, error) {
	return getIfExists(ctx, c, clusterConfigKey, &samplesv1.Config{})
}

// getIfExists reads key into obj, or returns nil when there is no such object.
func getIfExists[T client.Object](ctx context.Context, c client.Reader, key types.NamespacedName, obj T) (T, error) {
	var none T
	if err := c.Get(ctx, key, obj); apierrors.IsNotFound(err) {
		return none, nil
	} else if err != nil {
		return none, err
	}
	return obj, nil
}

// planContent is what the Config asks for and the content it applies to: the plan
// (state.PlanFor) and the content set of the plan's architecture. err is the content's
// problem (a file or layout error for a tree that cannot be loaded, a
// *content.MissingArchError for an architecture it lacks); the config controller
// reports it, the others act as if there were no content.
func planContent(src *content.Source, cfg *samplesv1.Config) (state.Plan, *content.Set, error) {
	plan := state.PlanFor(cfg)
	set, err := src.SetFor(plan.Arch)
	return plan, set, err
}

// importErrorConfigMaps lists the import-error ConfigMaps the operator made.
func importErrorConfigMaps(ctx context.Context, c client.Reader, namespace string) ([]corev1.ConfigMap, error) {
	cms := &corev1.ConfigMapList{}
	if err := c.List(ctx, cms, client.InNamespace(namespace), client.MatchingLabels{samplesv1.ImportErrorLabel: "true"}); err != nil {
		return nil, err
	}
	return cms.Items, nil
}

// pullSecretVerdict reads openshift-config/pull-secret and judges it
// (credentials.Judge). Only its key .dockerconfigjson is read.
func pullSecretVerdict(ctx context.Context, c client.Reader) (credentials.Verdict, error) {
	secret := &corev1.Secret{}
	err := c.Get(ctx, types.NamespacedName{Namespace: credentials.SecretNamespace, Name: credentials.SecretName}, secret)
	if apierrors.IsNotFound(err) {
		return credentials.Judge(false, nil), nil
	} else if err != nil {
		return credentials.Verdict{}, err
	}
	return credentials.Judge(true, secret.Data[credentials.SecretKey]), nil
}

// cachedSample is an empty object of kind gvk in the form the operator's cache keeps it:
// image streams typed (a typed stream costs a fraction of its JSON decoded into maps),
// templates as their metadata only (nothing else of a template is read from the
// cluster, and a watch of metadata only spares decoding every template's objects).
// Both are trimmed (samples.Trim). A write over a sample starts from the server's copy.
func cachedSample(gvk schema.GroupVersionKind) client.Object {
	if gvk == samples.ImageStreamGVK {
		return &imagev1.ImageStream{}
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	return m
}

// cachedSamples is an empty list of kind gvk in the form the cache keeps it (cachedSample).
func cachedSamples(gvk schema.GroupVersionKind) client.ObjectList {
	if gvk == samples.ImageStreamGVK {
		return &imagev1.ImageStreamList{}
	}
	m := &metav1.PartialObjectMetadataList{}
	m.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	return m
}
