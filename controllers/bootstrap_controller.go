// Package controllers holds the operator's reconcilers. Each owns one concern and stays
// thin: read the cluster, ask internal/ what to do, write only what differs.
package controllers

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
)

// clusterConfigKey is the one Config the operator acts on.
var clusterConfigKey = types.NamespacedName{Name: samplesv1.ConfigName}

// isClusterConfig keeps events of Configs other than "cluster" away from the reconcilers.
var isClusterConfig = predicate.NewPredicateFuncs(func(o client.Object) bool {
	return o.GetName() == samplesv1.ConfigName
})

// BootstrapReconciler creates the default Config when none exists: at start, and again
// after the Config has been deleted (once the finalizer let the samples go).
type BootstrapReconciler struct {
	Client client.Client
	// GOARCH is the architecture the operator runs on; it picks the default content.
	GOARCH string
}

// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs,verbs=get;list;watch;create

// Reconcile creates the Config "cluster" if it does not exist. An existing Config is
// never changed here, whatever it says.
func (r *BootstrapReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if req.NamespacedName != clusterConfigKey {
		return ctrl.Result{}, nil
	}
	log := ctrl.LoggerFrom(ctx)
	err := r.Client.Get(ctx, clusterConfigKey, &samplesv1.Config{})
	if err == nil || !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	cfg := bootstrap.DefaultConfig(r.GOARCH, samplesv1.Managed)
	if err := r.Client.Create(ctx, cfg); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	log.Info("created the default Config", "managementState", cfg.Spec.ManagementState, "architectures", cfg.Spec.Architectures)
	return ctrl.Result{}, nil
}

// SetupWithManager watches the Config and, once at start, asks for a reconcile so that a
// cluster without any Config gets one.
func (r *BootstrapReconciler) SetupWithManager(mgr ctrl.Manager) error {
	atStart := source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		q.Add(reconcile.Request{NamespacedName: clusterConfigKey})
		return nil
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("bootstrap").
		For(&samplesv1.Config{}, builder.WithPredicates(isClusterConfig)).
		WatchesRawSource(atStart).
		Complete(r)
}
