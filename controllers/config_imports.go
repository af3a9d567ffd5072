package controllers

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

// MirrorConfigMap lists every image a disconnected cluster must mirror.
const MirrorConfigMap = "imagestreamtag-to-image"

// reconcileMirrorMap keeps the imagestreamtag-to-image ConfigMap equal to the content of
// the Config's architecture, in every management state. It is never deleted.
func (r *ConfigReconciler) reconcileMirrorMap(ctx context.Context, plan state.Plan) error {
	inv, err := r.Content.Inventory()
	if err != nil {
		return nil // reported by the Managed pass; nothing to publish from broken content
	}
	set, ok := inv.For(plan.Arch)
	if !ok {
		return nil
	}
	data := imports.MirrorMap(set.ImageStreams)
	cm := &corev1.ConfigMap{}
	err = r.Client.Get(ctx, types.NamespacedName{Namespace: r.OperatorNamespace, Name: MirrorConfigMap}, cm)
	if apierrors.IsNotFound(err) {
		cm = &corev1.ConfigMap{Data: data}
		cm.Namespace, cm.Name = r.OperatorNamespace, MirrorConfigMap
		cm.Annotations = map[string]string{samplesv1.SamplesVersionAnnotation: r.Version}
		if err := r.Client.Create(ctx, cm); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating ConfigMap %s/%s: %w", r.OperatorNamespace, MirrorConfigMap, err)
		}
		return nil
	} else if err != nil {
		return err
	}
	if maps.Equal(cm.Data, data) && cm.Annotations[samplesv1.SamplesVersionAnnotation] == r.Version {
		return nil
	}
	orig := cm.DeepCopy()
	cm.Data = data
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[samplesv1.SamplesVersionAnnotation] = r.Version
	if err := r.Client.Patch(ctx, cm, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			return nil // the cache is behind; its update event brings another pass
		}
		return fmt.Errorf("updating ConfigMap %s/%s: %w", r.OperatorNamespace, MirrorConfigMap, err)
	}
	return nil
}

// setImportErrors reports the import-error ConfigMaps in ImportImageErrorsExist.
func (r *ConfigReconciler) setImportErrors(ctx context.Context, cfg *samplesv1.Config) error {
	cms, err := importErrorConfigMaps(ctx, r.Client, r.OperatorNamespace)
	if err != nil {
		return err
	}
	if len(cms) == 0 {
		r.setCondition(cfg, samplesv1.ImportImageErrorsExist, corev1.ConditionFalse, "", "")
		return nil
	}
	var parts, names []string
	for _, cm := range cms {
		tags := make([]string, 0, len(cm.Data))
		for t := range cm.Data {
			tags = append(tags, t)
		}
		sort.Strings(tags)
		names = append(names, cm.Name)
		parts = append(parts, fmt.Sprintf("%s (%s)", cm.Name, strings.Join(tags, ", ")))
	}
	sort.Strings(parts)
	sort.Strings(names)
	r.setCondition(cfg, samplesv1.ImportImageErrorsExist, corev1.ConditionTrue, strings.Join(names, " "),
		"These image streams have tags that fail to import: "+strings.Join(parts, "; ")+
			". Details are in the ConfigMaps of the same names in namespace "+r.OperatorNamespace+".")
	return nil
}
