package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
)

// Reads and watch filters the controllers share.

// clusterConfig returns the Config "cluster", or nil when there is none.
func clusterConfig(ctx context.Context, c client.Reader) (*samplesv1.Config, error) {
	cfg := &samplesv1.Config{}
	if err := c.Get(ctx, clusterConfigKey, cfg); apierrors.IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return cfg, nil
}

// importErrorConfigMaps lists the import-error ConfigMaps the operator made.
func importErrorConfigMaps(ctx context.Context, c client.Reader, namespace string) ([]corev1.ConfigMap, error) {
	cms := &corev1.ConfigMapList{}
	if err := c.List(ctx, cms, client.InNamespace(namespace), client.MatchingLabels{ImportErrorLabel: "true"}); err != nil {
		return nil, err
	}
	return cms.Items, nil
}

// pullSecretLacksTBR says why openshift-config/pull-secret gives no registry.redhat.io
// credentials, or "" when it does. Only its key .dockerconfigjson is read.
func pullSecretLacksTBR(ctx context.Context, c client.Reader) (string, error) {
	secret := &corev1.Secret{}
	err := c.Get(ctx, types.NamespacedName{Namespace: credentials.SecretNamespace, Name: credentials.SecretName}, secret)
	if apierrors.IsNotFound(err) {
		return "secret " + credentials.SecretNamespace + "/" + credentials.SecretName + " does not exist", nil
	} else if err != nil {
		return "", err
	}
	ok, err := credentials.HasTBR(secret.Data[credentials.SecretKey])
	if err != nil {
		return err.Error(), nil
	}
	if !ok {
		return "key " + credentials.SecretKey + " of secret " + credentials.SecretNamespace + "/" + credentials.SecretName + " has no credentials for registry.redhat.io", nil
	}
	return "", nil
}

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
	return o.GetNamespace() == ns && o.GetLabels()[ImportErrorLabel] == "true"
}

// enqueue maps every event to a reconcile of key.
func enqueue(key types.NamespacedName) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{{NamespacedName: key}}
	})
}
