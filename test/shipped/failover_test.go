package shipped

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/controllers"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// The shipped binary has no flags for the leader election timings (main.go), so it
// runs with controller-runtime's defaults.
const (
	leaseDuration = 15 * time.Second
	renewDeadline = 10 * time.Second
	// handover bounds how long after the leader is gone the standby holds the Lease:
	// the lease must run out (LeaseDuration after the last renewal the standby saw),
	// plus RenewDeadline and a margin for a loaded 2-core machine.
	handover = leaseDuration + renewDeadline + 5*time.Second
	// firstWrite bounds the first sample write after the leader is gone: the handover,
	// then the controllers start and make a pass.
	firstWrite = handover + 15*time.Second
)

// apiRequest is one request a replica sent to its proxy.
type apiRequest struct {
	start, end   time.Time
	method, path string
	// name is the object's name (from the path, or from the body of a create), holder
	// the holderIdentity a Lease write carries.
	name, holder string
	// reached: forwarded to the API server (false: refused while cut off); code is the
	// API server's answer (502 when it never came).
	reached bool
	code    int
}

func (q apiRequest) mutating() bool {
	switch q.method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func (q apiRequest) lease() bool { return strings.HasPrefix(q.path, "/apis/coordination.k8s.io/") }

func (q apiRequest) ok() bool { return q.reached && q.code >= 200 && q.code < 300 }

// writeOf tells whether q is a successful write of the image stream name in openshift.
func (q apiRequest) writeOf(name string) bool {
	return q.mutating() && q.ok() && q.name == name &&
		strings.HasPrefix(q.path, "/apis/image.openshift.io/v1/namespaces/"+samplesv1.SamplesNamespace+"/imagestreams")
}

// apiProxy is one replica's own view of the API server: a loopback TLS reverse proxy
// that records every request and can be cut off.
type apiProxy struct {
	name string
	srv  *httptest.Server
	rp   *httputil.ReverseProxy

	mu   sync.Mutex
	cut  bool
	reqs []apiRequest
}

type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (c *codeRecorder) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *codeRecorder) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets the reverse proxy flush watch events through the recorder.
func (c *codeRecorder) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func newAPIProxy(t *testing.T, name string) *apiProxy {
	t.Helper()
	upstream, err := url.Parse(env.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(env.Config.CAData) {
		t.Fatal("no envtest CA")
	}
	p := &apiProxy{name: name}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(upstream) },
		// Only the CA: the replica authenticates with its own token, never as the
		// test's admin.
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true},
		FlushInterval: -1,
		ErrorLog:      log.New(io.Discard, "", 0),
		ErrorHandler:  func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	p.srv.StartTLS()
	t.Cleanup(p.srv.Close)
	return p
}

func (p *apiProxy) serve(w http.ResponseWriter, r *http.Request) {
	q := apiRequest{start: time.Now(), method: r.Method, path: r.URL.Path}
	base := path.Base(strings.TrimSuffix(r.URL.Path, "/status"))
	if q.mutating() && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var obj struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				HolderIdentity string `json:"holderIdentity"`
			} `json:"spec"`
		}
		if json.Unmarshal(body, &obj) == nil {
			q.name, q.holder = obj.Metadata.Name, obj.Spec.HolderIdentity
		} else if l, ok := decodeLease(body); ok {
			// client-go's typed clients send protobuf.
			q.name = l.Name
			if l.Spec.HolderIdentity != nil {
				q.holder = *l.Spec.HolderIdentity
			}
		}
	}
	if q.name == "" && q.method != http.MethodPost {
		q.name = base
	}
	p.mu.Lock()
	cut := p.cut
	p.mu.Unlock()
	if cut {
		q.end = time.Now()
		p.record(q)
		panic(http.ErrAbortHandler) // the connection is closed, no answer
	}
	q.reached = true
	rec := &codeRecorder{ResponseWriter: w}
	defer func() {
		q.end, q.code = time.Now(), rec.code
		if q.code == 0 {
			q.code = http.StatusBadGateway
		}
		p.record(q)
	}()
	p.rp.ServeHTTP(rec, r)
}

