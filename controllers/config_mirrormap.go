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
	"github.com/openshift/cluster-samples-operator/internal/imports"
)

// reconcileMirrorMap keeps the imagestreamtag-to-image ConfigMap equal to the content of
// the Config's architecture, in every management state. It is never deleted.
func (r *ConfigReconciler) reconcileMirrorMap(ctx context.Context, set *content.Set) error {
	data := r.mirrorMap(set)
	key := types.NamespacedName{Namespace: r.OperatorNamespace, Name: samplesv1.MirrorConfigMap}
	cm := &corev1.ConfigMap{}
	err := r.Client.Get(ctx, key, cm)
	if apierrors.IsNotFound(err) {
		cm = &corev1.ConfigMap{Data: maps.Clone(data)} // the response is decoded into it
		cm.Namespace, cm.Name = key.Namespace, key.Name
		cm.Annotations = map[string]string{samplesv1.SamplesVersionAnnotation: r.Version}
		if err := r.Client.Create(ctx, cm); err != nil {
			return fmt.Errorf("creating ConfigMap %s: %w", key, err)
		}
		return nil
	} else if err != nil {
		return err
	}
	if maps.Equal(cm.Data, data) && cm.Annotations[samplesv1.SamplesVersionAnnotation] == r.Version {
		return nil
	}
	orig := cm.DeepCopy()
	cm.Data = maps.Clone(data)
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[samplesv1.SamplesVersionAnnotation] = r.Version
	if err := r.Client.Patch(ctx, cm, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("updating ConfigMap %s: %w", key, err)
	}
	return nil
}

// mirrorMap is the ConfigMap's data for set, computed once per content set (the Source
// keeps one Set per architecture until the content changes) rather than on every pass.
func (r *ConfigReconciler) mirrorMap(set *content.Set) map[string]string {
	r.mirrorMu.Lock()
	defer r.mirrorMu.Unlock()
	if r.mirrorSet != set {
		r.mirrorSet, r.mirrorData = set, imports.MirrorMap(set.ImageStreams)
	}
	return r.mirrorData
}
