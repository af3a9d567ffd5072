package controllers

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/samples"
)

// reconcileRemoved deletes the samples of the inventory, and those an earlier release
// installed (config_record.go), that are labelled managed: never skipped ones, never
// another object that carries the label (a user's renamed copy of a sample). The pass that deletes leaves RemovePending True in the status it
// writes; the pass after it, brought by the deletions' events, finds nothing left and
// records Removed, so a watcher sees RemovePending go True, then False.
func (r *ConfigReconciler) reconcileRemoved(ctx context.Context, cfg *samplesv1.Config, set *content.Set, contentErr error) (ctrl.Result, error) {
	if contentErr != nil {
		// Without the inventory the operator cannot tell its samples from others.
		r.setCondition(cfg, samplesv1.SamplesExist, corev1.ConditionUnknown, "FileSystemError",
			"cannot remove the samples: "+contentErr.Error())
		return ctrl.Result{RequeueAfter: r.RetryRefused}, nil
	}
	set, err := r.removable(ctx, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	remaining, err := r.managedSamples(ctx, set, cfg)
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
	if err := r.forget(ctx); err != nil {
		return ctrl.Result{}, err
	}
	r.setCondition(cfg, samplesv1.SamplesExist, corev1.ConditionFalse, "", "")
	r.setCondition(cfg, samplesv1.RemovePending, corev1.ConditionFalse, "", "")
	r.setStatusState(cfg, samplesv1.Removed)
	cfg.Status.Architectures = nil
	return ctrl.Result{}, nil
}

// deletedRecently is how long a deleted sample's UID is remembered, so that a pass
// reading a cache that has not yet seen the deletion does not delete it again.
const deletedRecently = time.Minute

// managedSamples lists the image streams and templates of set labelled managed "true",
// but those the Config skips (a skip not yet marked on the sample) and those this
// operator deleted and the cache still shows.
func (r *ConfigReconciler) managedSamples(ctx context.Context, set *content.Set, cfg *samplesv1.Config) ([]client.Object, error) {
	skips := map[schema.GroupVersionKind][]string{samples.ImageStreamGVK: cfg.Spec.SkippedImagestreams, samples.TemplateGVK: cfg.Spec.SkippedTemplates}
	var out []client.Object
	for gvk, names := range map[schema.GroupVersionKind]map[string]content.Raw{samples.ImageStreamGVK: set.ImageStreams, samples.TemplateGVK: set.Templates} {
		list := cachedSamples(gvk)
		if err := r.Client.List(ctx, list, client.InNamespace(samplesv1.SamplesNamespace),
			client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"}); err != nil {
			return nil, fmt.Errorf("listing managed %ss: %w", gvk.Kind, err)
		}
		err := meta.EachListItem(list, func(item runtime.Object) error {
			o, ok := item.(client.Object)
			if !ok {
				return fmt.Errorf("listing managed %ss: %T is not an object", gvk.Kind, item)
			}
			if _, ours := names[o.GetName()]; ours && !slices.Contains(skips[gvk], o.GetName()) && !r.wasDeleted(o.GetUID()) {
				o.GetObjectKind().SetGroupVersionKind(gvk) // the Delete's and the log's
				out = append(out, o)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *ConfigReconciler) wasDeleted(uid types.UID) bool {
	r.deletedMu.Lock()
	defer r.deletedMu.Unlock()
	at, ok := r.deleted[uid]
	return ok && r.Clock.Since(at) < deletedRecently
}

func (r *ConfigReconciler) deleteAll(ctx context.Context, objs []client.Object) error {
	r.deletedMu.Lock()
	defer r.deletedMu.Unlock()
	if r.deleted == nil {
		r.deleted = map[types.UID]time.Time{}
	}
	for uid, at := range r.deleted {
		if r.Clock.Since(at) >= deletedRecently {
			delete(r.deleted, uid)
		}
	}
	for _, o := range objs {
		if err := r.Client.Delete(ctx, o, client.Preconditions{UID: ptr.To(o.GetUID())}); client.IgnoreNotFound(err) != nil && !apierrors.IsConflict(err) {
			return fmt.Errorf("deleting %s %s/%s: %w", o.GetObjectKind().GroupVersionKind().Kind, o.GetNamespace(), o.GetName(), err)
		}
		r.deleted[o.GetUID()] = r.Clock.Now()
	}
	return nil
}