func (p *apiProxy) record(q apiRequest) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = append(p.reqs, q)
}

// setCut cuts the proxy off (closing every open connection, watches included) or heals it.
func (p *apiProxy) setCut(cut bool) {
	p.mu.Lock()
	p.cut = cut
	p.mu.Unlock()
	if cut {
		p.srv.CloseClientConnections()
	}
}

// requests returns what the proxy has recorded so far, in order of arrival.
func (p *apiProxy) requests() []apiRequest {
	p.mu.Lock()
	out := append([]apiRequest{}, p.reqs...)
	p.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out
}

// first returns the earliest recorded request that matches, and whether there is one.
func (p *apiProxy) first(match func(apiRequest) bool) (apiRequest, bool) {
	for _, q := range p.requests() {
		if match(q) {
			return q, true
		}
	}
	return apiRequest{}, false
}

// count counts the recorded requests that match.
func (p *apiProxy) count(match func(apiRequest) bool) int {
	n := 0
	for _, q := range p.requests() {
		if match(q) {
			n++
		}
	}
	return n
}

// holder is the holderIdentity of the last successful Lease write through p.
func (p *apiProxy) holder() string {
	h := ""
	for _, q := range p.requests() {
		if q.lease() && q.mutating() && q.ok() && q.holder != "" {
			h = q.holder
		}
	}
	return h
}

// kubeconfig writes a kubeconfig for the proxy with token.
func (p *apiProxy) kubeconfig(t *testing.T, token string) string {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["proxy"] = &clientcmdapi.Cluster{Server: p.srv.URL, CertificateAuthorityData: ca}
	cfg.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["sa"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "sa"}
	cfg.CurrentContext = "sa"
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), "kubeconfig", data)
}

