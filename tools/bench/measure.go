package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: Metadata
`

// settle is how long after convergence the idle window starts: Events are sent
// asynchronously, and the one for the SamplesExist transition may arrive just after it.
const settle = 10 * time.Second

// row is one scenario's figures.
type row struct {
	Scenario string `json:"scenario"`
	Samples  int    `json:"samples"`
	// ContentMiB is the size of the scenario's x86_64 content files.
	ContentMiB     float64 `json:"contentMiB"`
	ForeignObjects int     `json:"foreignObjects"`
	ConvergeSec    float64 `json:"convergeSeconds"`
	// ConvergeCPUSec is the CPU the operator used from its start to convergence: its
	// own work, apart from what else the machine was doing.
	ConvergeCPUSec float64        `json:"convergeCPUSeconds"`
	Writes         int            `json:"writes"`
	WritesByVerb   map[string]int `json:"writesByVerb"`
	IdleSec        float64        `json:"idleSeconds"`
	IdleWrites     int            `json:"idleWrites"`
	IdleByVerb     map[string]int `json:"idleWritesByVerb,omitempty"`
	IdleCPUSec     float64        `json:"idleCPUSeconds"`
	ReadyRSSMiB    float64        `json:"readyRSSMiB"`
	PeakRSSMiB     float64        `json:"peakRSSMiB"`
	SettledRSSMiB  float64        `json:"settledRSSMiB"`
	// SettledAnonMiB and SettledFileMiB split the settled RSS: the heap, stacks and
	// runtime against the binary's mapped pages.
	SettledAnonMiB float64 `json:"settledAnonMiB"`
	SettledFileMiB float64 `json:"settledFileMiB"`
	// HeapInUseMiB and HeapSysMiB are the Go runtime's view after the idle window:
	// spans holding objects, and all heap memory it has from the system.
	HeapInUseMiB float64 `json:"heapInUseMiB"`
	HeapSysMiB   float64 `json:"heapSysMiB"`
	HeapProfile  string  `json:"heapProfile"`
	// PeakAnonMiB is the largest RssAnon sampled (every 50 ms) from start to the end of
	// the idle window; ConvergeFromStartSec the time from the process's start to
	// SamplesExist=True, the figure read against the plain client's.
	PeakAnonMiB          float64  `json:"peakAnonMiB"`
	ConvergeFromStartSec float64  `json:"convergeFromStartSeconds"`
	Floor                floorRow `json:"floor"`
}

// IdleCPUPerMin is the operator's CPU seconds per minute of the idle window.
func (r row) IdleCPUPerMin() float64 {
	if r.IdleSec == 0 {
		return 0
	}
	return r.IdleCPUSec / (r.IdleSec / 60)
}

func measure(s scenario, f flags, floor floorBinaries) (row, error) {
	r := row{Scenario: s.name}
	dir, err := os.MkdirTemp("", "csobench")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	assets := f.assets
	if s.content != nil {
		if assets, err = s.content(dir); err != nil {
			return r, fmt.Errorf("building the content: %w", err)
		}
	}
	var contentBytes int64
	if r.Samples, contentBytes, err = countSamples(assets); err != nil {
		return r, err
	}
	r.ContentMiB = float64(contentBytes) / (1 << 20)
	policy, auditLog := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "audit.log")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return r, err
	}
	env, err := testenv.Start(testenv.Options{APIServerArgs: map[string]string{
		"audit-policy-file": policy, "audit-log-path": auditLog, "audit-log-mode": "blocking",
	}})
	if err != nil {
		return r, err
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: stopping the control plane:", err)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Users' objects first: their image streams are created with their import status
	// already in place, so the fake importer (openshift-apiserver's part) leaves them be.
	if s.prepare != nil {
		start := time.Now()
		if r.ForeignObjects, err = s.prepare(ctx, env); err != nil {
			return r, fmt.Errorf("creating the foreign objects: %w", err)
		}
		fmt.Fprintf(os.Stderr, "   %d foreign objects created in %.0f s\n", r.ForeignObjects, time.Since(start).Seconds())
	}
	reg := fakeimporter.NewRegistry()
	defer reg.Close()
	reg.SetAutoCreate(func(string) bool { return true })
	if _, err := fakeimporter.Start(ctx, env.Config, reg); err != nil {
		return r, err
	}
	// A cluster's pull secret, with registry.redhat.io credentials: every sample installs.
	pull := &corev1.Secret{Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{credentials.SecretKey: []byte(`{"auths":{"registry.redhat.io":{"auth":"YmVuY2g6YmVuY2g="}}}`)}}
	pull.Namespace, pull.Name = credentials.SecretNamespace, credentials.SecretName
	if err := env.Client.Create(ctx, pull); err != nil {
		return r, fmt.Errorf("creating the pull secret: %w", err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig(), 0o600); err != nil {
		return r, err
	}
	if err := warmWatchCaches(ctx, env); err != nil {
		return r, err
	}
	if err := measureFloorManager(ctx, env, floor.manager, kubeconfig, &r.Floor); err != nil {
		return r, fmt.Errorf("the floor manager: %w", err)
	}
	healthAddr, err := testenv.FreeAddress()
	if err != nil {
		return r, err
	}

	cmd := exec.Command(f.operator, "--kubeconfig", kubeconfig, "--assets-dir", assets, "--release-version", "4.99.0-bench",
		"--metrics-bind-address", "0", "--health-probe-bind-address", healthAddr, "--enable-pprof", "--zap-log-level", "error",
		// The benchmark measures installing, not the bootstrap probe (which needs the internet).
		"--registry-probe-address", "")
	goEnv, err := shippedGoEnv()
	if err != nil {
		return r, err
	}
	cmd.Env = append(os.Environ(), goEnv...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return r, fmt.Errorf("starting %s: %w", f.operator, err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
	}
	defer stop()
	pid := cmd.Process.Pid
	anon := sampleAnon(pid)

	// The operator creates the Config itself (bootstrap); time from when it exists.
	var created, converged time.Time
	cfg := &samplesv1.Config{}
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) && converged.IsZero() {
		if r.ReadyRSSMiB == 0 && ready(healthAddr) {
			if r.ReadyRSSMiB, err = procStatusMiB(pid, "VmRSS"); err != nil {
				return r, err
			}
			// What the heap holds at ready and at convergence (near the peak), as of
			// the last collection: no gc=1, which would change what is measured.
			if f.phaseProfiles {
				_ = fetch("http://"+healthAddr+"/debug/pprof/heap", filepath.Join(f.profileDir, "heap-"+s.name+"-ready.pb.gz"))
			}
		}
		err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg)
		if err == nil && created.IsZero() {
			created = time.Now()
		}
		if err == nil && conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist) {
			converged = time.Now()
			if f.phaseProfiles {
				_ = fetch("http://"+healthAddr+"/debug/pprof/heap", filepath.Join(f.profileDir, "heap-"+s.name+"-converged.pb.gz"))
			}
			if r.ConvergeCPUSec, err = cpuSeconds(pid); err != nil {
				return r, err
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if converged.IsZero() {
		return r, fmt.Errorf("no SamplesExist=True within 10 minutes: %+v", cfg.Status.Conditions)
	}
	r.ConvergeSec = converged.Sub(created).Seconds()
	r.ConvergeFromStartSec = converged.Sub(started).Seconds()
	idle := f.idle
	if s.idle != 0 {
		idle = s.idle
	}
	fmt.Fprintf(os.Stderr, "   ready at %.1f MiB RSS; converged in %.2f s; idling %s after %s to settle\n", r.ReadyRSSMiB, r.ConvergeSec, idle, settle)
	time.Sleep(settle) // a window of time is what is measured, not a synchronisation
	idleStart := time.Now()
	cpuStart, err := cpuSeconds(pid)
	if err != nil {
		return r, err
	}
	time.Sleep(idle)
	cpuEnd, err := cpuSeconds(pid)
	if err != nil {
		return r, err
	}
	r.IdleSec, r.IdleCPUSec = time.Since(idleStart).Seconds(), cpuEnd-cpuStart
	if r.PeakRSSMiB, err = procStatusMiB(pid, "VmHWM"); err != nil {
		return r, err
	}
	for field, v := range map[string]*float64{"VmRSS": &r.SettledRSSMiB, "RssAnon": &r.SettledAnonMiB, "RssFile": &r.SettledFileMiB} {
		if *v, err = procStatusMiB(pid, field); err != nil {
			return r, err
		}
	}
	r.HeapProfile = filepath.Join(f.profileDir, "heap-"+s.name+".pb.gz")
	if err := fetch("http://"+healthAddr+"/debug/pprof/heap?gc=1", r.HeapProfile); err != nil {
		return r, fmt.Errorf("heap profile: %w", err)
	}
	if r.HeapInUseMiB, r.HeapSysMiB, err = memStats("http://" + healthAddr + "/debug/pprof/heap?debug=1"); err != nil {
		return r, fmt.Errorf("memory statistics: %w", err)
	}
	r.PeakAnonMiB = anon.peak()
	if r.Writes, r.IdleWrites, r.WritesByVerb, r.IdleByVerb, err = countWrites(auditLog, idleStart); err != nil {
		return r, err
	}
	// The plain client once the operator is gone, so that neither slows the other.
	stop()
	if err := measureFloorClient(floor.client, kubeconfig, assets, &r.Floor); err != nil {
		return r, err
	}
	return r, nil
}

func ready(addr string) bool {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

func fetch(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, resp.Body); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// memStats reads HeapInuse and HeapSys from the runtime.MemStats that the text heap
// profile ends with.
func memStats(url string) (inUse, sys float64, err error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var name string
		var v float64
		if n, _ := fmt.Sscanf(sc.Text(), "# %s = %g", &name, &v); n != 2 {
			continue
		}
		switch name {
		case "HeapInuse":
			inUse = v / (1 << 20)
		case "HeapSys":
			sys = v / (1 << 20)
		}
	}
	if inUse == 0 {
		return 0, 0, fmt.Errorf("no HeapInuse in %s", url)
	}
	return inUse, sys, sc.Err()
}

type auditEvent struct {
	Verb           string    `json:"verb"`
	UserAgent      string    `json:"userAgent"`
	StageTimestamp time.Time `json:"stageTimestamp"`
	ObjectRef      struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
}

var mutating = map[string]bool{"create": true, "update": true, "patch": true, "delete": true, "deletecollection": true}

// countWrites counts the operator's mutating requests before and after idleStart.
func countWrites(path string, idleStart time.Time) (during, after int, byVerb, idleByVerb map[string]int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, nil, nil, err
	}
	defer f.Close()
	byVerb, idleByVerb = map[string]int{}, map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e auditEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil || !mutating[e.Verb] || !strings.HasPrefix(e.UserAgent, "cluster-samples-operator/") {
			continue
		}
		key := e.Verb + " " + e.ObjectRef.Resource
		if e.ObjectRef.Subresource != "" {
			key += "/" + e.ObjectRef.Subresource
		}
		if e.StageTimestamp.After(idleStart) {
			after++
			idleByVerb[key]++
			continue
		}
		during++
		byVerb[key]++
	}
	return during, after, byVerb, idleByVerb, sc.Err()
}

// procStatusMiB reads a memory line (VmRSS, VmHWM) of /proc/<pid>/status.
func procStatusMiB(pid int, field string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var kib int
			_, err := fmt.Sscanf(v, "%d", &kib)
			return float64(kib) / 1024, err
		}
	}
	return 0, fmt.Errorf("no %s for pid %d", field, pid)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times; 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// cpuSeconds is the user plus system CPU time a process has used.
func cpuSeconds(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after its ')' are fixed.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err := strconv.ParseFloat(fields[11], 64)
	if err != nil {
		return 0, err
	}
	stime, err := strconv.ParseFloat(fields[12], 64)
	if err != nil {
		return 0, err
	}
	return (utime + stime) / clockTicks, nil
}
