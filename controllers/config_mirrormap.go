package controllers

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/imports"
)

// reconcileMirrorMap keeps the imagestreamtag-to-image ConfigMap (byte-compatible with
// the stock operator's: no jenkins streams) and imagestreamtag-to-image-all (every image)
// equal to the content of the Config's architecture, in every management state. They
// are never deleted.
func (r *ConfigReconciler) reconcileMirrorMap(ctx context.Context, set *content.Set) error {
	facts, err := r.factsOf(set)
	if err != nil {
		return err
	}
	if err := r.writeImageMap(ctx, samplesv1.MirrorConfigMap, facts.stock); err != nil {
		return err
	}
	return r.writeImageMap(ctx, samplesv1.AllImagesConfigMap, facts.all)
}

func (r *ConfigReconciler) writeImageMap(ctx context.Context, name string, data map[string]string) error {
	cm := &corev1.ConfigMap{}
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: r.OperatorNamespace, Name: name}, cm)
	if apierrors.IsNotFound(err) {
		cm = nil
	} else if err != nil {
		return err
	} else if maps.Equal(cm.Data, data) && cm.Annotations[samplesv1.SamplesVersionAnnotation] == r.Version {
		return nil
	}
	return r.writeOperatorConfigMap(ctx, cm, name, data)
}

// writeOperatorConfigMap makes a ConfigMap of the operator namespace hold data, stamped
// with the release: it creates it when existing is nil, else patches existing (with
// its resourceVersion, so a change made meanwhile is not overwritten). The caller has
// checked that something differs.
func (r *ConfigReconciler) writeOperatorConfigMap(ctx context.Context, existing *corev1.ConfigMap, name string, data map[string]string) error {
	key := types.NamespacedName{Namespace: r.OperatorNamespace, Name: name}
	if existing == nil {
		cm := &corev1.ConfigMap{Data: maps.Clone(data)} // the response is decoded into it
		cm.Namespace, cm.Name = key.Namespace, key.Name
		cm.Annotations = map[string]string{samplesv1.SamplesVersionAnnotation: r.Version}
		if err := r.Client.Create(ctx, cm); err != nil {
			return fmt.Errorf("creating ConfigMap %s: %w", key, err)
		}
		return nil
	}
	orig := existing.DeepCopy()
	existing.Data = maps.Clone(data)
	if existing.Annotations == nil {
		existing.Annotations = map[string]string{}
	}
	existing.Annotations[samplesv1.SamplesVersionAnnotation] = r.Version
	if err := r.Client.Patch(ctx, existing, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("updating ConfigMap %s: %w", key, err)
	}
	return nil
}

// setFacts is what the passes read of a content set's image streams: the two mirror
// ConfigMaps' data, and which streams pull from registry.redhat.io (the TBR gate).
type setFacts struct {
	set        *content.Set
	stock, all map[string]string
	fromTBR    map[string]bool
}

// factsOf derives set's facts from one parse of its image streams, once per content
// set (the Source keeps one Set per architecture until the content changes) rather
// than on every pass.
func (r *ConfigReconciler) factsOf(set *content.Set) (*setFacts, error) {
	r.factsMu.Lock()
	defer r.factsMu.Unlock()
	if r.facts != nil && r.facts.set == set {
		return r.facts, nil
	}
	imageStreams, err := content.Objects(set.ImageStreams)
	if err != nil {
		return nil, err
	}
	f := &setFacts{set: set, stock: imports.MirrorMap(imageStreams), all: imports.AllImages(imageStreams), fromTBR: map[string]bool{}}
	for name, is := range imageStreams {
		f.fromTBR[name] = credentials.FromTBR(is)
	}
	r.facts = f
	return f, nil
}
