package controllers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// addProbeServer serves /healthz and /readyz on addr, and /debug/pprof/ there too when
// withPprof is set. The operator runs this server itself, in place of controller-runtime's,
// so that profiles can share the health port: it is not behind the metrics Service, and
// a profile is one port-forward away (oc port-forward deploy/cluster-samples-operator 8081).
func addProbeServer(mgr ctrl.Manager, addr string, withPprof bool) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening for health probes on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	handle := func(path string, h http.Handler) {
		// controller-runtime's layout: /readyz and /readyz/<check>.
		mux.Handle(path, http.StripPrefix(path, h))
		mux.Handle(path+"/", http.StripPrefix(path, h))
	}
	handle("/healthz", &healthz.Handler{Checks: map[string]healthz.Checker{"healthz": healthz.Ping}})
	// Ready once the caches have synced, on the leader and on a standby alike; the
	// bootstrap decision is the leader's work and does not gate readiness.
	handle("/readyz", &healthz.Handler{Checks: map[string]healthz.Checker{"caches": cachesSynced(mgr)}})
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mgr.Add(&manager.Server{
		Name:     "health probe",
		Server:   &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		Listener: ln,
	})
}

// cachesSynced is a readyz check that passes once the manager's informers have synced.
func cachesSynced(mgr ctrl.Manager) healthz.Checker {
	return func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return errors.New("the informer caches have not synced yet")
		}
		return nil
	}
}
