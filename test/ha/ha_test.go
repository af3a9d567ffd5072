// Package ha runs two operator instances with leader election against one API server.
package ha

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/operatortest"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

const lease = 4 * time.Second

type instance struct {
	writes atomic.Int64
	stop   func()
}

func start(t *testing.T) *instance {
	t.Helper()
	in := &instance{}
	count := func() { in.writes.Add(1) }
	funcs := interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.CreateOption) error {
			count()
			return c.Create(ctx, o, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.UpdateOption) error {
			count()
			return c.Update(ctx, o, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, o client.Object, p client.Patch, opts ...client.PatchOption) error {
			count()
			return c.Patch(ctx, o, p, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.DeleteOption) error {
			count()
			return c.Delete(ctx, o, opts...)
		},
	}
	in.stop = operatortest.Start(t, env.Config, env.Scheme, operatortest.Options{
		LeaseDuration: ptr.To(lease),
		RenewDeadline: ptr.To(3 * time.Second),
		RetryPeriod:   ptr.To(500 * time.Millisecond),
		NewClient: func(cfg *rest.Config, o client.Options) (client.Client, error) {
			c, err := client.NewWithWatch(cfg, o)
			if err != nil {
				return nil, err
			}
			return interceptor.NewClient(c, funcs), nil
		},
	})
	return in
}

func stream(t *testing.T, name string) (*unstructured.Unstructured, bool) {
	t.Helper()
	return testenv.GetSample(t, env.Client, samples.ImageStreamGVK, name)
}

func TestOnlyTheLeaderWritesAndHandsOver(t *testing.T) {
	ctx := context.Background()
	testenv.SetPullSecret(t, env.Client, true)
	a := start(t)
	testenv.Eventually(t, "the first instance installs the samples", func() (bool, string) {
		cfg := &samplesv1.Config{}
		err := env.Client.Get(ctx, client.ObjectKey{Name: "cluster"}, cfg)
		return err == nil && conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist), fmt.Sprint(err)
	})
	b := start(t)
	// A change the leader must repair: only the leader acts on it.
	ruby, _ := stream(t, "ruby")
	if err := env.Client.Delete(ctx, ruby); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "ruby recreated by the leader", func() (bool, string) {
		u, ok := stream(t, "ruby")
		return ok && u.GetUID() != ruby.GetUID(), ""
	})
	if n := b.writes.Load(); n != 0 {
		t.Errorf("the standby instance wrote %d times", n)
	}
	if a.writes.Load() == 0 {
		t.Error("the leader wrote nothing")
	}

	// The leader stops: the standby takes over within the lease duration and keeps the
	// samples correct.
	a.stop()
	stoppedAt := time.Now()
	python, _ := stream(t, "python")
	if err := env.Client.Delete(ctx, python); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "python recreated by the new leader", func() (bool, string) {
		u, ok := stream(t, "python")
		return ok && u.GetUID() != python.GetUID(), ""
	})
	if took := time.Since(stoppedAt); took > lease+2*time.Second {
		t.Errorf("handover took %s, more than the %s lease", took, lease)
	}
	if b.writes.Load() == 0 {
		t.Error("the new leader wrote nothing")
	}
}
