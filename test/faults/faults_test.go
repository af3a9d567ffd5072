package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// The API server goes away (every connection cut, new ones refused) for 3 s after N of
// the samples were created, N varied over ten runs: the install completes after it
// comes back, nothing is missing, and the operator is never Degraded.
func TestAPIServerGoesAwayMidInstall(t *testing.T) {
	total := len(inventory.ImageStreams) + len(inventory.Templates)
	r := row{name: "API server away 3 s mid-install"}
	for i := range 10 {
		cleanCluster(t)
		n := int64(1 + i*total/10)
		c := &counters{}
		proxy := newOutageProxy(t, apiServerAddr(t))
		stop := startInProcess(t, proxy.through(), c, "4.22.0")
		degraded := degradedWatch(t)
		createConfig(t, managed())
		testenv.EventuallyWithin(t, time.Minute, fmt.Sprintf("%d creates", n), func() (bool, string) { return c.creates.Load() >= n, fmt.Sprint(c.creates.Load()) })
		proxy.setDown(true)
		time.Sleep(3 * time.Second) // the outage itself, not a synchronisation
		proxy.setDown(false)
		r.runs++
		if converged(t, "4.22.0", 90*time.Second) {
			r.converged++
		}
		r.lost += len(missing(t, "4.22.0"))
		if why := degraded(); why != "" {
			t.Errorf("run %d (outage after %d creates): Degraded while the API server was away: %s", i, n, why)
		}
		stop()
		r.writes += int(c.writes.Load())
	}
	record(r)
}

// A fraction (20 %) of the operator's requests fail with 429, 500, 503 or a timeout:
// it converges, and is never Degraded for it.
func TestAPIErrorsInjected(t *testing.T) {
	cleanCluster(t)
	c := &counters{}
	// Only requests that reach the API server fail: writes (reads come from the cache).
	f := flaky(0.2)
	writesOnly := func(verb string) error {
		if verb == "get" || verb == "list" {
			return nil
		}
		return f(verb)
	}
	c.fail.Store(&writesOnly)
	stop := startInProcess(t, env.Config, c, "4.22.0")
	defer stop()
	degraded := degradedWatch(t)
	createConfig(t, managed())
	r := row{name: "20 % of requests fail (429/500/503/timeout)", runs: 1}
	if converged(t, "4.22.0", 2*time.Minute) {
		r.converged++
	}
	r.lost = len(missing(t, "4.22.0"))
	if why := degraded(); why != "" {
		t.Errorf("Degraded on transient errors: %s", why)
	}
	c.fail.Store(nil)
	r.writes = int(c.writes.Load())
	record(r)
}

// Another writer edits managed samples 20 times a second for 30 s: it removes version
// annotations (the operator puts the sample back), changes tags keeping the annotation
// (the operator leaves them), deletes samples (the operator recreates them). The
// operator never crashes, ends with every sample at its version, and its writes stay
// bounded by the edits that call for one.
func TestConcurrentWriter(t *testing.T) {
	c, stop := installedInProcess(t)
	defer stop()
	installWrites := c.writes.Load()
	names := inventory.ImageStreamNames()
	var reverts, kept, deletes atomic.Int64
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		<-tick.C
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(samples.ImageStreamGVK)
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: names[rand.IntN(len(names))]}, u); err != nil {
			continue
		}
		switch rand.IntN(3) {
		case 0:
			a := u.GetAnnotations()
			delete(a, samplesv1.SamplesVersionAnnotation)
			u.SetAnnotations(a)
			if env.Client.Update(ctx, u) == nil {
				reverts.Add(1)
			}
		case 1:
			a := u.GetAnnotations()
			a["faults.example.com/edited"] = fmt.Sprint(time.Now().UnixNano())
			u.SetAnnotations(a)
			if env.Client.Update(ctx, u) == nil {
				kept.Add(1)
			}
		case 2:
			if env.Client.Delete(ctx, u) == nil {
				deletes.Add(1)
			}
		}
	}
	r := row{name: "a writer fighting it, 20 edits/s for 30 s", runs: 1}
	if converged(t, "4.22.0", time.Minute) {
		r.converged++
	}
	r.lost = len(missing(t, "4.22.0"))
	r.writes = int(c.writes.Load() - installWrites)
	// Each revert or delete calls for one write, and a pass may find the cache behind
	// once more; edits that keep the annotation call for none.
	if bound := 3*(reverts.Load()+deletes.Load()) + 50; int64(r.writes) > bound {
		t.Errorf("%d writes for %d reverts and %d deletes (and %d kept edits): over %d", r.writes, reverts.Load(), deletes.Load(), kept.Load(), bound)
	}
	t.Logf("writer: %d annotation removals, %d kept edits, %d deletes; operator: %d writes", reverts.Load(), kept.Load(), deletes.Load(), r.writes)
	record(r)
}
