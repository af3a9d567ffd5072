package faults

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/openshift/cluster-samples-operator/test/operatortest"
)

func metaName(n string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: n} }

// outageProxy sits between the operator and the API server on loopback; down cuts every
// connection and refuses new ones, as an API server that went away does.
type outageProxy struct {
	l        net.Listener
	upstream string
	mu       sync.Mutex
	down     bool
	conns    map[net.Conn]bool
}

func newOutageProxy(t *testing.T, upstream string) *outageProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &outageProxy{l: l, upstream: upstream, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { _ = l.Close(); p.setDown(true) })
	return p
}

func (p *outageProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.mu.Unlock()
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
		go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
	}
}

func (p *outageProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			_ = c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}

// through is env.Config pointed at the proxy.
func (p *outageProxy) through() *rest.Config {
	cfg := rest.CopyConfig(env.Config)
	cfg.Host = "https://" + p.l.Addr().String()
	return cfg
}

// counters are what an in-process operator's client saw.
type counters struct {
	writes, creates atomic.Int64
	// fail, when set, may fail any call before it reaches the API server.
	fail atomic.Pointer[func(verb string) error]
}

func (c *counters) check(verb string) error {
	if f := c.fail.Load(); f != nil {
		return (*f)(verb)
	}
	return nil
}

// funcs count writes and let a test inject failures into reads and writes.
func (c *counters) funcs() interceptor.Funcs {
	write := func(verb string) error {
		c.writes.Add(1)
		if verb == "create" {
			c.creates.Add(1)
		}
		return c.check(verb)
	}
	return interceptor.Funcs{
		Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if err := c.check("get"); err != nil {
				return err
			}
			return cl.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, cl client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if err := c.check("list"); err != nil {
				return err
			}
			return cl.List(ctx, list, opts...)
		},
		Create: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if err := write("create"); err != nil {
				return err
			}
			return cl.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if err := write("update"); err != nil {
				return err
			}
			return cl.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			if err := write("patch"); err != nil {
				return err
			}
			return cl.Patch(ctx, obj, p, opts...)
		},
		Delete: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			if err := write("delete"); err != nil {
				return err
			}
			return cl.Delete(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, cl client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			if err := write("patch"); err != nil {
				return err
			}
			return cl.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, cl client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			if err := write("update"); err != nil {
				return err
			}
			return cl.SubResource(sub).Update(ctx, obj, opts...)
		},
	}
}

// interceptedClient builds the operator's client through c.
func interceptedClient(c *counters) client.NewClientFunc {
	return func(cfg *rest.Config, o client.Options) (client.Client, error) {
		cl, err := client.NewWithWatch(cfg, o)
		if err != nil {
			return nil, err
		}
		return interceptor.NewClient(cl, c.funcs()), nil
	}
}

// startInProcess runs the operator (every controller) in this process against cfg.
func startInProcess(t *testing.T, cfg *rest.Config, c *counters, version string) (stop func()) {
	t.Helper()
	return operatortest.Start(t, cfg, env.Scheme, operatortest.Options{
		Content: source(), Version: version, NoLeaderElection: true, NewClient: interceptedClient(c),
	})
}

// degradedWatch samples the ClusterOperator every 100 ms and remembers whether it was
// ever Degraded, and why.
func degradedWatch(t *testing.T) (stop func() string) {
	t.Helper()
	done := make(chan struct{})
	var seen atomic.Value
	seen.Store("")
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			co := &configv1.ClusterOperator{}
			if err := env.Client.Get(context.Background(), client.ObjectKey{Name: "openshift-samples"}, co); err != nil {
				continue
			}
			for _, c := range co.Status.Conditions {
				if c.Type == configv1.OperatorDegraded && c.Status == configv1.ConditionTrue && seen.Load() == "" {
					seen.Store(c.Reason + ": " + c.Message)
				}
			}
		}
	}()
	return func() string { close(done); return seen.Load().(string) }
}

// flaky fails a fraction of calls with 429, 500, 503 or a timeout.
func flaky(fraction float64) func(verb string) error {
	errs := []func() error{
		func() error { return apierrors.NewTooManyRequests("slow down", 1) },
		func() error { return apierrors.NewInternalError(io.ErrUnexpectedEOF) },
		func() error { return apierrors.NewServiceUnavailable("etcd leader changed") },
		func() error { return apierrors.NewTimeoutError("request timed out", 1) },
		func() error { return context.DeadlineExceeded },
	}
	return func(string) error {
		if rand.Float64() < fraction {
			return errs[rand.IntN(len(errs))]()
		}
		return nil
	}
}

// apiServerAddr is the API server's host:port.
func apiServerAddr(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(env.Config.Host)
	if err != nil || u.Host == "" {
		t.Fatalf("API server address %q: %v", env.Config.Host, err)
	}
	return u.Host
}

// installedInProcess starts the operator in this process on a clean cluster and waits
// for the samples to be installed at 4.22.0.
func installedInProcess(t *testing.T) (*counters, func()) {
	t.Helper()
	cleanCluster(t)
	c := &counters{}
	stop := startInProcess(t, env.Config, c, "4.22.0")
	createConfig(t, managed())
	if !converged(t, "4.22.0", time.Minute) {
		stop()
		t.FailNow()
	}
	return c, stop
}
