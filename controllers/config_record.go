package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/record"
)

// The record of installed samples (samplesv1.InstalledConfigMap): every release adds
// the samples it created or adopted; Removed and the Config's deletion remove the
// samples of the inventory and of the record, labelled managed, and then clear the
// record. A cluster taken over from the stock operator has no record: only the
// inventory is removed there, so a sample the stock operator installed under an earlier
// release and this one does not ship is left for the administrator (README).

// installedRecord reads the record through reader; nil ConfigMap when there is none.
func (r *ConfigReconciler) installedRecord(ctx context.Context, reader client.Reader) (record.Names, *corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{}
	err := reader.Get(ctx, types.NamespacedName{Namespace: r.OperatorNamespace, Name: samplesv1.InstalledConfigMap}, cm)
	if apierrors.IsNotFound(err) {
		return record.New(), nil, nil
	} else if err != nil {
		return record.Names{}, nil, fmt.Errorf("reading ConfigMap %s/%s: %w", r.OperatorNamespace, samplesv1.InstalledConfigMap, err)
	}
	return record.Parse(cm.Data), cm, nil
}

// updateRecord makes the record hold next(what it holds), writing only when that
// changes it. A create refused because the cache had not yet seen the record is
// done again on the record read past the cache.
func (r *ConfigReconciler) updateRecord(ctx context.Context, next func(record.Names) record.Names) error {
	for _, reader := range []client.Reader{r.Client, r.APIReader} {
		had, cm, err := r.installedRecord(ctx, reader)
		if err != nil {
			return err
		}
		names := next(had)
		if cm == nil && names.Empty() || cm != nil && had.Equal(names) {
			return nil
		}
		if err := r.writeOperatorConfigMap(ctx, cm, samplesv1.InstalledConfigMap, names.Data()); !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return fmt.Errorf("creating ConfigMap %s/%s: it exists, yet cannot be read", r.OperatorNamespace, samplesv1.InstalledConfigMap)
}

// remember adds the samples a complete Managed pass installed to the record.
func (r *ConfigReconciler) remember(ctx context.Context, installed record.Names) error {
	return r.updateRecord(ctx, func(had record.Names) record.Names { return had.Union(installed) })
}

// forget clears the record once the samples it names are removed.
func (r *ConfigReconciler) forget(ctx context.Context) error {
	return r.updateRecord(ctx, func(record.Names) record.Names { return record.New() })
}

// removable is what Removed and the Config's deletion may remove: the samples of every
// architecture of the content, and those the record names.
func (r *ConfigReconciler) removable(ctx context.Context, inventory *content.Set) (*content.Set, error) {
	rec, _, err := r.installedRecord(ctx, r.Client)
	if err != nil {
		return nil, err
	}
	out := content.NameSet(inventory)
	for name := range rec.ImageStreams {
		out.ImageStreams[name] = nil
	}
	for name := range rec.Templates {
		out.Templates[name] = nil
	}
	return out, nil
}
