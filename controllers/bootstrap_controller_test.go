package controllers

import (
	"context"
	"fmt"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// deleteConfig removes the Config, finalizer and all, and waits until it is gone.
func deleteConfig(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	cfg := &samplesv1.Config{}
	if err := env.Client.Get(ctx, clusterConfigKey, cfg); apierrors.IsNotFound(err) {
		return
	} else if err != nil {
		t.Fatal(err)
	}
	cfg.Finalizers = nil
	if err := env.Client.Update(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, cfg); client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
	// Gone, or already replaced by a running bootstrap controller.
	eventually(t, "Config deleted", func() (bool, string) {
		now := &samplesv1.Config{}
		err := env.Client.Get(ctx, clusterConfigKey, now)
		return apierrors.IsNotFound(err) || (err == nil && now.UID != cfg.UID), fmt.Sprint(err)
	})
}

func TestBootstrapCreatesDefaultConfig(t *testing.T) {
	deleteConfig(t)
	t.Cleanup(func() { deleteConfig(t) })
	startManager(t, Options{Controllers: []Controller{BootstrapController}})
	ctx := context.Background()
	cfg := &samplesv1.Config{}
	eventually(t, "default Config created", func() (bool, string) {
		err := env.Client.Get(ctx, clusterConfigKey, cfg)
		return err == nil, fmt.Sprint(err)
	})
	if cfg.Spec.ManagementState != samplesv1.Managed {
		t.Errorf("managementState = %q, want Managed", cfg.Spec.ManagementState)
	}
	if !slices.Equal(cfg.Spec.Architectures, []string{"x86_64"}) {
		t.Errorf("architectures = %v, want [x86_64]", cfg.Spec.Architectures)
	}
	if !slices.Contains(cfg.Finalizers, samplesv1.ConfigFinalizer) {
		t.Errorf("finalizers = %v, want %s", cfg.Finalizers, samplesv1.ConfigFinalizer)
	}

	// Deleted (once the finalizer is gone), it comes back as a new object.
	uid := cfg.UID
	deleteConfig(t)
	eventually(t, "default Config recreated", func() (bool, string) {
		err := env.Client.Get(ctx, clusterConfigKey, cfg)
		return err == nil && cfg.UID != uid, fmt.Sprint(err)
	})
}

func TestBootstrapLeavesExistingConfigAlone(t *testing.T) {
	deleteConfig(t)
	t.Cleanup(func() { deleteConfig(t) })
	ctx := context.Background()
	existing := &samplesv1.Config{Spec: samplesv1.ConfigSpec{ManagementState: samplesv1.Removed, Architectures: []string{"s390x"}}}
	existing.Name = samplesv1.ConfigName
	if err := env.Client.Create(ctx, existing); err != nil {
		t.Fatal(err)
	}
	r := &BootstrapReconciler{Client: env.Client, GOARCH: "amd64"}
	for _, name := range []string{samplesv1.ConfigName, "other"} {
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: types.NamespacedName{Name: name}}); err != nil {
			t.Fatalf("reconcile %s: %v", name, err)
		}
	}
	got := &samplesv1.Config{}
	if err := env.Client.Get(ctx, clusterConfigKey, got); err != nil {
		t.Fatal(err)
	}
	if got.ResourceVersion != existing.ResourceVersion || got.Spec.ManagementState != samplesv1.Removed {
		t.Errorf("existing Config was changed: %+v", got.Spec)
	}
}

func TestIgnoresOtherConfigNames(t *testing.T) {
	if isClusterConfig.Create(eventFor("other")) {
		t.Error("a Config named other passes the predicate")
	}
	if !isClusterConfig.Create(eventFor(samplesv1.ConfigName)) {
		t.Error("the Config named cluster is filtered out")
	}
}

func eventFor(name string) event.CreateEvent {
	c := &samplesv1.Config{}
	c.Name = name
	return event.CreateEvent{Object: c}
}
