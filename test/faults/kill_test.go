package faults

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// process is the operator binary running against the test's API server.
type process struct {
	cmd    *exec.Cmd
	exited chan error
}

func startProcess(t *testing.T, version string) *process {
	t.Helper()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--release-version", version, "--registry-probe-address", "", "--metrics-bind-address", "0",
		"--health-probe-bind-address", "0", "--kubeconfig", kubeconfig}
	if contentDir != "" {
		args = append(args, "--assets-dir", contentDir)
	}
	p := &process{cmd: exec.Command(binary, args...), exited: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = nil, nil
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(p.kill)
	return p
}

// kill sends SIGKILL: no deferred write, no lease release, nothing.
func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited      //nolint:errcheck // the exit status after our own SIGKILL says nothing
	p.exited <- nil // later kills return at once
}

// crashed tells whether the process exited by itself.
func (p *process) crashed() bool {
	select {
	case err := <-p.exited:
		p.exited <- err
		return true
	default:
		return false
	}
}

// skippedStream is skipped in every Config of the kill cases: whatever the operator
// does, it stays as the administrator left it.
var skippedStream string

// managedSkipping is managed() with skippedStream skipped.
func managedSkipping() samplesv1.ConfigSpec {
	s := managed()
	s.SkippedImagestreams = []string{skippedStream}
	return s
}

// placeSkipped puts the skipped stream in the cluster as an administrator's own copy.
func placeSkipped(t *testing.T) {
	t.Helper()
	u := testenv.Parsed(t, inventory.ImageStreams)[skippedStream]
	u.SetNamespace(samplesv1.SamplesNamespace)
	u.SetAnnotations(map[string]string{"admin.example.com/mine": "yes"})
	u.SetLabels(nil)
	if err := env.Client.Create(context.Background(), u); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// skippedIntact tells whether the skipped stream is still the administrator's.
func skippedIntact(t *testing.T) bool {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(samples.ImageStreamGVK)
	err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: skippedStream}, u)
	return err == nil && u.GetAnnotations()["admin.example.com/mine"] == "yes" && u.GetAnnotations()[samplesv1.SamplesVersionAnnotation] == ""
}

// countSamples counts the inventory samples present (at version, when given), the
// skipped one aside.
func countSamples(t *testing.T, version string) int {
	t.Helper()
	n := 0
	for gvk, want := range map[bool]map[string]content.Raw{true: inventory.ImageStreams, false: inventory.Templates} {
		kind := samples.TemplateGVK
		if gvk {
			kind = samples.ImageStreamGVK
		}
		for name, u := range testenv.ListSamples(t, env.Client, kind) {
			if _, ok := want[name]; ok && name != skippedStream && (version == "" || u.GetAnnotations()[samplesv1.SamplesVersionAnnotation] == version) {
				n++
			}
		}
	}
	return n
}

// bystanders are what must survive every case: a user's stream and ConfigMap, a
// skipped sample with the user's edit, and a user's tag on a managed stream.
func placeBystanders(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	own := &unstructured.Unstructured{}
	own.SetGroupVersionKind(samples.ImageStreamGVK)
	own.SetNamespace(samplesv1.SamplesNamespace)
	own.SetName("users-own")
	cm := &corev1.ConfigMap{Data: map[string]string{"k": "v"}}
	cm.Namespace, cm.Name = samplesv1.OperatorNamespace, "users-cm"
	for _, o := range []client.Object{own, cm} {
		if err := env.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
}

// bystandersLost counts the bystanders that are gone or changed.
func bystandersLost(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	lost := 0
	own := &unstructured.Unstructured{}
	own.SetGroupVersionKind(samples.ImageStreamGVK)
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: "users-own"}, own); err != nil {
		t.Errorf("the user's image stream: %v", err)
		lost++
	}
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: samplesv1.OperatorNamespace, Name: "users-cm"}, cm); err != nil || cm.Data["k"] != "v" {
		t.Errorf("the user's ConfigMap: %v %v", err, cm.Data)
		lost++
	}
	return lost
}

