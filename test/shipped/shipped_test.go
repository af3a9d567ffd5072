package shipped

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/metrics"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/dashboard"
	"github.com/openshift/cluster-samples-operator/test/netfixture"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

const monitoringNamespace = "openshift-monitoring"

func TestAsShipped(t *testing.T) {
	t.Run("manifests", func(t *testing.T) { runAsShipped(t, fromManifests(t)) })
	t.Run("bundle", func(t *testing.T) { runAsShipped(t, fromBundle(t, samplesv1.OperatorNamespace)) })
	t.Run("bundle in openshift-operators", func(t *testing.T) { runAsShipped(t, fromBundle(t, "openshift-operators")) })
}

// clusterAround sets up what an OpenShift cluster has before the operator is
// installed: the pull secret, cluster monitoring's service account, and a cluster proxy
// through which registry.redhat.io (here: a loopback TLS server) is reachable.
func clusterAround(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	testenv.SetPullSecret(t, env.Client, true)
	for _, o := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: monitoringNamespace}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "prometheus-k8s", Namespace: monitoringNamespace}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "not-monitoring", Namespace: monitoringNamespace}},
	} {
		if err := env.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	proxy := netfixture.ConnectProxyTo(t, netfixture.TLSRegistry(t))
	p := &configv1.Proxy{ObjectMeta: metav1.ObjectMeta{Name: "cluster"}}
	if err := env.Client.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Status.HTTPSProxy = proxy.URL
	if err := env.Client.Status().Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, p) })
}

