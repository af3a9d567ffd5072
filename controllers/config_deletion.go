package controllers

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// reconcileDelete removes the managed samples (of the inventory and of the record of
// installed samples), clears the record, then the finalizer, so that the Config can go;
// the bootstrap controller then creates a new default one.
func (r *ConfigReconciler) reconcileDelete(ctx context.Context, cfg *samplesv1.Config) error {
	if !controllerutil.ContainsFinalizer(cfg, samplesv1.ConfigFinalizer) {
		return nil
	}
	set, err := r.Content.Names()
	if err != nil {
		// Without the inventory the operator cannot tell its samples from others; the
		// finalizer stays until the content can be read.
		return fmt.Errorf("cannot remove the samples of the deleted Config: %w", err)
	}
	if set, err = r.removable(ctx, set); err != nil {
		return err
	}
	objs, err := r.managedSamples(ctx, set, cfg)
	if err != nil {
		return err
	}
	if err := r.deleteAll(ctx, objs); err != nil {
		return err
	}
	if err := r.forget(ctx); err != nil {
		return err
	}
	orig := cfg.DeepCopy()
	controllerutil.RemoveFinalizer(cfg, samplesv1.ConfigFinalizer)
	if err := r.Client.Patch(ctx, cfg, client.MergeFrom(orig)); err != nil {
		return err
	}
	ctrl.LoggerFrom(ctx).Info("removed the samples of the deleted Config")
	return nil
}
