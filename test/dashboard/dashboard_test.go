package dashboard

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/openshift/cluster-samples-operator/internal/metrics"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// standard are the metrics of client_golang's process and Go collectors and of
// controller-runtime that the dashboard may use besides the operator's own;
// test/shipped finds every one in a scrape of the running operator.
var standard = []string{"process_resident_memory_bytes", "go_memstats_heap_inuse_bytes", "controller_runtime_reconcile_total"}

func TestDashboardIsShippedWhereTheConsoleReadsIt(t *testing.T) {
	root := testenv.RepoRoot()
	cm, err := ReadConfigMap(filepath.Join(root, "manifests", Manifest))
	if err != nil {
		t.Fatal(err)
	}
	if cm.Namespace != "openshift-config-managed" || cm.Labels["console.openshift.io/dashboard"] != "true" {
		t.Errorf("dashboard ConfigMap %s/%s labels %v; the console reads openshift-config-managed, label console.openshift.io/dashboard=true",
			cm.Namespace, cm.Name, cm.Labels)
	}
	if cm.Annotations["include.release.openshift.io/self-managed-high-availability"] != "true" {
		t.Errorf("annotations %v: the release would not include it", cm.Annotations)
	}
	bundled, err := ReadConfigMap(filepath.Join(root, "bundle", "manifests", "samples-operator-dashboard_v1_configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(bundled.Data, cm.Data) || bundled.Labels["console.openshift.io/dashboard"] != "true" {
		t.Error("the bundle's dashboard differs from manifests/")
	}
	key, d, err := Parse(cm)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(key, ".json") || d.Title == "" {
		t.Errorf("key %q, title %q", key, d.Title)
	}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] || p.Title == "" || len(p.Targets) == 0 || !slices.Contains([]string{"graph", "singlestat", "table"}, p.Type) {
			t.Errorf("panel %d %q (%s): duplicate id, no title, no query or a type the console does not draw", p.ID, p.Title, p.Type)
		}
		ids[p.ID] = true
	}
	// What the issue asked the dashboard to show.
	for _, want := range []string{"Failing image streams", "Import retries per image stream", "Management state", "Degraded",
		"Invalid configuration", "Missing credentials", "Operator memory", "Reconciles per second"} {
		if !slices.ContainsFunc(d.Panels, func(p Panel) bool { return strings.HasPrefix(p.Title, want) }) {
			t.Errorf("no panel %q", want)
		}
	}
}

func TestDashboardQueriesParseAndNameExportedMetrics(t *testing.T) {
	d, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseQueries(d.Exprs())
	if err != nil {
		t.Fatal(err)
	}
	allowed := slices.Concat(metrics.Names, standard)
	names := map[string]bool{}
	for _, p := range parsed {
		if p.Error != "" {
			t.Errorf("%q: %s", p.Expr, p.Error)
		}
		if len(p.Metrics) == 0 && p.Error == "" {
			t.Errorf("%q selects no metric", p.Expr)
		}
		for _, m := range p.Metrics {
			names[m] = true
			if !slices.Contains(allowed, m) {
				t.Errorf("%q uses %s, which the operator does not export", p.Expr, m)
			}
		}
	}
	// The parser rejects what the console's Prometheus would.
	if bad, err := ParseQueries([]string{"sum(rate(x[5m])", "openshift_samples_degraded_info{"}); err != nil || bad[0].Error == "" || bad[1].Error == "" {
		t.Errorf("malformed queries accepted: %+v %v", bad, err)
	}
	t.Logf("%d panels, %d queries parsed, %d metrics named", len(d.Panels), len(parsed), len(names))
}

