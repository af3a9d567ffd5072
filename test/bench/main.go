// Command bench measures the operator against a real control plane with the real
// OpenShift samples content: time from Config creation to SamplesExist=True, mutating
// API requests during convergence and during an idle window after it, and the
// operator's peak RSS. Requests are counted from kube-apiserver's audit log, by the
// operator binary's user agent, not by the operator itself.
//
//	go run ./test/bench --operator bin/cluster-samples-operator --assets-dir ../shared/corpus/ocp
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	corev1 "k8s.io/api/core/v1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: Metadata
`

func main() {
	operator := flag.String("operator", "bin/cluster-samples-operator", "Operator binary.")
	assets := flag.String("assets-dir", filepath.Join("..", "shared", "corpus", "ocp"), "Samples content tree.")
	idle := flag.Duration("idle", 2*time.Minute, "Idle window after convergence.")
	flag.Parse()
	if err := run(*operator, *assets, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(operator, assets string, idle time.Duration) error {
	logf.SetLogger(zap.New(zap.Level(zapcore.ErrorLevel)))
	if _, err := os.Stat(assets); err != nil {
		return fmt.Errorf("content tree %s: %w", assets, err)
	}
	dir, err := os.MkdirTemp("", "csobench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	policy, auditLog := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "audit.log")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return err
	}
	env, err := testenv.Start(testenv.Options{APIServerArgs: map[string]string{
		"audit-policy-file": policy, "audit-log-path": auditLog, "audit-log-mode": "blocking",
	}})
	if err != nil {
		return err
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: stopping the control plane:", err)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := fakeimporter.NewRegistry()
	defer reg.Close()
	reg.SetAutoCreate(func(string) bool { return true })
	if _, err := fakeimporter.Start(ctx, env.Config, reg); err != nil {
		return err
	}
	// A cluster's pull secret, with registry.redhat.io credentials: every sample installs.
	pull := &corev1.Secret{Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{".dockerconfigjson": []byte(`{"auths":{"registry.redhat.io":{"auth":"YmVuY2g6YmVuY2g="}}}`)}}
	pull.Namespace, pull.Name = "openshift-config", "pull-secret"
	if err := env.Client.Create(ctx, pull); err != nil {
		return fmt.Errorf("creating the pull secret: %w", err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig(), 0o600); err != nil {
		return err
	}

	cmd := exec.Command(operator, "--kubeconfig", kubeconfig, "--assets-dir", assets, "--release-version", "4.99.0-bench",
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0", "--zap-log-level", "error",
		// The benchmark measures installing, not the bootstrap probe (which needs the internet).
		"--registry-probe-address", "")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", operator, err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()

	// The operator creates the Config itself (bootstrap); time from when it exists.
	var created, converged time.Time
	cfg := &samplesv1.Config{}
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg)
		if err == nil && created.IsZero() {
			created = time.Now()
		}
		if err == nil && conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist) {
			converged = time.Now()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if converged.IsZero() {
		return fmt.Errorf("no SamplesExist=True within 5 minutes: %+v", cfg.Status.Conditions)
	}
	// Events are sent asynchronously: the one for the SamplesExist transition may reach
	// the API server just after it. The idle window starts once that has settled.
	idleStart := converged.Add(settle)
	fmt.Fprintf(os.Stderr, "converged; idling %s after %s to settle\n", idle, settle)
	time.Sleep(settle + idle) // the idle window itself is what is measured
	rss, err := peakRSS(cmd.Process.Pid)
	if err != nil {
		return err
	}
	during, after, byVerb, idleByVerb, err := countWrites(auditLog, idleStart)
	if err != nil {
		return err
	}
	fmt.Printf("content:                                   %s (x86_64)\n", assets)
	fmt.Printf("Config creation to SamplesExist=True:      %.2f s\n", converged.Sub(created).Seconds())
	fmt.Printf("mutating requests during convergence:      %d %v\n", during, byVerb)
	fmt.Printf("mutating requests during %s idle:        %d %v\n", idle, after, idleByVerb)
	fmt.Printf("operator peak RSS:                         %.1f MiB\n", float64(rss)/1024)
	return nil
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

// settle is how long after convergence the idle window starts.
const settle = 10 * time.Second

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

func peakRSS(pid int) (kib int, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			_, err := fmt.Sscanf(strings.TrimPrefix(line, "VmHWM:"), "%d", &kib)
			return kib, err
		}
	}
	return 0, fmt.Errorf("no VmHWM for pid %d", pid)
}
