package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	imagev1 "github.com/openshift/api/image/v1"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imagestream"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

// ImportReconciler tracks the tag imports of each managed image stream: a ConfigMap per
// failing stream in the operator namespace, and a retry through ImageStreamImport when
// the failure is first seen and every RetryInterval after.
type ImportReconciler struct {
	Client            client.Client
	Content           *content.Source
	OperatorNamespace string
	RetryInterval     time.Duration
	Clock             clock.Clock
	// Retries counts accepted retry requests per image stream.
	Retries *prometheus.CounterVec

	// retried remembers this instance's retries too: the ConfigMap that records them
	// may not be in the cache yet when the import's status change brings the next pass.
	retriedMu sync.Mutex
	retried   map[string]time.Time
}

// +kubebuilder:rbac:groups=image.openshift.io,namespace=openshift,resources=imagestreamimports,verbs=create
// +kubebuilder:rbac:groups=image.openshift.io,namespace=openshift,resources=imagestreams,verbs=get;list;watch
// +kubebuilder:rbac:groups="",namespace=openshift-cluster-samples-operator,resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs,verbs=get;list;watch

// Reconcile keeps one image stream's import-error ConfigMap and retries in step with its
// status. Requests are namespaced openshift/<stream>.
func (r *ImportReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	defer func() { result, err = settle(result, err) }()
	name := req.Name
	cm := &corev1.ConfigMap{}
	err = r.Client.Get(ctx, types.NamespacedName{Namespace: r.OperatorNamespace, Name: name}, cm)
	if apierrors.IsNotFound(err) {
		cm = nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	is, failures, err := r.failures(ctx, name)
	if err != nil {
		return ctrl.Result{}, err
	}
	if len(failures) == 0 {
		r.retriedMu.Lock()
		delete(r.retried, name)
		r.retriedMu.Unlock()
		return ctrl.Result{}, r.deleteErrorConfigMap(ctx, cm)
	}

	if r.Retries != nil {
		// The series exists at 0 before the first retry, so that rate() and increase()
		// count that retry, and a new leader's first retry after a failover keeps the
		// import alerts' for: running.
		r.Retries.WithLabelValues(name)
	}
	last, err := r.retryIfDue(ctx, cm, is, failures)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.writeErrorConfigMap(ctx, cm, name, failures, last); err != nil {
		return ctrl.Result{}, err
	}
	if last.IsZero() {
		return ctrl.Result{}, nil
	}
	// The retry is due at NextRetry; a pass a moment early finds it not yet due and
	// schedules it again, so the wait is at least a second.
	return ctrl.Result{RequeueAfter: max(imports.NextRetry(name, last, r.RetryInterval).Sub(r.Clock.Now()), time.Second)}, nil
}

// failures reads the stream and returns its failing content tags (tag -> message);
// none when the operator does not track the stream now or it does not exist.
func (r *ImportReconciler) failures(ctx context.Context, name string) (*imagev1.ImageStream, map[string]string, error) {
	source, err := r.tracked(ctx, name)
	if source == nil || err != nil {
		return nil, nil, err
	}
	// The cache's own object (cachedSample): it is only read.
	is := &imagev1.ImageStream{}
	err = r.Client.Get(ctx, types.NamespacedName{Namespace: samplesv1.SamplesNamespace, Name: name}, is, client.UnsafeDisableDeepCopy)
	if apierrors.IsNotFound(err) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	// Only the content's tags are the operator's to report and retry; a tag an
	// administrator added is left to them.
	failures := imports.Failures(is)
	if len(failures) > 0 {
		own, err := contentTags(source)
		if err != nil {
			return nil, nil, err
		}
		maps.DeleteFunc(failures, func(tag string, _ string) bool { return !own[tag] })
	}
	return is, failures, nil
}

// retryIfDue retries the failing tags when no retry was made yet or the last one is
// RetryInterval old, and returns the time of the last retry (zero: none made).
func (r *ImportReconciler) retryIfDue(ctx context.Context, cm *corev1.ConfigMap, is *imagev1.ImageStream, failures map[string]string) (time.Time, error) {
	name := is.Name
	now := r.Clock.Now()
	var last time.Time
	if cm != nil {
		last, _ = time.Parse(time.RFC3339, cm.Annotations[samplesv1.LastRetryAnnotation])
	}
	r.retriedMu.Lock()
	if mine := r.retried[name]; mine.After(last) {
		last = mine.Truncate(time.Second)
	}
	r.retriedMu.Unlock()
	if !last.IsZero() && now.Before(imports.NextRetry(name, last, r.RetryInterval)) {
		return last, nil
	}
	retried, err := r.retry(ctx, is, failures)
	if err != nil || !retried {
		return last, err
	}
	r.retriedMu.Lock()
	if r.retried == nil {
		r.retried = map[string]time.Time{}
	}
	r.retried[name] = now
	r.retriedMu.Unlock()
	return now, nil
}

// tracked returns the content of the stream when it is one the operator manages now:
// Managed, in the inventory of the Config's architecture, not skipped; nil otherwise.
func (r *ImportReconciler) tracked(ctx context.Context, name string) (content.Raw, error) {
	cfg, err := clusterConfig(ctx, r.Client)
	if cfg == nil || err != nil {
		return nil, err
	}
	_, set, err := planContent(r.Content, cfg)
	if err != nil || !installing(cfg) || state.Skipped(cfg.Spec.SkippedImagestreams, name) {
		return nil, nil // content problems are the config controller's to report
	}
	return set.ImageStreams[name], nil
}

// contentTags are the tag names of a content image stream, parsed only when a stream
// has failures to sort (the common pass has none).
func contentTags(src content.Raw) (map[string]bool, error) {
	is, err := src.Object()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for t := range imagestream.Tags(is) {
		out[t.Name] = true
	}
	return out, nil
}

// retry asks for a re-import of the failing tags; false when the request could not be made.
func (r *ImportReconciler) retry(ctx context.Context, is *imagev1.ImageStream, failures map[string]string) (bool, error) {
	log := ctrl.LoggerFrom(ctx)
	isi, err := imports.RetryRequest(is, slices.Collect(maps.Keys(failures)))
	if err != nil {
		log.Error(err, "cannot retry the import")
		return false, nil
	}
	if err := r.Client.Create(ctx, isi); err != nil {
		if transient(err) || cacheBehind(err) {
			return false, err
		}
		log.Error(err, "the retry request was refused", "imagestream", is.Name)
		return false, nil
	}
	if r.Retries != nil {
		r.Retries.WithLabelValues(is.Name).Inc()
	}
	log.Info("retried failing imports", "imagestream", is.Name, "tags", len(isi.Spec.Images))
	return true, nil
}

func (r *ImportReconciler) writeErrorConfigMap(ctx context.Context, cm *corev1.ConfigMap, name string, failures map[string]string, last time.Time) error {
	ann := map[string]string{}
	if !last.IsZero() {
		ann[samplesv1.LastRetryAnnotation] = last.UTC().Format(time.RFC3339)
	}
	if cm == nil {
		cm = &corev1.ConfigMap{}
		cm.Namespace, cm.Name = r.OperatorNamespace, name
		cm.Labels = map[string]string{samplesv1.ImportErrorLabel: "true"}
		cm.Annotations, cm.Data = ann, failures
		return r.Client.Create(ctx, cm)
	}
	if maps.Equal(cm.Data, failures) && cm.Annotations[samplesv1.LastRetryAnnotation] == ann[samplesv1.LastRetryAnnotation] && cm.Labels[samplesv1.ImportErrorLabel] == "true" {
		return nil
	}
	orig := cm.DeepCopy()
	cm.Data = failures
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	cm.Labels[samplesv1.ImportErrorLabel] = "true"
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	maps.Copy(cm.Annotations, ann)
	return r.Client.Patch(ctx, cm, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
}

// deleteErrorConfigMap deletes the stream's ConfigMap, if it is one the operator made.
func (r *ImportReconciler) deleteErrorConfigMap(ctx context.Context, cm *corev1.ConfigMap) error {
	if cm == nil || cm.Labels[samplesv1.ImportErrorLabel] != "true" {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Delete(ctx, cm, client.Preconditions{UID: &cm.UID}))
}

// SetupWithManager watches image streams, their error ConfigMaps and the Config (whose
// changes concern every stream).
func (r *ImportReconciler) SetupWithManager(mgr ctrl.Manager) error { return r.setup(mgr, r) }

// complete refuses what the reconciler cannot run without and defaults the rest.
func (r *ImportReconciler) complete() error {
	if err := requireCommon("import controller", r.Client != nil, r.OperatorNamespace); err != nil {
		return err
	}
	if r.Content == nil {
		return errMissing("import controller", "Content")
	}
	defaultClock(&r.Clock)
	defaultDuration(&r.RetryInterval, DefaultImportRetryInterval)
	if r.RetryInterval < minImportRetryInterval {
		return fmt.Errorf("import controller: RetryInterval %s is below %s", r.RetryInterval, minImportRetryInterval)
	}
	return nil
}

// setup registers rec (r, or a wrapper around it: Options.WrapReconciler) with r's watches.
func (r *ImportReconciler) setup(mgr ctrl.Manager, rec reconcile.Reconciler) error {
	if err := r.complete(); err != nil {
		return err
	}
	toStream := func(_ context.Context, o client.Object) []reconcile.Request {
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: samplesv1.SamplesNamespace, Name: o.GetName()}}}
	}
	allStreams := func(ctx context.Context, _ client.Object) []reconcile.Request {
		names := map[string]bool{}
		list := &imagev1.ImageStreamList{}
		if err := r.Client.List(ctx, list, client.InNamespace(samplesv1.SamplesNamespace), client.UnsafeDisableDeepCopy); err == nil { // names only
			for _, i := range list.Items {
				names[i.GetName()] = true
			}
		}
		if cms, err := importErrorConfigMaps(ctx, r.Client, r.OperatorNamespace); err == nil {
			for _, c := range cms {
				names[c.Name] = true
			}
		}
		var out []reconcile.Request
		for n := range names {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: samplesv1.SamplesNamespace, Name: n}})
		}
		return out
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(string(ImportController)).
		Watches(cachedSample(samples.ImageStreamGVK), handler.EnqueueRequestsFromMapFunc(toStream), inNamespace(samplesv1.SamplesNamespace)).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(toStream), only(func(o client.Object) bool { return isImportErrorConfigMap(o, r.OperatorNamespace) })).
		Watches(&samplesv1.Config{}, handler.EnqueueRequestsFromMapFunc(allStreams), builder.WithPredicates(isClusterConfig)).
		Complete(rec)
}

// installing tells whether the Config's samples are being installed and kept: Managed,
// not being deleted, and valid as the config controller's evaluation last said
// (ConfigurationValid), which this controller reads rather than decides again.
func installing(cfg *samplesv1.Config) bool {
	return cfg.DeletionTimestamp.IsZero() && state.PlanFor(cfg).State == samplesv1.Managed &&
		conditions.IsTrue(cfg.Status.Conditions, samplesv1.ConfigurationValid)
}
