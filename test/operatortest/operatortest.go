// Package operatortest runs the whole operator (controllers.Setup) in a test, the way
// main.go wires it, with leader election on.
package operatortest

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/controllers"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// Options change how the operator runs; the zero value is the defaults of main.go.
type Options struct {
	// NewClient, when set, builds the manager's client (for example to count writes).
	NewClient client.NewClientFunc
	// LeaseDuration, RenewDeadline and RetryPeriod shorten leader election.
	LeaseDuration, RenewDeadline, RetryPeriod *time.Duration
}

// Start runs the operator against cfg with the embedded content at release 4.22.0 until
// the test ends or stop is called.
func Start(t testing.TB, cfg *rest.Config, s *runtime.Scheme, o Options) (stop func()) {
	t.Helper()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        s,
		Cache:                         controllers.CacheOptions(samplesv1.OperatorNamespace),
		Client:                        controllers.ClientOptions(),
		NewClient:                     o.NewClient,
		Metrics:                       metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:        "0",
		LeaderElection:                true,
		LeaderElectionID:              "cluster-samples-operator-lock",
		LeaderElectionNamespace:       samplesv1.OperatorNamespace,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 o.LeaseDuration,
		RenewDeadline:                 o.RenewDeadline,
		RetryPeriod:                   o.RetryPeriod,
		// Tests start several managers in one process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = controllers.Setup(mgr, controllers.Options{
		Version: "4.22.0", OperatorNamespace: samplesv1.OperatorNamespace, GOARCH: "amd64",
		Content: &content.Source{FS: content.Embedded()}, ImportRetryInterval: 15 * time.Minute,
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return testenv.RunManager(t, mgr)
}