// cleanup removes the installation and everything the operator made, so the next
// installation starts on a cluster without it.
func cleanup(t *testing.T, in installation) {
	t.Helper()
	ctx := context.Background()
	in.remove(t)
	testenv.RemoveOperatorState(ctx, env.Client, in.namespace)
	_ = env.Client.DeleteAllOf(ctx, &coordinationv1.Lease{}, client.InNamespace(in.namespace))
	_ = env.Client.Delete(ctx, &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: "openshift-samples"}})
	testenv.Eventually(t, "the Config gone", func() (bool, string) {
		err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, &samplesv1.Config{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

func runAsShipped(t *testing.T, in installation) {
	clusterAround(t)
	in.apply(t)
	t.Cleanup(func() { cleanup(t, in) })

	pod := in.deployment.Spec.Template.Spec
	container := pod.Containers[0]
	ports := map[string]int32{}
	for _, p := range container.Ports {
		ports[p.Name] = p.ContainerPort
	}
	metricsPort, healthPort := binaryDefaults(t)
	for _, want := range []int32{metricsPort, healthPort} {
		found := false
		for _, p := range ports {
			found = found || p == want
		}
		if !found {
			t.Errorf("the Deployment exposes no containerPort %d, where the binary listens", want)
		}
	}
	version := ""
	for _, e := range container.Env {
		if e.Name == "RELEASE_VERSION" {
			version = e.Value
		}
	}
	replicas := 1
	if in.deployment.Spec.Replicas != nil {
		replicas = int(*in.deployment.Spec.Replicas)
	}
	ready := func(r *replica) error {
		addrs := map[int32]string{metricsPort: r.metricsAddr, healthPort: r.healthAddr}
		if err := r.probe(container.LivenessProbe, ports, addrs); err != nil {
			return fmt.Errorf("liveness: %w", err)
		}
		return r.probe(container.ReadinessProbe, ports, addrs)
	}
	waitReady := func(rs ...*replica) {
		t.Helper()
		testenv.EventuallyWithin(t, 60*time.Second, fmt.Sprintf("%d replicas Ready", len(rs)), func() (bool, string) {
			for _, r := range rs {
				select {
				case <-r.exited:
					return false, r.name + " exited:\n" + tail(r.log.String(), 20)
				default:
				}
				if err := ready(r); err != nil {
					return false, r.name + ": " + err.Error()
				}
			}
			return true, ""
		})
	}

	// Every replica is Ready, the leader and the standby alike.
	start := time.Now()
	var old []*replica
	for i := range replicas {
		old = append(old, in.start(t, fmt.Sprintf("replica-%d", i), substitutions{}))
	}
	waitReady(old...)
	readyIn := time.Since(start)
	waitInstalled(t, version)
	installedIn := time.Since(start)

	// Scrapes: cluster monitoring's account (bound by the install) is let in and sees
	// every family; another account is refused; no token is not authenticated.
	monitoring := serviceAccountToken(t, monitoringNamespace, "prometheus-k8s")
	other := serviceAccountToken(t, monitoringNamespace, "not-monitoring")
	// Prometheus scrapes every pod: the leader's process counts the retries, any
	// replica reports the state read from the cluster.
	// Every family the operator exports, and every metric the console dashboard shows,
	// must reach cluster monitoring.
	dashboardMetrics, err := dashboard.MetricNames()
	if err != nil {
		t.Fatal(err)
	}
	families := slices.Compact(slices.Sorted(slices.Values(slices.Concat(metrics.Names, dashboardMetrics))))
	codes := [3]int{}
	testenv.EventuallyWithin(t, 60*time.Second, "scrapes with every family", func() (bool, string) {
		var all strings.Builder
		for _, r := range old {
			code, body, err := r.scrape(monitoring)
			if err != nil || code != 200 {
				return false, fmt.Sprint(r.name, ": ", code, err, body)
			}
			codes[0] = code
			all.WriteString(body)
		}
		var missing []string
		for _, f := range families {
			if !strings.Contains(all.String(), "\n"+f+"{") && !strings.Contains(all.String(), "\n"+f+" ") {
				missing = append(missing, f)
			}
		}
		return len(missing) == 0, fmt.Sprint("missing ", missing)
	})
	codes[1], _, _ = old[0].scrape(other)
	codes[2], _, _ = old[0].scrape("")
	if codes[1] != 403 || codes[2] != 401 {
		t.Errorf("scrape with an unbound token: %d (want 403); without a token: %d (want 401)", codes[1], codes[2])
	}

	// A rolling update (maxSurge 1, maxUnavailable 0): a new pod starts, an old one
	// stops only once a new one is Ready, until all are new.
	const newVersion = "4.99.0-shipped"
	updateStart := time.Now()
	var next []*replica
	for i, o := range old {
		n := in.start(t, fmt.Sprintf("new-replica-%d", i), substitutions{releaseVersion: newVersion})
		waitReady(n)
		next = append(next, n)
		o.stop()
	}
	waitReady(next...)
	testenv.EventuallyWithin(t, 60*time.Second, "the ClusterOperator at the new version", func() (bool, string) {
		co := &configv1.ClusterOperator{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: "openshift-samples"}, co); err != nil {
			return false, err.Error()
		}
		for _, v := range co.Status.Versions {
			if v.Name == "operator" && v.Version == newVersion {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", co.Status.Versions)
	})
	updatedIn := time.Since(updateStart)
	waitInstalled(t, newVersion)
	t.Logf("samples served: %s", samplesFrom)
	t.Logf("FIGURES %s: %d replicas Ready in %.1fs, samples installed in %.1fs; rolling update to %s in %.1fs; scrapes: monitoring %d, unbound token %d, no token %d",
		in.name, replicas, readyIn.Seconds(), installedIn.Seconds(), newVersion, updatedIn.Seconds(), codes[0], codes[1], codes[2])
}

// waitInstalled waits until the Config reports the samples of version installed and
// every x86_64 image stream and template of samplesTree is there, managed.
func waitInstalled(t *testing.T, version string) {
	t.Helper()
	inv, err := content.Load(os.DirFS(samplesTree))
	if err != nil {
		t.Fatal(err)
	}
	set, _ := inv.For(samplesv1.X86Architecture)
	testenv.EventuallyWithin(t, 60*time.Second, "samples installed at "+version, func() (bool, string) {
		cfg := &samplesv1.Config{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
			return false, err.Error()
		}
		c := conditions.Get(cfg.Status.Conditions, samplesv1.SamplesExist)
		if c == nil || c.Status != corev1.ConditionTrue || cfg.Status.Version != version {
			return false, fmt.Sprintf("%+v", cfg.Status)
		}
		for gvk, want := range map[schema.GroupVersionKind]int{samples.ImageStreamGVK: len(set.ImageStreams), samples.TemplateGVK: len(set.Templates)} {
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			if err := env.Client.List(context.Background(), list, client.InNamespace(samplesv1.SamplesNamespace),
				client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"}); err != nil {
				return false, err.Error()
			}
			at := 0
			for _, u := range list.Items {
				if u.GetAnnotations()[samplesv1.SamplesVersionAnnotation] == version {
					at++
				}
			}
			if at != want {
				return false, fmt.Sprintf("%d of %d %ss at %s", at, want, gvk.Kind, version)
			}
		}
		return true, ""
	})
}

// TestProxyCredentialsNeverLeak: a proxy URL with a password, injected as OLM injects
// it, shows up in no log line, no Config field and no Event.
func TestProxyCredentialsNeverLeak(t *testing.T) {
	in := fromManifests(t)
	testenv.SetPullSecret(t, env.Client, true)
	in.apply(t)
	t.Cleanup(func() { cleanup(t, in) })
	proxy := netfixture.ConnectProxyTo(t, netfixture.TLSRegistry(t))
	u, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cr3t-proxy-password"
	withCreds := "http://user:" + secret + "@" + u.Host
	r := in.start(t, "replica-0", substitutions{extraEnv: []string{"HTTPS_PROXY=" + withCreds, "NO_PROXY=.cluster.local"}})
	testenv.EventuallyWithin(t, 60*time.Second, "the bootstrap probe through the proxy", func() (bool, string) {
		return proxy.Tunnels() > 0 && strings.Contains(r.log.String(), "probing the samples registry"), ""
	})
	waitInstalled(t, "0.0.1-snapshot")

	var leaks []string
	if strings.Contains(r.log.String(), secret) {
		leaks = append(leaks, "the operator's log")
	}
	cfg := &samplesv1.Config{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(fmt.Sprintf("%+v", cfg), secret) {
		leaks = append(leaks, "the Config")
	}
	events := &corev1.EventList{}
	if err := env.Client.List(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if strings.Contains(e.Message, secret) {
			leaks = append(leaks, "Event "+e.Name)
		}
	}
	sort.Strings(leaks)
	if len(leaks) > 0 {
		t.Errorf("the proxy password appears in: %s", strings.Join(leaks, ", "))
	}
	if !strings.Contains(r.log.String(), "***@"+u.Host) {
		t.Errorf("the log does not show the redacted proxy ***@%s", u.Host)
	}
}