// TestFailover runs the shipped install with two replicas, each seeing the API server
// through its own proxy: the leader is killed, then the next leader is partitioned
// away, and each time the standby takes over within the lease and no two replicas
// write at once.
func TestFailover(t *testing.T) {
	ctx := context.Background()
	clusterAround(t)
	in := fromManifests(t)
	in.apply(t)
	t.Cleanup(func() { cleanup(t, in) })

	container := in.deployment.Spec.Template.Spec.Containers[0]
	version := ""
	for _, e := range container.Env {
		if e.Name == "RELEASE_VERSION" {
			version = e.Value
		}
	}
	ports := map[string]int32{}
	for _, p := range container.Ports {
		ports[p.Name] = p.ContainerPort
	}
	_, healthPort := binaryDefaults(t)
	token := serviceAccountToken(t, in.namespace, in.deployment.Spec.Template.Spec.ServiceAccountName)

	proxies := map[*replica]*apiProxy{}
	// gone is closed once a replica's process has exited and goneAt says when.
	gone, goneAt := map[*replica]chan struct{}{}, map[*replica]*atomic.Int64{}
	var order []*replica
	startBehindProxy := func(name string) *replica {
		p := newAPIProxy(t, name)
		// The last KUBECONFIG in the environment wins over the one start writes.
		r := in.start(t, name, substitutions{extraEnv: []string{"KUBECONFIG=" + p.kubeconfig(t, token)}})
		proxies[r] = p
		order = append(order, r)
		done, at := make(chan struct{}), &atomic.Int64{}
		gone[r], goneAt[r] = done, at
		go func() { <-r.exited; at.Store(time.Now().UnixNano()); close(done) }()
		return r
	}
	waitReady := func(rs ...*replica) {
		t.Helper()
		testenv.EventuallyWithin(t, 90*time.Second, fmt.Sprintf("%d replicas Ready", len(rs)), func() (bool, string) {
			for _, r := range rs {
				select {
				case <-r.exited:
					return false, r.name + " exited:\n" + tail(r.log.String(), 20)
				default:
				}
				addrs := map[int32]string{healthPort: r.healthAddr}
				if err := r.probe(container.LivenessProbe, ports, addrs); err != nil {
					return false, r.name + ": liveness: " + err.Error()
				}
				if err := r.probe(container.ReadinessProbe, ports, addrs); err != nil {
					return false, r.name + ": readiness: " + err.Error()
				}
			}
			return true, ""
		})
	}
	// leaderOf waits until the Lease names one of rs, as its proxy's Lease writes show.
	leaderOf := func(rs ...*replica) (leader *replica, standby *replica) {
		t.Helper()
		testenv.EventuallyWithin(t, 90*time.Second, "a leader among "+rs[0].name+", "+rs[1].name, func() (bool, string) {
			l := &coordinationv1.Lease{}
			if err := env.Client.Get(ctx, client.ObjectKey{Namespace: in.namespace, Name: controllers.LeaderElectionID}, l); err != nil {
				return false, err.Error()
			}
			if l.Spec.HolderIdentity == nil {
				return false, "no holder"
			}
			for i, r := range rs {
				if proxies[r].holder() == *l.Spec.HolderIdentity {
					leader, standby = r, rs[1-i]
					return true, ""
				}
			}
			return false, "holder " + *l.Spec.HolderIdentity + " seen through no proxy"
		})
		return leader, standby
	}
	// pickSample returns a managed image stream of openshift (not skip, in name order).
	pickSample := func(skip int) *unstructured.Unstructured {
		t.Helper()
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(samples.ImageStreamGVK.GroupVersion().WithKind("ImageStreamList"))
		if err := env.Client.List(ctx, list, client.InNamespace(samplesv1.SamplesNamespace),
			client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"}); err != nil {
			t.Fatal(err)
		}
		var names []*unstructured.Unstructured
		for i := range list.Items {
			if !strings.Contains(list.Items[i].GetName(), failingImage) {
				names = append(names, &list.Items[i])
			}
		}
		sort.Slice(names, func(i, j int) bool { return names[i].GetName() < names[j].GetName() })
		if len(names) <= skip {
			t.Fatalf("only %d image streams to delete", len(names))
		}
		return names[skip]
	}
	recreated := func(old *unstructured.Unstructured) (bool, string) {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(samples.ImageStreamGVK)
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(old), u)
		if apierrors.IsNotFound(err) {
			return false, old.GetName() + " not there"
		} else if err != nil {
			return false, err.Error()
		}
		return u.GetUID() != old.GetUID(), "uid " + string(u.GetUID())
	}
	deleteSample := func(u *unstructured.Unstructured) {
		t.Helper()
		if err := env.Client.Delete(ctx, u, client.Preconditions{UID: ptrUID(u.GetUID())}); err != nil {
			t.Fatal(err)
		}
	}
	leaseWrite := func(after time.Time) func(apiRequest) bool {
		return func(q apiRequest) bool { return q.lease() && q.mutating() && q.ok() && !q.start.Before(after) }
	}
	nonLeaseWrite := func(q apiRequest) bool { return q.mutating() && !q.lease() && q.reached }

	// Two replicas, both Ready, the samples installed; only the leader writes.
	a, b := startBehindProxy("replica-0"), startBehindProxy("replica-1")
	waitReady(a, b)
	waitInstalled(t, version)
	leader, standby := leaderOf(a, b)
	if n := proxies[standby].count(nonLeaseWrite); n != 0 {
		t.Errorf("the standby %s sent %d writes other than the Lease while %s led", standby.name, n, leader.name)
	}
	if n := proxies[standby].count(leaseWrite(time.Time{})); n != 0 {
		t.Errorf("the standby %s wrote the Lease %d times", standby.name, n)
	}

	// The leader is killed (no graceful release of the Lease); a sample is deleted.
	killed := pickSample(0)
	killAt := time.Now()
	if err := leader.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-leader.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s not gone 30 s after SIGKILL", leader.name)
	}
	deleteSample(killed)
	sp := proxies[standby]
	testenv.EventuallyWithin(t, 90*time.Second, "the standby takes the Lease and recreates "+killed.GetName(), func() (bool, string) {
		_, leased := sp.first(leaseWrite(killAt))
		_, wrote := sp.first(func(q apiRequest) bool { return q.writeOf(killed.GetName()) && q.start.After(killAt) })
		ok, seen := recreated(killed)
		return leased && wrote && ok, fmt.Sprintf("lease %v, write %v, %s", leased, wrote, seen)
	})
	acquired, _ := sp.first(leaseWrite(killAt))
	sampleWrite, _ := sp.first(func(q apiRequest) bool { return q.writeOf(killed.GetName()) && q.start.After(killAt) })
	killToLease, killToWrite := acquired.start.Sub(killAt), sampleWrite.start.Sub(killAt)
	if killToLease > handover {
		t.Errorf("the standby took the Lease %.1fs after the kill, more than %s", killToLease.Seconds(), handover)
	}
	if killToWrite > firstWrite {
		t.Errorf("the standby recreated %s %.1fs after the kill, more than %s", killed.GetName(), killToWrite.Seconds(), firstWrite)
	}
	newFirst, _ := sp.first(func(q apiRequest) bool { return q.mutating() && q.reached && q.start.After(killAt) })
	for _, q := range proxies[leader].requests() {
		if q.mutating() && q.reached && !q.end.Before(newFirst.start) {
			t.Errorf("the killed leader's %s %s ended at %s, after the new leader's first write", q.method, q.path, q.end.Format(time.StampMilli))
		}
	}

	// The survivor leads; a new replica stands by. The leader is cut off from the API
	// server for longer than the lease while a sample is deleted.
	c := startBehindProxy("replica-2")
	waitReady(standby, c)
	waitInstalled(t, version)
	old, next := leaderOf(standby, c)
	if old != standby {
		t.Fatalf("%s leads, not the survivor %s", old.name, standby.name)
	}
	op, np := proxies[old], proxies[next]
	cutAfter := leaseDuration + 10*time.Second
	partitioned := pickSample(1)
	cutAt := time.Now()
	op.setCut(true)
	deleteSample(partitioned)
	deletedAt := time.Now()
	testenv.EventuallyWithin(t, cutAfter+90*time.Second, "the new leader recreates "+partitioned.GetName()+" while the old one is cut off", func() (bool, string) {
		_, leased := np.first(leaseWrite(cutAt))
		_, wrote := np.first(func(q apiRequest) bool { return q.writeOf(partitioned.GetName()) && q.start.After(cutAt) })
		ok, seen := recreated(partitioned)
		exited := false
		select {
		case <-old.exited:
			exited = true
		default:
		}
		held := time.Since(cutAt) >= cutAfter
		return leased && wrote && ok && held, fmt.Sprintf("lease %v, write %v, %s, old leader exited %v, cut for %s", leased, wrote, seen, exited, time.Since(cutAt).Round(time.Second))
	})
	healAt := time.Now()
	op.setCut(false)

	// The old leader stepped down: controller-runtime ends the process when it cannot
	// renew the Lease.
	testenv.EventuallyWithin(t, 30*time.Second, "the old leader stepped down", func() (bool, string) {
		select {
		case <-gone[old]:
			return true, ""
		default:
			return false, "still running"
		}
	})
	oldExit := time.Unix(0, goneAt[old].Load())
	if code := old.cmd.ProcessState.ExitCode(); code == 0 {
		t.Errorf("the old leader exited with 0 after losing the Lease")
	}
	if !strings.Contains(old.log.String(), "leader election lost") {
		t.Errorf("the old leader's log does not say it lost the election:\n%s", tail(old.log.String(), 20))
	}
	l := &coordinationv1.Lease{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: in.namespace, Name: controllers.LeaderElectionID}, l); err != nil {
		t.Fatal(err)
	}
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != np.holder() {
		t.Errorf("after healing the Lease is held by %v, not the new leader %s", ptrString(l.Spec.HolderIdentity), np.holder())
	}

	// No two writers.
	newStart, _ := np.first(func(q apiRequest) bool { return q.mutating() && q.reached })
	var oldLastBefore, oldLastNonLease apiRequest
	attempts, mutatingAttempts, reachedAfterNew, afterHeal := 0, 0, 0, 0
	for _, q := range op.requests() {
		switch {
		case !q.reached && q.start.After(cutAt):
			attempts++
			if q.mutating() {
				mutatingAttempts++
			}
		case q.reached && q.mutating():
			if q.start.Before(cutAt) {
				oldLastBefore = q
				if !q.lease() {
					oldLastNonLease = q
				}
			}
			if !q.lease() && !q.end.Before(newStart.start) {
				t.Errorf("the old leader's %s %s (ended %s) overlaps the new leader's first write (%s)", q.method, q.path,
					q.end.Format(time.StampMilli), newStart.start.Format(time.StampMilli))
			}
			if !q.start.Before(newStart.start) {
				reachedAfterNew++
			}
		}
		if q.start.After(healAt) && q.mutating() {
			afterHeal++
		}
	}
	if reachedAfterNew != 0 {
		t.Errorf("%d writes of the old leader reached the API server after the new leader's first", reachedAfterNew)
	}
	if afterHeal != 0 {
		t.Errorf("the old leader sent %d writes after the partition healed", afterHeal)
	}
	// Recreated exactly once, by the new leader.
	writes := map[string]int{}
	for _, r := range order {
		for _, q := range proxies[r].requests() {
			if q.writeOf(partitioned.GetName()) && q.method == http.MethodPost && q.start.After(deletedAt) {
				writes[r.name]++
			}
		}
	}
	if len(writes) != 1 || writes[next.name] != 1 {
		t.Errorf("%s created after the deletion: %v, want once by %s", partitioned.GetName(), writes, next.name)
	}
	newLease, _ := np.first(leaseWrite(cutAt))
	newWrite, _ := np.first(func(q apiRequest) bool { return q.writeOf(partitioned.GetName()) && q.start.After(cutAt) })

	var perReplica []string
	for _, r := range order {
		p := proxies[r]
		perReplica = append(perReplica, fmt.Sprintf("%s lease %d other %d",
			r.name, p.count(func(q apiRequest) bool { return q.mutating() && q.reached && q.lease() }), p.count(nonLeaseWrite)))
	}
	lastNonLease := "none"
	if !oldLastNonLease.start.IsZero() {
		lastNonLease = fmt.Sprintf("%.1fs", cutAt.Sub(oldLastNonLease.end).Seconds())
	}
	// The old leader's process, and with it every controller, ends when it gives up
	// renewing (RenewDeadline), before the Lease it held expires for the others
	// (LeaseDuration): a partially cut-off leader can never write beside the new one.
	// (With LeaderElectionReleaseOnCancel, client-go first tried to release the Lease
	// for up to another RenewDeadline while the controllers ran on: 1.4 s of overlap.)
	outlived := max(oldExit.Sub(newLease.start), 0)
	if outlived > 0 {
		t.Errorf("the old leader's process outlived the new leader's Lease acquisition by %s", outlived)
	}
	t.Logf("FIGURES failover: kill->standby Lease %.1fs, kill->first sample write %.1fs; partition: old leader's last write before the cut %.1fs before (non-Lease %s), new leader's Lease %.1fs and first sample write %.1fs after the cut, old leader exited %.1fs after the cut (%.1fs before the new leader took the Lease); old leader's attempts while cut off %d (mutating %d), its writes reaching the server after the new leader's first %d; mutating requests reached: %s",
		killToLease.Seconds(), killToWrite.Seconds(), cutAt.Sub(oldLastBefore.end).Seconds(), lastNonLease,
		newLease.start.Sub(cutAt).Seconds(), newWrite.start.Sub(cutAt).Seconds(), oldExit.Sub(cutAt).Seconds(), newLease.start.Sub(oldExit).Seconds(),
		attempts, mutatingAttempts, reachedAfterNew, strings.Join(perReplica, ", "))
}

// decodeLease decodes a Lease in any of the API server's encodings.
func decodeLease(body []byte) (*coordinationv1.Lease, bool) {
	obj, _, err := clientgoscheme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
	if err != nil {
		return nil, false
	}
	l, ok := obj.(*coordinationv1.Lease)
	return l, ok
}

func ptrUID(u types.UID) *types.UID { return &u }

func ptrString(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
