package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/metrics"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/netfixture"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// startBootstrap runs a bootstrap controller probing addr (quickly) until the test
// ends, and returns it so the test can ask whether it is ready.
func startBootstrap(t *testing.T, addr string, edit ...func(*Options)) (*BootstrapReconciler, func()) {
	t.Helper()
	var r *BootstrapReconciler
	o := Options{
		ProbeAddress: addr, ProbeTimeout: 2 * time.Second,
		ProbeInterval: 200 * time.Millisecond, DialTimeout: time.Second,
		RouteIPv6Only: func() bool { return false },
		Controllers:   []Controller{BootstrapController},
		WrapReconciler: func(_ Controller, rec reconcile.Reconciler) reconcile.Reconciler {
			r = rec.(*BootstrapReconciler)
			return rec
		},
	}
	for _, e := range edit {
		e(&o)
	}
	_, stop := startManager(t, o)
	return r, stop
}

// clusterObject creates a config.openshift.io singleton (with its status) for the test.
func clusterObject(t *testing.T, obj client.Object, status func()) {
	t.Helper()
	ctx := context.Background()
	obj.SetName("cluster")
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if status != nil {
		status()
		if err := env.Client.Status().Update(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if err := env.Client.Delete(context.Background(), obj); client.IgnoreNotFound(err) != nil {
			t.Error(err)
		}
	})
}

func waitBootstrapped(t *testing.T) *samplesv1.Config {
	t.Helper()
	cfg := &samplesv1.Config{}
	eventually(t, "bootstrap Config", func() (bool, string) {
		err := env.Client.Get(context.Background(), clusterConfigKey, cfg)
		return err == nil, fmt.Sprint(err)
	})
	return cfg
}

func expectBootstrap(t *testing.T, cfg *samplesv1.Config, state samplesv1.ManagementState, reason string) {
	t.Helper()
	if cfg.Spec.ManagementState != state || cfg.Annotations[samplesv1.BootstrapRemovedReasonAnnotation] != reason {
		t.Errorf("bootstrapped %s with reason %q, want %s with %q (%s)", cfg.Spec.ManagementState,
			cfg.Annotations[samplesv1.BootstrapRemovedReasonAnnotation], state, reason, cfg.Annotations[samplesv1.BootstrapRemovedMessageAnnotation])
	}
}

func TestBootstrapIPv6NetworkStartsRemoved(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	n := &configv1.Network{Spec: configv1.NetworkSpec{ClusterNetwork: []configv1.ClusterNetworkEntry{{CIDR: "fd01::/48", HostPrefix: 64}}, ServiceNetwork: []string{"fd02::/112"}}}
	clusterObject(t, n, nil)
	// IPv6 wins over a working registry and a configured proxy.
	startBootstrap(t, netfixture.TLSRegistry(t), func(o *Options) { o.EnvHTTPSProxy = netfixture.ConnectProxy(t).URL })
	expectBootstrap(t, waitBootstrapped(t), samplesv1.Removed, bootstrap.ReasonIPv6)
}

func TestBootstrapDefaultRouteFallback(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	startBootstrap(t, netfixture.TLSRegistry(t), func(o *Options) { o.RouteIPv6Only = func() bool { return true } })
	expectBootstrap(t, waitBootstrapped(t), samplesv1.Removed, bootstrap.ReasonIPv6)
}

func TestBootstrapForbiddingImageConfigStartsRemoved(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	img := &configv1.Image{Spec: configv1.ImageSpec{RegistrySources: configv1.RegistrySources{BlockedRegistries: []string{"registry.redhat.io"}}}}
	clusterObject(t, img, nil)
	startBootstrap(t, netfixture.TLSRegistry(t))
	cfg := waitBootstrapped(t)
	expectBootstrap(t, cfg, samplesv1.Removed, bootstrap.ReasonImageConfig)
	if !strings.Contains(cfg.Annotations[samplesv1.BootstrapRemovedMessageAnnotation], "blockedRegistries") {
		t.Errorf("message = %q", cfg.Annotations[samplesv1.BootstrapRemovedMessageAnnotation])
	}
}

