package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// reconcileRemoved deletes every sample labelled managed (never skipped ones, never
// anything else). The pass that deletes leaves RemovePending True in the status it
// writes; the pass after it, brought by the deletions' events, finds nothing left and
// records Removed, so a watcher sees RemovePending go True, then False.
func (r *ConfigReconciler) reconcileRemoved(ctx context.Context, cfg *samplesv1.Config) (ctrl.Result, error) {
	remaining, err := r.managedSamples(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	if len(remaining) > 0 {
		r.setCondition(cfg, samplesv1.RemovePending, corev1.ConditionTrue, "", "Deleting samples at "+r.Version)
		if err := r.deleteAll(ctx, remaining); err != nil {
			return ctrl.Result{}, err
		}
		ctrl.LoggerFrom(ctx).Info("removed the samples", "count", len(remaining))
		return ctrl.Result{RequeueAfter: cacheBehindRequeue}, nil
	}
	r.setCondition(cfg, samplesv1.SamplesExist, corev1.ConditionFalse, "", "")
	r.setCondition(cfg, samplesv1.RemovePending, corev1.ConditionFalse, "", "")
	r.setStatusState(cfg, samplesv1.Removed)
	cfg.Status.Architectures = nil
	return ctrl.Result{}, nil
}

// managedSamples lists the image streams and templates labelled managed "true".
func (r *ConfigReconciler) managedSamples(ctx context.Context) ([]client.Object, error) {
	var out []client.Object
	for _, gvk := range []schema.GroupVersionKind{ImageStreamGVK, TemplateGVK} {
		list := newSampleList(gvk)
		if err := r.Client.List(ctx, list, client.InNamespace(samplesv1.SamplesNamespace),
			client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"}); err != nil {
			return nil, fmt.Errorf("listing managed %ss: %w", gvk.Kind, err)
		}
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

func (r *ConfigReconciler) deleteAll(ctx context.Context, objs []client.Object) error {
	for _, o := range objs {
		if err := r.Client.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting %s %s/%s: %w", o.GetObjectKind().GroupVersionKind().Kind, o.GetNamespace(), o.GetName(), err)
		}
	}
	return nil
}
