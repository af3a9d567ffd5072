// Command floormanager is the least any controller-runtime operator runs: a manager with
// leader election, the metrics server (plain HTTP, no authentication filter), a health
// probe, one namespaced ConfigMap cache and a reconciler that does nothing. The bench
// (tools/bench) runs it against the same control plane as the operator, so that the
// operator's memory is read against the framework's own.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func main() {
	namespace := flag.String("namespace", "floor-manager", "The namespace of the Lease and of the ConfigMap cache.")
	metricsAddr := flag.String("metrics-bind-address", "127.0.0.1:0", "Where /metrics is served, plain HTTP.")
	healthAddr := flag.String("health-probe-bind-address", "127.0.0.1:0", "Where /healthz and /readyz are served.")
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseDevMode(false)))
	if err := run(*namespace, *metricsAddr, *healthAddr); err != nil {
		fmt.Fprintln(os.Stderr, "floormanager:", err)
		os.Exit(1)
	}
}

func run(namespace, metricsAddr, healthAddr string) error {
	// As the operator (main.go): --kubeconfig is controller-runtime's flag, and its
	// config leaves client-side rate limiting off.
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		LeaderElection:          true,
		LeaderElectionID:        "floor-manager",
		LeaderElectionNamespace: namespace,
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  healthAddr,
		Cache:                   cache.Options{DefaultNamespaces: map[string]cache.Config{namespace: {}}},
	})
	if err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	noop := reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) { return reconcile.Result{}, nil })
	if err := ctrl.NewControllerManagedBy(mgr).For(&corev1.ConfigMap{}).Complete(noop); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}
