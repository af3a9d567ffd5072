package controllers

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var (
	env *testenv.Env
	// importer plays openshift-apiserver: it imports the tags of every image stream the
	// tests create from registry, where no image exists unless a test pushes it.
	importer *fakeimporter.Importer
)

func TestMain(m *testing.M) {
	reg := fakeimporter.NewRegistry()
	defer reg.Close()
	testenv.MainWith(m, &env, func(ctx context.Context, e *testenv.Env) error {
		var err error
		importer, err = fakeimporter.Start(ctx, e.Config, reg)
		return err
	})
}

// startManager runs the operator that Setup builds with o until the test ends: the
// manager of NewManager without leader election, metrics or probes, and a registry of
// its own (so several run in one process). funcs, when given, intercept the calls of
// the manager's client.
func startManager(t *testing.T, o Options, funcs ...interceptor.Funcs) (ctrl.Manager, func()) {
	t.Helper()
	if o.OperatorNamespace == "" {
		o.OperatorNamespace = samplesv1.OperatorNamespace
	}
	if o.GOARCH == "" {
		o.GOARCH = "amd64"
	}
	if o.Version == "" {
		o.Version = "4.22.0"
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	opts := ManagerOptions{
		OperatorNamespace:  samplesv1.OperatorNamespace,
		MetricsBindAddress: "0", HealthProbeBindAddress: "0",
		SeveralPerProcess: true,
	}
	if len(funcs) > 0 {
		opts.NewClient = func(cfg *rest.Config, o client.Options) (client.Client, error) {
			c, err := client.NewWithWatch(cfg, o)
			if err != nil {
				return nil, err
			}
			return interceptor.NewClient(c, funcs[0]), nil
		}
	}
	mgr, err := NewManager(env.Config, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := Setup(mgr, o); err != nil {
		t.Fatal(err)
	}
	return mgr, testenv.RunManager(t, mgr)
}

var eventually = testenv.Eventually
