package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// Watch filters and handlers the controllers share.

// isClusterConfig keeps events of Configs other than "cluster" away from the reconcilers.
var isClusterConfig = predicate.NewPredicateFuncs(func(o client.Object) bool {
	return o.GetName() == samplesv1.ConfigName
})

// only passes events of objects for which keep is true.
func only(keep func(o client.Object) bool) builder.Predicates {
	return builder.WithPredicates(predicate.NewPredicateFuncs(keep))
}

func named(name string) builder.Predicates {
	return only(func(o client.Object) bool { return o.GetName() == name })
}

func inNamespace(ns string) builder.Predicates {
	return only(func(o client.Object) bool { return o.GetNamespace() == ns })
}

func isImportErrorConfigMap(o client.Object, ns string) bool {
	return o.GetNamespace() == ns && o.GetLabels()[samplesv1.ImportErrorLabel] == "true"
}

// enqueue maps every event to a reconcile of key.
func enqueue(key types.NamespacedName) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{{NamespacedName: key}}
	})
}
