package controllers

import (
	"context"
	"fmt"
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

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/state"
	"github.com/openshift/cluster-samples-operator/internal/status"
)

var clusterOperatorKey = types.NamespacedName{Name: status.Name}

// ClusterOperatorReconciler publishes the openshift-samples ClusterOperator, computed
// from the Config and the import-error ConfigMaps, written only when it changes, and put
// back when someone edits it.
type ClusterOperatorReconciler struct {
	Client            client.Client
	Version           string
	OperatorNamespace string
	Clock             clock.PassiveClock
}

// +kubebuilder:rbac:groups=config.openshift.io,resources=clusteroperators,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=config.openshift.io,resources=clusteroperators/status,verbs=update

// Reconcile computes and writes the ClusterOperator status.
func (r *ClusterOperatorReconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	in := status.Inputs{ReleaseVersion: r.Version}
	cfg, err := clusterConfig(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	if in.Config = cfg; cfg != nil {
		if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); c != nil && c.Status == corev1.ConditionFalse {
			_, supported := content.ArchDir(state.Decide(cfg).Arch)
			in.UnsupportedArch = !supported
		}
	}
	cms, err := importErrorConfigMaps(ctx, r.Client, r.OperatorNamespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	for _, cm := range cms {
		in.FailingStreams = append(in.FailingStreams, cm.Name)
		if t, err := time.Parse(time.RFC3339, cm.Annotations[LastRetryAnnotation]); err == nil && t.After(in.LastImportAttempt) {
			in.LastImportAttempt = t
		}
	}
	computed, versions := status.Compute(in)

	co := &configv1.ClusterOperator{}
	err = r.Client.Get(ctx, clusterOperatorKey, co)
	if apierrors.IsNotFound(err) {
		co = &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: status.Name}}
		if err := r.Client.Create(ctx, co); err != nil && !apierrors.IsAlreadyExists(err) {
			return ctrl.Result{}, fmt.Errorf("creating ClusterOperator %s: %w", status.Name, err)
		}
		return ctrl.Result{}, nil // its create event brings the status write
	} else if err != nil {
		return ctrl.Result{}, err
	}
	want := co.Status.DeepCopy()
	want.Conditions = status.Merge(co.Status.Conditions, computed, metav1.NewTime(r.Clock.Now().Truncate(time.Second)))
	want.Versions = versions
	want.RelatedObjects = status.RelatedObjects(r.OperatorNamespace)
	if equality.Semantic.DeepEqual(&co.Status, want) {
		return ctrl.Result{}, nil
	}
	co.Status = *want
	if err := r.Client.Status().Update(ctx, co); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, fmt.Errorf("writing ClusterOperator %s status: %w", status.Name, err)
	}
	return ctrl.Result{}, nil
}

// SetupWithManager watches the ClusterOperator, the Config and the import-error
// ConfigMaps; all lead to the one ClusterOperator.
func (r *ClusterOperatorReconciler) SetupWithManager(mgr ctrl.Manager) error {
	toCO := enqueue(clusterOperatorKey)
	return ctrl.NewControllerManagedBy(mgr).
		Named("clusteroperator").
		For(&configv1.ClusterOperator{}, named(status.Name)).
		Watches(&samplesv1.Config{}, toCO, builder.WithPredicates(isClusterConfig)).
		Watches(&corev1.ConfigMap{}, toCO, only(func(o client.Object) bool { return isImportErrorConfigMap(o, r.OperatorNamespace) })).
		Complete(r)
}
