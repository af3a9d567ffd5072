// Package dashboard reads the console dashboard the install ships and parses its
// queries with Prometheus's PromQL parser (hack/tools/promql), for the tests that check
// it: this package's, and test/shipped's scrape of the running operator.
package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// Manifest is the dashboard's file in manifests/.
const Manifest = "0000_90_cluster-samples-operator_03-dashboard.yaml"

// Dashboard is the part of a Grafana dashboard the console reads.
type Dashboard struct {
	Title  string  `json:"title"`
	Panels []Panel `json:"panels"`
}

// Panel is one panel with its queries.
type Panel struct {
	ID      int    `json:"id"`
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
	} `json:"targets"`
}

// ReadConfigMap reads the dashboard ConfigMap of a manifest file.
func ReadConfigMap(path string) (*corev1.ConfigMap, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.Unmarshal(data, cm); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cm, nil
}

// Parse reads the one dashboard a ConfigMap holds.
func Parse(cm *corev1.ConfigMap) (string, *Dashboard, error) {
	if len(cm.Data) != 1 {
		return "", nil, fmt.Errorf("ConfigMap %s holds %d keys, want one dashboard", cm.Name, len(cm.Data))
	}
	for key, text := range cm.Data {
		d := &Dashboard{}
		dec := json.NewDecoder(strings.NewReader(text))
		if err := dec.Decode(d); err != nil {
			return key, nil, fmt.Errorf("%s: %w", key, err)
		}
		return key, d, nil
	}
	return "", nil, nil
}

// Shipped is the dashboard of manifests/.
func Shipped() (*Dashboard, error) {
	cm, err := ReadConfigMap(filepath.Join(testenv.RepoRoot(), "manifests", Manifest))
	if err != nil {
		return nil, err
	}
	_, d, err := Parse(cm)
	return d, err
}

// Exprs lists every query of the dashboard.
func (d *Dashboard) Exprs() []string {
	var out []string
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			out = append(out, t.Expr)
		}
	}
	return out
}

// Parsed is what the PromQL parser made of one expression.
type Parsed struct {
	Expr    string   `json:"expr"`
	Metrics []string `json:"metrics"`
	Error   string   `json:"error"`
}

// ParseQueries parses exprs with Prometheus's parser (hack/tools/promql, built once
// into the Go build cache).
func ParseQueries(exprs []string) ([]Parsed, error) {
	in, err := json.Marshal(exprs)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = filepath.Join(testenv.RepoRoot(), "hack", "tools", "promql")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("hack/tools/promql: %v: %s", err, stderr.String())
	}
	var parsed []Parsed
	if err := json.Unmarshal(out, &parsed); err != nil {
		return nil, err
	}
	if len(parsed) != len(exprs) {
		return nil, fmt.Errorf("hack/tools/promql answered %d of %d expressions", len(parsed), len(exprs))
	}
	return parsed, nil
}

// MetricNames are the metrics the shipped dashboard's queries select.
func MetricNames() ([]string, error) {
	d, err := Shipped()
	if err != nil {
		return nil, err
	}
	parsed, err := ParseQueries(d.Exprs())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, p := range parsed {
		if p.Error != "" {
			return nil, fmt.Errorf("%q: %s", p.Expr, p.Error)
		}
		for _, m := range p.Metrics {
			if !seen[m] {
				seen[m] = true
				names = append(names, m)
			}
		}
	}
	return names, nil
}