// panelExpr is the query of a panel's target, found by title, so that the evaluation
// below runs the dashboard's own queries.
// replicaSeries are the series one replica exports in TestKeyPanelsEvaluate; only the
// leader counts retries.
func replicaSeries(pod string) []map[string]string {
	series := func(s, v string) map[string]string {
		labels := `namespace="openshift-cluster-samples-operator",pod="cluster-samples-operator-` + pod + `"`
		if strings.HasSuffix(s, "}") {
			s = strings.TrimSuffix(s, "}") + "," + labels + "}"
		} else {
			s += "{" + labels + "}"
		}
		return map[string]string{"series": s, "values": v}
	}
	out := []map[string]string{
		series(`openshift_samples_failed_imagestream_import_info{name="ruby"}`, "1x120"),
		series(`openshift_samples_failed_imagestream_import_info{name="python"}`, "0x60 1x60"),
		series(`openshift_samples_failed_imagestream_import_info{name="perl"}`, "0x120"),
		series(`openshift_samples_management_state_info{state="Managed"}`, "1x120"),
		series(`openshift_samples_management_state_info{state="Removed"}`, "0x120"),
		series(`openshift_samples_management_state_info{state="Unmanaged"}`, "0x120"),
		series(`openshift_samples_degraded_info`, "0x120"),
		series(`openshift_samples_invalidconfig_info`, "0x120"),
		series(`openshift_samples_invalidsecret_info{reason="missing_secret"}`, "0x120"),
		series(`openshift_samples_invalidsecret_info{reason="missing_tbr_credential"}`, "1x120"),
		series(`openshift_samples_content_info{architecture="x86_64",source="built-in",imagestreams="50",templates="50"}`, "1x120"),
	}
	if pod == "a" {
		out = append(out, series(`openshift_samples_retry_imagestream_import_total{imagestreamname="ruby"}`, "0+1x120"))
	}
	return out
}

func panelExpr(t *testing.T, d *Dashboard, title string, target int) string {
	t.Helper()
	for _, p := range d.Panels {
		if p.Title == title && target < len(p.Targets) {
			return p.Targets[target].Expr
		}
	}
	t.Fatalf("no panel %q with target %d", title, target)
	return ""
}

// TestKeyPanelsEvaluate runs the key panels' queries with promtool on series like the
// alert rule tests': two of three streams failing, ruby retried every minute, Managed,
// no registry.redhat.io credentials.
func TestKeyPanelsEvaluate(t *testing.T) {
	promtool := os.Getenv("PROMTOOL")
	if promtool == "" {
		t.Skip("PROMTOOL is not set: run `make test`, or PROMTOOL=$(hack/promtool.sh) go test ./test/dashboard")
	}
	d, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	type sample struct {
		Labels string  `json:"labels"`
		Value  float64 `json:"value"`
	}
	type exprTest struct {
		Expr       string   `json:"expr"`
		EvalTime   string   `json:"eval_time"`
		ExpSamples []sample `json:"exp_samples"`
	}
	check := func(title string, target int, want ...sample) exprTest {
		return exprTest{Expr: panelExpr(t, d, title, target), EvalTime: "90m", ExpSamples: want}
	}
	file := map[string]any{
		"rule_files":          []string{filepath.Join(testenv.RepoRoot(), "config", "prometheus", "rules.yaml")},
		"evaluation_interval": "1m",
		"tests": []map[string]any{{
			"interval": "1m",
			// Both replicas export the same gauges (test/shipped shows it): every panel
			// counts once.
			"input_series": slices.Concat(replicaSeries("a"), replicaSeries("b")),
			"promql_expr_test": []exprTest{
				check("Managed (1 = yes)", 0, sample{"{}", 1}),
				check("Failing image streams", 0, sample{`{name="python"}`, 1}, sample{`{name="ruby"}`, 1}),
				check("Failing image streams", 1, sample{"{}", 2}),
				check("Samples served", 0, sample{"{}", 1}),
				check("Import retries per image stream (per hour)", 0, sample{`{imagestreamname="ruby"}`, 60}),
				check("Management state", 0, sample{`{state="Managed"}`, 1}),
				check("Missing credentials", 0, sample{"{}", 1}),
				check("Degraded, invalid configuration, missing credentials", 2,
					sample{`{reason="missing_secret"}`, 0}, sample{`{reason="missing_tbr_credential"}`, 1}),
			},
		}},
	}
	data, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard_test.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "test", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s\n%s", err, out, data)
	}
	t.Logf("promtool: %s", strings.TrimSpace(string(out)))
}
