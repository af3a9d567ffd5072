package controllers

import (
	"context"
	"sync/atomic"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/registry"
)

// BootstrapReconciler creates the default Config when none exists: at start, and again
// after the Config has been deleted (once the finalizer let the samples go). It decides
// whether the new Config starts Managed or Removed (IPv6, image configuration, registry
// reachability); a Config that exists is never changed here.
type BootstrapReconciler struct {
	Client client.Client
	// APIReader, when set, reads the Network and Proxy configurations: read once per
	// decision, they are read past the cache, which would otherwise start an informer for
	// each on the first read (a wait for its sync, then a watch kept for the process's
	// life) that no other decision uses.
	APIReader client.Reader
	// GOARCH is the architecture the operator runs on; it picks the default content.
	GOARCH string

	// ProbeAddress is the samples registry's host:port; empty skips the probe.
	ProbeAddress string
	// ProbeTimeout is how long the registry may stay unreachable before the Config
	// starts Removed; ProbeInterval is the time between attempts, DialTimeout bounds one.
	ProbeTimeout, ProbeInterval, DialTimeout time.Duration
	// EnvHTTPSProxy and EnvNoProxy are the proxy environment (as OLM injects it), used
	// when the cluster Proxy config names none.
	EnvHTTPSProxy, EnvNoProxy string
	// RouteIPv6Only reports whether the pod's default route is IPv6-only; it is asked
	// when the cluster has no Network config.
	RouteIPv6Only func() bool
	Clock         clock.Clock

	decided atomic.Bool
}

// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=config.openshift.io,resources=networks;images;proxies,verbs=get;list;watch

// Reconcile creates the Config "cluster" if it does not exist.
func (r *BootstrapReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	defer func() { result, err = settle(result, err) }()
	if req.NamespacedName != clusterConfigKey {
		return ctrl.Result{}, nil
	}
	log := ctrl.LoggerFrom(ctx)
	err = r.Client.Get(ctx, clusterConfigKey, &samplesv1.Config{})
	if err == nil {
		r.decided.Store(true)
		return ctrl.Result{}, nil
	}
	if !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	d, err := r.decide(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	cfg := bootstrap.ConfigFor(r.GOARCH, d)
	if err := r.Client.Create(ctx, cfg); err != nil {
		// AlreadyExists: another writer was first; the next pass sees its Config.
		return ctrl.Result{}, err
	}
	r.decided.Store(true)
	if d.State == samplesv1.Removed {
		log.Info("samples bootstrapped as Removed: "+d.Message+"; "+bootstrap.HowToManage, "reason", d.Reason)
		return ctrl.Result{}, nil
	}
	log.Info("created the default Config", "managementState", cfg.Spec.ManagementState, "architectures", cfg.Spec.Architectures)
	return ctrl.Result{}, nil
}

// decide gathers the cluster's network, image and proxy configuration and probes the
// registry if the configuration did not decide already.
func (r *BootstrapReconciler) decide(ctx context.Context) (bootstrap.Decision, error) {
	var once client.Reader = r.Client
	if r.APIReader != nil {
		once = r.APIReader
	}
	network := &configv1.Network{}
	ipv6, known := false, false
	if err := once.Get(ctx, clusterKey, network); err == nil {
		ipv6, known = bootstrap.IPv6Only(network)
	} else if !apierrors.IsNotFound(err) {
		return bootstrap.Decision{}, err
	}
	if !known && r.RouteIPv6Only != nil {
		ipv6 = r.RouteIPv6Only()
	}
	image := &configv1.Image{}
	if err := r.Client.Get(ctx, clusterKey, image); apierrors.IsNotFound(err) {
		image = nil
	} else if err != nil {
		return bootstrap.Decision{}, err
	}
	httpsProxy, noProxy := r.EnvHTTPSProxy, r.EnvNoProxy
	proxy := &configv1.Proxy{}
	if err := once.Get(ctx, clusterKey, proxy); err == nil && proxy.Status.HTTPSProxy != "" {
		httpsProxy, noProxy = proxy.Status.HTTPSProxy, proxy.Status.NoProxy
	} else if err != nil && !apierrors.IsNotFound(err) {
		return bootstrap.Decision{}, err
	}
	reach := func() error {
		if r.ProbeAddress == "" {
			return nil
		}
		p := &bootstrap.Prober{Address: r.ProbeAddress, DialTimeout: r.DialTimeout, Proxy: bootstrap.ProxyFunc(httpsProxy, noProxy)}
		ctrl.LoggerFrom(ctx).Info("probing the samples registry", "address", r.ProbeAddress, "proxy", bootstrap.RedactURL(httpsProxy), "timeout", r.ProbeTimeout)
		return bootstrap.WaitReachable(ctx, p.Probe, r.ProbeInterval, r.ProbeTimeout, r.Clock)
	}
	d := bootstrap.InitialState(ipv6, registry.ImportForbidden(image, ""), reach)
	if ctx.Err() != nil {
		return bootstrap.Decision{}, ctx.Err() // shutting down: decide on the next start
	}
	return d, nil
}

// Decided tells whether this instance has seen a Config exist or created one. Only the
// leader decides; readiness does not wait for it (a standby must be Ready for a rolling
// update to proceed), so it is for logs and tests.
func (r *BootstrapReconciler) Decided() bool { return r.decided.Load() }

// SetupWithManager watches the Config and, once at start, asks for a reconcile so that a
// cluster without any Config gets one.
func (r *BootstrapReconciler) SetupWithManager(mgr ctrl.Manager) error { return r.setup(mgr, r) }

// setup registers rec (r, or a wrapper around it: Options.WrapReconciler) with r's watches.
func (r *BootstrapReconciler) setup(mgr ctrl.Manager, rec reconcile.Reconciler) error {
	if r.Client == nil {
		return errMissing("bootstrap controller", "Client")
	}
	defaultClock(&r.Clock)
	defaultDuration(&r.ProbeTimeout, DefaultProbeTimeout)
	defaultDuration(&r.ProbeInterval, DefaultProbeInterval)
	defaultDuration(&r.DialTimeout, DefaultDialTimeout)
	atStart := source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		q.Add(reconcile.Request{NamespacedName: clusterConfigKey})
		return nil
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named(string(BootstrapController)).
		For(&samplesv1.Config{}, builder.WithPredicates(isClusterConfig)).
		WatchesRawSource(atStart).
		Complete(rec)
}
