package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
)

var clusterOperatorKey = types.NamespacedName{Name: clusteroperator.Name}

// ClusterOperatorReconciler publishes the openshift-samples ClusterOperator, computed
// from the Config and the import-error ConfigMaps, written only when it changes, and put
// back when someone edits it.
type ClusterOperatorReconciler struct {
	Client            client.Client
	Version           string
	OperatorNamespace string
	Clock             clock.Clock
}

// +kubebuilder:rbac:groups=config.openshift.io,resources=clusteroperators,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=config.openshift.io,resources=clusteroperators/status,verbs=update

// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs,verbs=get;list;watch
// +kubebuilder:rbac:groups="",namespace=openshift-cluster-samples-operator,resources=configmaps,verbs=get;list;watch

// Reconcile computes the ClusterOperator status and writes it once at the end, only
// when it changed; the ClusterOperator is created first if it is missing.
func (r *ClusterOperatorReconciler) Reconcile(ctx context.Context, _ ctrl.Request) (result ctrl.Result, err error) {
	defer func() { result, err = settle(result, err) }()
	co := &configv1.ClusterOperator{}
	err = r.Client.Get(ctx, clusterOperatorKey, co)
	if apierrors.IsNotFound(err) {
		co = &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: clusteroperator.Name}}
		if err := r.Client.Create(ctx, co); err != nil {
			return ctrl.Result{}, fmt.Errorf("creating ClusterOperator %s: %w", clusteroperator.Name, err)
		}
		return ctrl.Result{}, nil // its create event brings the status write
	} else if err != nil {
		return ctrl.Result{}, err
	}
	orig := co.DeepCopy()
	defer func() {
		if equality.Semantic.DeepEqual(orig.Status, co.Status) {
			return
		}
		if werr := r.Client.Status().Update(ctx, co); werr != nil {
			err = errors.Join(err, fmt.Errorf("writing ClusterOperator %s status: %w", clusteroperator.Name, werr))
		}
	}()

	in, err := r.inputs(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	computed, versions := clusteroperator.Compute(in)
	co.Status.Conditions = clusteroperator.Merge(co.Status.Conditions, computed, metav1.NewTime(r.Clock.Now().Truncate(time.Second)))
	co.Status.Versions = versions
	co.Status.RelatedObjects = clusteroperator.RelatedObjects(r.OperatorNamespace)
	return degradedBound(in), nil
}

// degradedBound asks for another pass when a refused write, retried so far, reaches
// clusteroperator.DegradedAfter: no event would bring it.
func degradedBound(in clusteroperator.Inputs) ctrl.Result {
	if in.Config == nil {
		return ctrl.Result{}
	}
	c := conditions.Get(in.Config.Status.Conditions, samplesv1.SamplesExist)
	if c == nil || c.Status != corev1.ConditionUnknown || !strings.HasPrefix(c.Reason, clusteroperator.APIServerErrorPrefix) {
		return ctrl.Result{}
	}
	if wait := c.LastTransitionTime.Add(clusteroperator.DegradedAfter).Sub(in.Now); wait > 0 {
		return ctrl.Result{RequeueAfter: wait + time.Second}
	}
	return ctrl.Result{}
}

// inputs reads what the ClusterOperator status is computed from: the Config and the
// import-error ConfigMaps.
func (r *ClusterOperatorReconciler) inputs(ctx context.Context) (clusteroperator.Inputs, error) {
	in := clusteroperator.Inputs{ReleaseVersion: r.Version, Now: r.Clock.Now()}
	cfg, err := clusterConfig(ctx, r.Client)
	if err != nil {
		return in, err
	}
	if in.Config = cfg; cfg != nil {
		// The config controller's validation said so; it is not worked out again here.
		c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid)
		in.UnsupportedArch = c != nil && c.Status == corev1.ConditionFalse && c.Reason == verdict.ReasonUnsupportedArchitecture
	}
	cms, err := importErrorConfigMaps(ctx, r.Client, r.OperatorNamespace)
	if err != nil {
		return in, err
	}
	for _, cm := range imports.Failing(cms) {
		in.FailingStreams = append(in.FailingStreams, cm.Name)
		if t, err := time.Parse(time.RFC3339, cm.Annotations[samplesv1.LastRetryAnnotation]); err == nil && t.After(in.LastImportAttempt) {
			in.LastImportAttempt = t
		}
	}
	return in, nil
}

// SetupWithManager watches the ClusterOperator, the Config and the import-error
// ConfigMaps; all lead to the one ClusterOperator.
func (r *ClusterOperatorReconciler) SetupWithManager(mgr ctrl.Manager) error { return r.setup(mgr, r) }

// setup registers rec (r, or a wrapper around it: Options.WrapReconciler) with r's watches.
func (r *ClusterOperatorReconciler) setup(mgr ctrl.Manager, rec reconcile.Reconciler) error {
	if err := requireCommon("clusteroperator controller", r.Client != nil, r.OperatorNamespace); err != nil {
		return err
	}
	defaultClock(&r.Clock)
	toCO := enqueue(clusterOperatorKey)
	return ctrl.NewControllerManagedBy(mgr).
		Named(string(ClusterOperatorController)).
		For(&configv1.ClusterOperator{}, named(clusteroperator.Name)).
		Watches(&samplesv1.Config{}, toCO, builder.WithPredicates(isClusterConfig)).
		Watches(&corev1.ConfigMap{}, toCO, only(func(o client.Object) bool { return isImportErrorConfigMap(o, r.OperatorNamespace) })).
		Complete(rec)
}