func tbrMetric(t *testing.T) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	err := metrics.Register(reg, metrics.Sources{Config: func(ctx context.Context) (*samplesv1.Config, error) {
		return clusterConfig(ctx, env.Client)
	}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(reg, "openshift_samples_tbr_inaccessible_info")
	if err != nil || n != 1 {
		t.Fatalf("gather: %d series, %v", n, err)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "openshift_samples_tbr_inaccessible_info" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no openshift_samples_tbr_inaccessible_info")
	return 0
}

func TestBootstrapUnreachableRegistryStartsRemoved(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	r, stop := startBootstrap(t, testenv.FreeAddr(t))
	if r.Decided() {
		t.Error("ready before the probe decided")
	}
	cfg := waitBootstrapped(t)
	expectBootstrap(t, cfg, samplesv1.Removed, bootstrap.ReasonRegistryUnreachable)
	eventually(t, "ready after the decision", func() (bool, string) {
		return r.Decided(), ""
	})
	if v := tbrMetric(t); v != 1 {
		t.Errorf("tbr_inaccessible = %v, want 1", v)
	}

	// A restart (even with the registry now reachable) reports the same: the reason is
	// on the Config.
	stop()
	r2, _ := startBootstrap(t, netfixture.TLSRegistry(t))
	eventually(t, "restarted operator ready", func() (bool, string) {
		return r2.Decided(), ""
	})
	again := getConfig(t)
	if again.UID != cfg.UID {
		t.Error("the Config was recreated on restart")
	}
	expectBootstrap(t, again, samplesv1.Removed, bootstrap.ReasonRegistryUnreachable)
	if v := tbrMetric(t); v != 1 {
		t.Errorf("tbr_inaccessible after restart = %v, want 1", v)
	}

	// The admin switches to Managed: the samples install and the metric clears.
	startOperator(t, operatorOptions{keepCluster: true})
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	waitConverged(t, "4.22.0")
	if v := tbrMetric(t); v != 0 {
		t.Errorf("tbr_inaccessible after switching to Managed = %v, want 0", v)
	}
}

func TestBootstrapReachableRegistryStartsManaged(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	startBootstrap(t, netfixture.TLSRegistry(t))
	expectBootstrap(t, waitBootstrapped(t), samplesv1.Managed, "")
}

func TestBootstrapProbesThroughClusterProxy(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	px := netfixture.ConnectProxy(t)
	p := &configv1.Proxy{}
	clusterObject(t, p, func() { p.Status.HTTPSProxy = px.URL })
	startBootstrap(t, netfixture.TLSRegistry(t))
	expectBootstrap(t, waitBootstrapped(t), samplesv1.Managed, "")
	if px.Tunnels() == 0 {
		t.Error("the probe did not go through the cluster proxy")
	}
}

func TestBootstrapProbesThroughEnvProxy(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	// A proxy that cannot reach the registry: the probe must not skip it.
	px := netfixture.ConnectProxy(t)
	startBootstrap(t, testenv.FreeAddr(t), func(o *Options) { o.EnvHTTPSProxy = px.URL })
	cfg := waitBootstrapped(t)
	expectBootstrap(t, cfg, samplesv1.Removed, bootstrap.ReasonRegistryUnreachable)
	if !strings.Contains(cfg.Annotations[samplesv1.BootstrapRemovedMessageAnnotation], "refused a tunnel") {
		t.Errorf("message = %q", cfg.Annotations[samplesv1.BootstrapRemovedMessageAnnotation])
	}
}

func TestBootstrapLeavesInstallTimeRemovedConfig(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	createConfig(t, samplesv1.ConfigSpec{ManagementState: samplesv1.Removed}, false)
	before := getConfig(t)
	r, _ := startBootstrap(t, netfixture.TLSRegistry(t))
	eventually(t, "ready", func() (bool, string) { return r.Decided(), "" })
	after := getConfig(t)
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("an existing Config was changed: %+v", after)
	}
}

func TestSamplesRegistryForbiddenByImageConfig(t *testing.T) {
	startOperator(t, operatorOptions{})
	img := &configv1.Image{Spec: configv1.ImageSpec{AllowedRegistriesForImport: []configv1.RegistryLocation{{DomainName: "registry.redhat.io"}, {DomainName: "quay.io"}}}}
	clusterObject(t, img, nil)
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "mirror.example.com" })
	cfg := waitCondition(t, samplesv1.ConfigurationValid, corev1.ConditionFalse)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); !strings.Contains(c.Message, "allowedRegistriesForImport") {
		t.Errorf("message = %q", c.Message)
	}
	ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
	if tagImages(t, ruby)["3.3"] != "registry.redhat.io/ubi9/ruby-33:latest" {
		t.Error("the samples were rewritten to a forbidden registry")
	}
	// Allowing the mirror in the image config lets the change through.
	if err := env.Client.Get(context.Background(), clusterKey, img); err != nil {
		t.Fatal(err)
	}
	img.Spec.AllowedRegistriesForImport = append(img.Spec.AllowedRegistriesForImport, configv1.RegistryLocation{DomainName: "mirror.example.com"})
	if err := env.Client.Update(context.Background(), img); err != nil {
		t.Fatal(err)
	}
	eventually(t, "mirror applied", func() (bool, string) {
		ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		return tagImages(t, ruby)["3.3"] == "mirror.example.com/ubi9/ruby-33:latest", ""
	})
}

// A restriction added to the cluster image configuration after install, forbidding the
// samples' default registries: ConfigurationValid says so, naming the field, and the
// operator writes nothing more. Skipped names that are no samples are reported too.
func TestImageConfigRestrictionAfterInstall(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	createConfig(t, managed(func(s *samplesv1.ConfigSpec) { s.SkippedTemplates = []string{"rubby-example"} }), true)
	cfg := waitConverged(t, "4.22.0")
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); c.Status != corev1.ConditionTrue || !strings.Contains(c.Message, "spec.skippedTemplates names rubby-example") {
		t.Errorf("ConfigurationValid = %s %q; want True naming the unknown skip", c.Status, c.Message)
	}
	img := &configv1.Image{Spec: configv1.ImageSpec{AllowedRegistriesForImport: []configv1.RegistryLocation{{DomainName: "quay.io"}}}}
	clusterObject(t, img, nil)
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), img) })
	cfg = waitCondition(t, samplesv1.ConfigurationValid, corev1.ConditionFalse)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); !strings.Contains(c.Message, "spec.allowedRegistriesForImport") || !strings.Contains(c.Message, "default registries") {
		t.Errorf("message = %q", c.Message)
	}
	before := op.writeCount()
	ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
	op.afterPass(t, func() {
		if err := env.Client.Delete(context.Background(), ruby); err != nil {
			t.Fatal(err)
		}
	})
	for _, w := range op.writesSince(before) {
		if !strings.HasPrefix(w, "patch-status") {
			t.Errorf("a write while the image configuration forbids the registries: %s", w)
		}
	}
}
