// Command bench measures the operator against a real control plane, one fresh control
// plane per scenario: time from Config creation to SamplesExist=True, mutating API
// requests during convergence and during an idle window after it, the CPU the operator
// uses while idle, and its resident memory (at ready, peak, and after the idle window).
// Requests are counted from kube-apiserver's audit log, by the operator binary's user
// agent, not by the operator itself. Each scenario also saves a heap profile, taken
// from the operator's /debug/pprof on its health port.
//
// Scenarios:
//
//	real            the real samples tree (x86_64)
//	foreign         the same, with 5,000 foreign image streams and 2,000 foreign templates
//	                in openshift, and 5,000 ConfigMaps and 5,000 Secrets elsewhere
//	synthetic-500   content of 500 samples built from the real tree's shapes
//	synthetic-2000  the same with 2,000 samples
//	idle            the real tree with a long idle window that spans a cache resync
//
//	go run ./tools/bench --operator bin/cluster-samples-operator --assets-dir ../shared/corpus/ocp
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

type flags struct {
	operator, assets, jsonOut, profileDir string
	idle, longIdle                        time.Duration
	scenarios                             string
	// phaseProfiles also saves heap profiles at ready and at convergence. Writing a
	// profile allocates in the operator (a few MiB near the peak), so it is off
	// unless asked for: the figures are then the operator's alone.
	phaseProfiles bool
}

func main() {
	var f flags
	flag.StringVar(&f.operator, "operator", "bin/cluster-samples-operator", "Operator binary.")
	flag.StringVar(&f.assets, "assets-dir", filepath.Join("..", "shared", "corpus", "ocp"), "The real samples content tree.")
	flag.DurationVar(&f.idle, "idle", time.Minute, "Idle window after convergence, in every scenario but idle.")
	flag.DurationVar(&f.longIdle, "long-idle", 12*time.Minute, "Idle window of the idle scenario (spans the 10-minute cache resync).")
	flag.StringVar(&f.scenarios, "scenarios", "real,foreign,synthetic-500,synthetic-2000,idle", "Comma-separated scenarios to run, in order.")
	flag.StringVar(&f.jsonOut, "json", "bench.json", "Write the rows here as JSON; empty skips it.")
	flag.StringVar(&f.profileDir, "profile-dir", filepath.Join(os.TempDir(), "csobench-profiles"), "Save each scenario's heap profile here.")
	flag.BoolVar(&f.phaseProfiles, "phase-profiles", false, "Also save heap profiles at ready and at convergence (this adds the profiler's own allocations to the peak).")
	flag.Parse()
	logf.SetLogger(zap.New(zap.Level(zapcore.ErrorLevel)))
	if err := run(f); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(f flags) error {
	if _, err := os.Stat(f.assets); err != nil {
		return fmt.Errorf("content tree %s: %w", f.assets, err)
	}
	if err := os.MkdirAll(f.profileDir, 0o755); err != nil {
		return err
	}
	floorDir, err := os.MkdirTemp("", "csobench-floor")
	if err != nil {
		return err
	}
	defer os.RemoveAll(floorDir)
	floor, err := buildFloor(floorDir)
	if err != nil {
		return err
	}
	var rows []row
	for _, name := range strings.Split(f.scenarios, ",") {
		s, err := scenarioNamed(strings.TrimSpace(name), f)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "== %s: %s\n", s.name, s.description)
		r, err := measure(s, f, floor)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s.name, err)
		}
		rows = append(rows, r)
	}
	printTable(os.Stdout, rows)
	if f.jsonOut != "" {
		data, err := json.MarshalIndent(report{Operator: f.operator, Content: f.assets, Taken: time.Now().UTC(), Rows: rows}, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.jsonOut, append(data, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Printf("\nrows written to %s; heap profiles in %s\n", f.jsonOut, f.profileDir)
	}
	return nil
}

// report is bench.json: two runs' files compare row by row.
type report struct {
	Operator string    `json:"operator"`
	Content  string    `json:"content"`
	Taken    time.Time `json:"taken"`
	Rows     []row     `json:"rows"`
}
