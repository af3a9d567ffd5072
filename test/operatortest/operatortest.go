// Package operatortest runs the whole operator (controllers.Setup) in a test, the way
// main.go wires it, with leader election on.
package operatortest

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
	// Content replaces the built-in content; Version the release 4.22.0.
	Content *content.Source
	Version string
	// NoLeaderElection runs a single instance without a Lease.
	NoLeaderElection bool
}

// Start runs the operator against cfg with the embedded content at release 4.22.0 until
// the test ends or stop is called.
func Start(t testing.TB, cfg *rest.Config, s *runtime.Scheme, o Options) (stop func()) {
	t.Helper()
	mgr, err := controllers.NewManager(cfg, controllers.ManagerOptions{
		OperatorNamespace:  samplesv1.OperatorNamespace,
		MetricsBindAddress: "0", HealthProbeBindAddress: "0",
		LeaderElect:   !o.NoLeaderElection,
		LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod,
		NewClient: o.NewClient,
		// Tests start several managers in one process.
		SeveralPerProcess: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Content == nil {
		o.Content = &content.Source{FS: content.Embedded()}
	}
	if o.Version == "" {
		o.Version = "4.22.0"
	}
	err = controllers.Setup(mgr, controllers.Options{
		Version: o.Version, OperatorNamespace: samplesv1.OperatorNamespace, GOARCH: "amd64",
		Content: o.Content, ImportRetryInterval: 15 * time.Minute,
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return testenv.RunManager(t, mgr)
}
