package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// The floor: what any controller-runtime operator costs on the same control plane, in
// the same run, so that the operator's figures read as ratios against it.
//
//   - tools/floormanager: leader election, the metrics server (plain HTTP, no filter), a
//     health probe, one namespaced ConfigMap cache and a no-op reconciler;
//   - tools/floorclient: creates the scenario's samples one after the other, as fast as
//     the API server takes them, with the operator's client settings.

// floorRow is the floor's figures for one scenario.
type floorRow struct {
	ReadyRSSMiB float64 `json:"readyRSSMiB"`
	PeakRSSMiB  float64 `json:"peakRSSMiB"`
	PeakAnonMiB float64 `json:"peakAnonMiB"`
	// ClientSec is the plain client's time from its start to its last create
	// acknowledged; ClientCreates its creates by kind.
	ClientSec     float64        `json:"clientSeconds"`
	ClientCreates map[string]int `json:"clientCreates"`
}

// floorBinaries are the two programs, built as the operator is (make build).
type floorBinaries struct{ manager, client string }

func buildFloor(dir string) (floorBinaries, error) {
	b := floorBinaries{manager: filepath.Join(dir, "floormanager"), client: filepath.Join(dir, "floorclient")}
	for pkg, out := range map[string]string{"./tools/floormanager": b.manager, "./tools/floorclient": b.client} {
		cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
		cmd.Dir = testenv.RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("building %s: %v\n%s", pkg, err, out)
		}
	}
	return b, nil
}

// anonSampler keeps the largest RssAnon of a process, read every 50 ms: the kernel keeps
// a high-water mark of the whole RSS (VmHWM) only.
type anonSampler struct {
	mu   sync.Mutex
	max  float64
	stop chan struct{}
	done chan struct{}
}

func sampleAnon(pid int) *anonSampler {
	s := &anonSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := procStatusMiB(pid, "RssAnon"); err == nil {
				s.mu.Lock()
				s.max = max(s.max, v)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// peak stops the sampling and returns the largest value seen.
func (s *anonSampler) peak() float64 {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

// measureFloorManager runs the minimal manager until it is ready and for settle after,
// scraped once as Prometheus would, and reads its memory.
func measureFloorManager(ctx context.Context, env *testenv.Env, bin, kubeconfig string, fr *floorRow) error {
	const ns = "floor-manager"
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return err
	}
	healthAddr, err := testenv.FreeAddress()
	if err != nil {
		return err
	}
	metricsAddr, err := testenv.FreeAddress()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "--kubeconfig", kubeconfig, "--namespace", ns, "--health-probe-bind-address", healthAddr,
		"--metrics-bind-address", metricsAddr)
	goEnv, err := shippedGoEnv()
	if err != nil {
		return err
	}
	cmd.Env = append(os.Environ(), goEnv...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	anon := sampleAnon(cmd.Process.Pid)
	deadline := time.Now().Add(time.Minute)
	for !ready(healthAddr) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the floor manager was not ready within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fr.ReadyRSSMiB, err = procStatusMiB(cmd.Process.Pid, "VmRSS"); err != nil {
		return err
	}
	time.Sleep(settle) // a window of time is what is measured, not a synchronisation
	if err := fetch("http://"+metricsAddr+"/metrics", os.DevNull); err != nil {
		return fmt.Errorf("scraping the floor manager: %w", err)
	}
	if fr.PeakRSSMiB, err = procStatusMiB(cmd.Process.Pid, "VmHWM"); err != nil {
		return err
	}
	fr.PeakAnonMiB = anon.peak()
	return nil
}

// measureFloorClient creates the scenario's samples in a namespace of their own with the
// plain client and times it from its start to its exit (its last create acknowledged).
func measureFloorClient(bin, kubeconfig, assets string, fr *floorRow) error {
	cmd := exec.Command(bin, "--kubeconfig", kubeconfig, "--assets-dir", assets, "--arch", arch, "--namespace", "floor-client")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the floor client: %w", err)
	}
	fr.ClientSec = time.Since(start).Seconds()
	var res struct {
		Creates map[string]int `json:"creates"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return fmt.Errorf("the floor client's output %q: %w", out.String(), err)
	}
	fr.ClientCreates = res.Creates
	return nil
}

// warmWatchCaches opens and closes a watch of every kind the operator caches, so that
// the API server's watch caches are ready before either program starts. envtest serves
// image streams and templates as CRDs, whose watch caches start cold; in a cluster,
// openshift-apiserver serves them from caches long warm, and the time a cold cache takes
// (about a second) is the test API server's, not the operator's.
func warmWatchCaches(ctx context.Context, env *testenv.Env) error {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		return err
	}
	lists := []client.ObjectList{samples.NewList(samples.ImageStreamGVK), samples.NewList(samples.TemplateGVK),
		&samplesv1.ConfigList{}, &configv1.ClusterOperatorList{}, &configv1.ImageList{}, &corev1.ConfigMapList{}, &corev1.SecretList{}}
	for _, l := range lists {
		w, err := wc.Watch(ctx, l, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: "0"}})
		if err != nil {
			return fmt.Errorf("warming the watch cache of %T: %w", l, err)
		}
		w.Stop()
	}
	return nil
}