// TestOperatorKilled kills the operator process (SIGKILL) at twenty points of an
// install, a Removed, an upgrade and a Config deletion, restarts it, and checks the end
// state and the bystanders.
func TestOperatorKilled(t *testing.T) {
	total := len(inventory.ImageStreams) + len(inventory.Templates)
	ctx := context.Background()
	r := row{name: "operator SIGKILLed at 20 points, restarted"}
	at := func(f float64) int { return max(1, int(f*float64(total))) }
	// waitFor polls cond until it holds (true) or 60 s pass (false).
	waitFor := func(cond func() bool) bool {
		ok, _ := testenv.Poll(60*time.Second, func() (bool, string) { return cond(), "" })
		return ok
	}
	for n := range inventory.ImageStreams {
		if skippedStream == "" || n > skippedStream {
			skippedStream = n
		}
	}
	install := func(t *testing.T) {
		cleanCluster(t)
		placeBystanders(t)
		placeSkipped(t)
		p := startProcess(t, "4.22.0")
		createConfig(t, managedSkipping())
		converged(t, "4.22.0", time.Minute, skippedStream)
		p.kill()
	}
	type point struct {
		phase  string
		frac   float64
		before func(t *testing.T)      // brings the cluster to the phase's start
		act    func(t *testing.T)      // starts the phase
		cond   func(t *testing.T) bool // true once the phase is far enough to kill
		end    func(t *testing.T) bool // the right end state
		ver    string                  // the release the operator runs at
		// deletion: the new default Config skips nothing, so the skipped stream
		// becomes a sample again; other phases leave it to the administrator.
		deletion bool
	}
	var points []point
	for _, f := range []float64{0.01, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95} {
		f := f
		points = append(points, point{phase: "install", frac: f,
			before: func(t *testing.T) { cleanCluster(t); placeBystanders(t); placeSkipped(t) },
			act:    func(t *testing.T) { createConfig(t, managedSkipping()) },
			cond:   func(t *testing.T) bool { return countSamples(t, "") >= at(f) },
			end:    func(t *testing.T) bool { return converged(t, "4.22.0", time.Minute, skippedStream) },
			ver:    "4.22.0"})
	}
	for _, f := range []float64{0.05, 0.3, 0.6, 0.9} {
		f := f
		points = append(points, point{phase: "Removed", frac: f, before: install,
			act: func(t *testing.T) {
				testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
			},
			cond: func(t *testing.T) bool { return countSamples(t, "") <= total-at(f) },
			end: func(t *testing.T) bool {
				return waitFor(func() bool {
					cfg := &samplesv1.Config{}
					return env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg) == nil &&
						cfg.Status.ManagementState == samplesv1.Removed && countSamples(t, "") == 0
				})
			},
			ver: "4.22.0"})
	}
	// A user's tag on a managed stream survives the upgrade's update of that stream.
	stream := ""
	for n := range inventory.ImageStreams {
		if stream == "" || n < stream {
			stream = n
		}
	}
	userTag := func(t *testing.T) bool {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(samples.ImageStreamGVK)
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: stream}, u); err != nil {
			return false
		}
		tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
		for _, tag := range tags {
			if tag.(map[string]any)["name"] == "users-tag" {
				return true
			}
		}
		return false
	}
	for _, f := range []float64{0.05, 0.3, 0.6, 0.9} {
		f := f
		points = append(points, point{phase: "upgrade", frac: f,
			before: func(t *testing.T) {
				install(t)
				u := &unstructured.Unstructured{}
				u.SetGroupVersionKind(samples.ImageStreamGVK)
				if err := env.Client.Get(ctx, client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: stream}, u); err != nil {
					t.Fatal(err)
				}
				tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
				tags = append(tags, map[string]any{"name": "users-tag", "from": map[string]any{"kind": "DockerImage", "name": "example.com/mine:1"}})
				_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
				if err := env.Client.Update(ctx, u); err != nil {
					t.Fatal(err)
				}
			},
			act:  func(t *testing.T) {},
			cond: func(t *testing.T) bool { return countSamples(t, "4.23.0") >= at(f) },
			end: func(t *testing.T) bool {
				if !converged(t, "4.23.0", time.Minute, skippedStream) {
					return false
				}
				if !userTag(t) {
					t.Errorf("the user's tag on %s was lost in the upgrade", stream)
					r.lost++
				}
				return true
			},
			ver: "4.23.0"})
	}
	for _, f := range []float64{0.05, 0.3, 0.6, 0.9} {
		f := f
		var uid string
		points = append(points, point{phase: "Config deletion", frac: f, before: install,
			act: func(t *testing.T) {
				cfg := &samplesv1.Config{}
				if err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
					t.Fatal(err)
				}
				uid = string(cfg.UID)
				if err := env.Client.Delete(ctx, cfg); err != nil {
					t.Fatal(err)
				}
			},
			// Past f of the deletion: that many samples gone, or the deletion already
			// done (the old Config replaced), which a fast operator finishes, and
			// starts installing again, between two looks.
			cond: func(t *testing.T) bool {
				cfg := &samplesv1.Config{}
				err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg)
				return countSamples(t, "") <= total-at(f) || apierrors.IsNotFound(err) || (err == nil && string(cfg.UID) != uid)
			},
			// The old Config goes once its samples are gone; the operator then creates
			// a new default one (Managed) and installs again.
			end: func(t *testing.T) bool {
				return waitFor(func() bool {
					cfg := &samplesv1.Config{}
					return env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg) == nil && string(cfg.UID) != uid
				}) && converged(t, "4.22.0", time.Minute)
			},
			deletion: true,
			ver:      "4.22.0"})
	}
	for i, pt := range points {
		t.Run(fmt.Sprintf("%02d %s at %.0f%%", i, pt.phase, pt.frac*100), func(t *testing.T) {
			pt.before(t)
			p := startProcess(t, pt.ver)
			pt.act(t)
			if !waitFor(func() bool { return pt.cond(t) || p.crashed() }) {
				t.Fatalf("the %s never reached %.0f%%", pt.phase, pt.frac*100)
			}
			if p.crashed() {
				r.crashes++
			}
			p.kill()
			startProcess(t, pt.ver)
			r.runs++
			if pt.end(t) {
				r.converged++
			} else {
				t.Errorf("wrong end state after a kill during %s at %.0f%%", pt.phase, pt.frac*100)
			}
			r.lost += bystandersLost(t)
			if !pt.deletion && !skippedIntact(t) {
				t.Errorf("the skipped image stream %s was changed", skippedStream)
				r.lost++
			}
		})
	}
	record(r)
}
