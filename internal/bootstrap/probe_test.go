package bootstrap

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/test/netfixture"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

func TestProbeDirect(t *testing.T) {
	ctx := context.Background()
	if err := (&Prober{Address: netfixture.TLSRegistry(t)}).Probe(ctx); err != nil {
		t.Errorf("reachable registry: %v", err)
	}
	if err := (&Prober{Address: testenv.FreeAddr(t), DialTimeout: time.Second}).Probe(ctx); err == nil {
		t.Error("closed port reported reachable")
	}
	// A listener that is not TLS fails the handshake.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	if err := (&Prober{Address: strings.TrimPrefix(plain.URL, "http://"), DialTimeout: 2 * time.Second}).Probe(ctx); err == nil {
		t.Error("plain HTTP listener passed the TLS probe")
	}
	if err := (&Prober{Address: "no-port"}).Probe(ctx); err == nil {
		t.Error("malformed address accepted")
	}
}

func TestProbeThroughProxy(t *testing.T) {
	ctx := context.Background()
	px := netfixture.ConnectProxy(t)
	proxy := px.URL
	reg := netfixture.TLSRegistry(t)
	if err := (&Prober{Address: reg, Proxy: ProxyFunc(proxy, "")}).Probe(ctx); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	if px.Tunnels() != 1 {
		t.Errorf("%d tunnels, want 1", px.Tunnels())
	}
	// NO_PROXY covering the registry: straight there.
	if err := (&Prober{Address: reg, Proxy: ProxyFunc(proxy, "127.0.0.1")}).Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if px.Tunnels() != 1 {
		t.Error("NO_PROXY ignored")
	}
	// The proxy cannot reach the registry: unreachable.
	if err := (&Prober{Address: testenv.FreeAddr(t), Proxy: ProxyFunc(proxy, ""), DialTimeout: 2 * time.Second}).Probe(ctx); err == nil || !strings.Contains(err.Error(), "refused a tunnel") {
		t.Errorf("dead upstream through the proxy: %v", err)
	}
	// A dead proxy: unreachable, not skipped.
	dead := "http://" + testenv.FreeAddr(t)
	if err := (&Prober{Address: reg, Proxy: ProxyFunc(dead, ""), DialTimeout: time.Second}).Probe(ctx); err == nil {
		t.Error("a dead proxy was bypassed")
	}
	if ProxyFunc("", "x") != nil {
		t.Error("no proxy configured, yet a proxy func")
	}
	u, _ := url.Parse(proxy)
	u.User = url.UserPassword("me", "secret")
	if err := (&Prober{Address: reg, Proxy: ProxyFunc(u.String(), "")}).Probe(ctx); err != nil {
		t.Errorf("proxy with credentials: %v", err)
	}
}

func TestWaitReachable(t *testing.T) {
	ctx := context.Background()
	fake := clocktesting.NewFakeClock(time.Now())
	calls := 0
	done := make(chan error)
	go func() {
		done <- WaitReachable(ctx, func(context.Context) error {
			calls++
			if calls == 3 {
				return nil
			}
			return errors.New("no")
		}, 20*time.Second, 3*time.Minute, fake)
	}()
	for i := 0; i < 2; i++ {
		for !fake.HasWaiters() {
			time.Sleep(time.Millisecond)
		}
		fake.Step(20 * time.Second)
	}
	if err := <-done; err != nil || calls != 3 {
		t.Errorf("WaitReachable = %v after %d calls", err, calls)
	}

	start := time.Now()
	err := WaitReachable(ctx, func(context.Context) error { return errors.New("down") }, 10*time.Millisecond, 50*time.Millisecond, clock.RealClock{})
	if err == nil || err.Error() != "down" || time.Since(start) > 5*time.Second {
		t.Errorf("deadline: %v after %s", err, time.Since(start))
	}
}

func TestDecide(t *testing.T) {
	up := func() error { return nil }
	down := func() error { return errors.New("dial tcp: refused") }
	probed := false
	spy := func() error { probed = true; return nil }
	for _, tc := range []struct {
		name      string
		ipv6      bool
		forbidden string
		reach     func() error
		state     samplesv1.ManagementState
		reason    string
	}{
		{"ipv6 wins over everything", true, "forbidden", up, samplesv1.Removed, ReasonIPv6},
		{"image config", false, "images.config... forbids", up, samplesv1.Removed, ReasonImageConfig},
		{"unreachable", false, "", down, samplesv1.Removed, ReasonRegistryUnreachable},
		{"reachable", false, "", up, samplesv1.Managed, ""},
	} {
		d := InitialState(tc.ipv6, tc.forbidden, tc.reach)
		if d.State != tc.state || d.Reason != tc.reason {
			t.Errorf("%s: %+v", tc.name, d)
		}
	}
	InitialState(true, "", spy)
	if probed {
		t.Error("probed the registry although IPv6 had decided")
	}
	cfg := ConfigFor("amd64", InitialState(false, "", down))
	if !TBRInaccessible(cfg) || !strings.Contains(cfg.Annotations[samplesv1.BootstrapRemovedMessageAnnotation], "refused") {
		t.Errorf("unreachable bootstrap Config: %+v", cfg.ObjectMeta)
	}
	cfg.Spec.ManagementState = samplesv1.Managed
	if TBRInaccessible(cfg) {
		t.Error("still inaccessible after the admin switched to Managed")
	}
}

func TestNoProxy(t *testing.T) {
	for _, tc := range []struct {
		noProxy, target string
		bypass          bool
	}{
		{"", "registry.redhat.io:443", false},
		{"*", "registry.redhat.io:443", true},
		{"redhat.io", "registry.redhat.io:443", true},
		{".redhat.io", "registry.redhat.io:443", true},
		{"*.redhat.io", "registry.redhat.io:443", true},
		{"hat.io", "registry.redhat.io:443", false},
		{"registry.redhat.io:443", "registry.redhat.io:443", true},
		{"registry.redhat.io:5000", "registry.redhat.io:443", false},
		{"10.0.0.0/8, 127.0.0.1", "127.0.0.1:443", true},
		{"10.0.0.0/8", "10.1.2.3:443", true},
		{"10.0.0.0/8", "registry.redhat.io:443", false},
		{" example.com , REDHAT.IO ", "registry.redhat.io:443", true},
	} {
		if got := bypass(tc.noProxy, &url.URL{Scheme: "https", Host: tc.target}); got != tc.bypass {
			t.Errorf("NO_PROXY %q, %s: bypass = %v", tc.noProxy, tc.target, got)
		}
	}
	p, err := ProxyFunc("proxy.example.com:3128", "")(&url.URL{Scheme: "https", Host: "registry.redhat.io:443"})
	if err != nil || p.Host != "proxy.example.com:3128" {
		t.Errorf("bare host:port proxy = %v, %v", p, err)
	}
}
