package shipped

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	imagev1 "github.com/openshift/api/image/v1"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/cli"
	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/diagnose"
	"github.com/openshift/cluster-samples-operator/internal/imagestream"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// TestSignalMatrix walks one shipped install (both replicas, the Deployment's args, env,
// RBAC and probes; the only substitution beyond the shipped harness's is a 5 s registry
// probe timeout, for the unreachable registry at bootstrap) through every state an
// administrator meets. In each it scrapes every replica's /metrics as cluster
// monitoring, evaluates the shipped alerting rules over the scraped series held past
// every rule's for: with promtool (gauges constant, a retried stream's counter growing
// once per retry interval, as the operator retries it), and asserts that exactly the
// row's alerts fire, once each, that each failing stream is named once, that the
// replicas export the same state, and that the Config, the ClusterOperator and the
// status command (its JSON, run as an administrator would) say the same.
func TestSignalMatrix(t *testing.T) {
	promtool := os.Getenv("PROMTOOL")
	if promtool == "" {
		t.Skip("PROMTOOL is not set: run `make test`, or PROMTOOL=$(hack/promtool.sh) go test ./test/shipped")
	}
	m := newMatrix(t, promtool, false)
	ctx := context.Background()

	m.state("healthy install", nil, m.settled(nil))

	m.failStreams("python")
	m.state("one stream failing", []string{verdict.AlertImportFailing}, m.settled([]string{"python"}))
	m.failStreams("perl")
	m.state("two streams failing", []string{verdict.AlertImportFailing}, m.settled([]string{"perl", "python"}))
	m.healStreams()

	alias, target := m.aliasStream()
	m.failTag(alias, target)
	m.state("a failing alias tag ("+alias+")", []string{verdict.AlertImportFailing}, m.settled([]string{alias}))
	m.healStreams()

	m.refuse("refuse-import-retries", "imagestreamimports", "false", "ImageStreamImport")
	m.failStreams("php")
	m.state("retries refused by the API", []string{verdict.AlertRetriesMissing}, m.settled([]string{"php"}))
	m.allow("refuse-import-retries")
	m.healStreams()

	img := &configv1.Image{ObjectMeta: metav1.ObjectMeta{Name: "cluster"},
		Spec: configv1.ImageSpec{RegistrySources: configv1.RegistrySources{BlockedRegistries: []string{"registry.redhat.io"}}}}
	must(t, env.Client.Create(ctx, img))
	m.state("image configuration forbids the registry", []string{verdict.AlertDegraded, verdict.AlertInvalidConfig},
		m.invalid(verdict.ReasonImportForbidden, clusteroperator.ReasonInvalidConfiguration))
	must(t, env.Client.Delete(ctx, img))
	m.waitHealthy()

	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"s390x"} })
	m.state("architecture changed while Managed", []string{verdict.AlertDegraded, verdict.AlertInvalidConfig},
		m.invalid(verdict.ReasonArchitectureChanged, clusteroperator.ReasonInvalidConfiguration))
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"sparc"} })
	// As the stock operator: Available, not Degraded, so upgrades are not blocked; the
	// invalid Config still says so.
	m.state("unsupported architecture", []string{verdict.AlertInvalidConfig},
		m.invalid(verdict.ReasonUnsupportedArchitecture, ""))
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.Architectures = []string{samplesv1.X86Architecture} })
	m.waitHealthy()

	testenv.SetPullSecret(t, env.Client, false)
	m.state("pull secret missing", []string{verdict.AlertMissingSecret}, m.credentials(verdict.ReasonMissingSecret))
	m.setPullSecret(`{"auths":{"quay.io":{"auth":"eDp5"}}}`)
	m.state("pull secret without registry.redhat.io", []string{verdict.AlertMissingTBR}, m.credentials(verdict.ReasonMissingTBRCredential))
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "mirror.example.com" })
	m.state("samplesRegistry set, pull secret without registry.redhat.io", nil, func(o *observed) (bool, string) {
		ok, why := m.settled(nil)(o)
		return ok && o.cfg.Status.SamplesRegistry == "mirror.example.com", why + " registry " + o.cfg.Status.SamplesRegistry
	})
	testenv.SetPullSecret(t, env.Client, true)
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "" })
	m.waitHealthy()

	// A write the API server refuses: Progressing, then Degraded once refused for ten
	// minutes (the start of the refusal, SamplesExist's lastTransitionTime, is backdated
	// rather than waited for).
	m.refuse("refuse-httpd", "imagestreams", "object.metadata.name != 'httpd'", "ImageStream")
	m.deleteStream("httpd")
	refused := func(degraded bool) func(o *observed) (bool, string) {
		return func(o *observed) (bool, string) {
			c := conditions.Get(o.cfg.Status.Conditions, samplesv1.SamplesExist)
			deg := clusteroperator.Condition(o.co, configv1.OperatorDegraded)
			ok := c != nil && c.Status == corev1.ConditionUnknown && strings.HasPrefix(c.Reason, clusteroperator.APIServerErrorPrefix) &&
				deg != nil && (deg.Status == configv1.ConditionTrue) == degraded && (!degraded || deg.Reason == c.Reason)
			return ok, fmt.Sprintf("SamplesExist %+v, Degraded %+v", c, deg)
		}
	}
	m.state("writes refused for less than 10 minutes", nil, refused(false))
	m.backdateSamplesExist(11 * time.Minute)
	m.state("writes refused for more than 10 minutes", []string{verdict.AlertDegraded}, refused(true))
	m.allow("refuse-httpd")
	m.poke()
	m.waitHealthy()

	m.failStreams("python")
	m.settle("python failing before the kill", m.settled([]string{"python"}))
	m.state("the leader killed while imports fail", []string{verdict.AlertImportFailing}, m.settled([]string{"python"}), withFailover())
	m.healStreams()

	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	m.state("Removed", nil, m.inState(samplesv1.Removed, "CurrentlyRemoved"))
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Unmanaged })
	m.state("Unmanaged", nil, m.inState(samplesv1.Unmanaged, "CurrentlyUnmanaged"))
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	m.waitHealthy()

	// The Config deleted while something else (a backup tool, say) holds it.
	const hold = "matrix.test/hold"
	m.editConfigMeta(func(c *samplesv1.Config) { c.Finalizers = append(c.Finalizers, hold) })
	must(t, env.Client.Delete(ctx, &samplesv1.Config{ObjectMeta: metav1.ObjectMeta{Name: samplesv1.ConfigName}}))
	m.state("Config being deleted", nil, func(o *observed) (bool, string) {
		p := clusteroperator.Condition(o.co, configv1.OperatorProgressing)
		return !o.cfg.DeletionTimestamp.IsZero() && !slices.Contains(o.cfg.Finalizers, samplesv1.ConfigFinalizer) &&
			p != nil && p.Reason == clusteroperator.ReasonDeletionInProgress, fmt.Sprintf("finalizers %v, Progressing %+v", o.cfg.Finalizers, p)
	})
	m.editConfigMeta(func(c *samplesv1.Config) {
		c.Finalizers = slices.DeleteFunc(c.Finalizers, func(f string) bool { return f == hold })
	})
	m.waitHealthy()

	// A new cluster whose registry cannot be reached: the Config bootstraps Removed.
	m.setClusterProxy("http://" + testenv.FreeAddr(t))
	m.deleteConfig()
	m.state("registry unreachable at bootstrap", []string{verdict.AlertTBRInaccessible}, m.bootstrapRemoved)
	m.setClusterProxy(m.proxyURL)
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	m.waitHealthy()

	m.print()
}

// matrix is the shared install the states are walked on.
type matrix struct {
	t        *testing.T
	promtool string
	in       installation
	replicas []*replica
	started  int
	token    string
	inv      *content.Set
	streams  map[string]*unstructured.Unstructured // inv's image streams, parsed
	// failing are the images the registry refuses to have (and deleted).
	failing    map[string]bool
	brokenSets []string
	adminKube  string
	proxyURL   string
	rows       []matrixRow
}

type matrixRow struct {
	state, config, operator, metrics, alerts, status string
}

// newMatrix installs the operator as shipped and waits until it has installed the
// samples; with disconnected, on a cluster that reaches no registry (the bootstrap probe
// fails, the importer reaches only the hosts it is given later), it waits until the
// Config bootstraps Removed instead.
func newMatrix(t *testing.T, promtool string, disconnected bool) *matrix {
	m := &matrix{t: t, promtool: promtool, failing: map[string]bool{}}
	m.in = fromManifests(t)
	clusterAround(t)
	p := &configv1.Proxy{}
	must(t, env.Client.Get(context.Background(), client.ObjectKey{Name: "cluster"}, p))
	m.proxyURL = p.Status.HTTPSProxy
	if disconnected {
		m.setClusterProxy("http://" + testenv.FreeAddr(t))
		importer.Disconnect(true)
		t.Cleanup(func() { importer.Disconnect(false) })
	}
	images.SetAutoCreate(func(ref string) bool { return !m.failing[ref] })
	t.Cleanup(func() {
		// The package's other tests expect failingImage's images to fail: those this
		// test let the registry create are deleted.
		images.SetAutoCreate(func(ref string) bool { return !strings.Contains(ref, failingImage) })
		for _, name := range m.inv.ImageStreamNames() {
			for _, ref := range m.refsOf(name, "") {
				if strings.Contains(ref, failingImage) {
					_ = images.Delete(context.Background(), ref)
				}
			}
		}
	})
	m.in.apply(t)
	t.Cleanup(func() { cleanup(t, m.in) })
	inv, err := content.Load(os.DirFS(samplesTree))
	must(t, err)
	m.inv, _ = inv.For(samplesv1.X86Architecture)
	m.streams = testenv.Parsed(t, m.inv.ImageStreams)
	m.adminKube = env.AdminKubeconfig(t, t.TempDir())
	m.token = serviceAccountToken(t, monitoringNamespace, "prometheus-k8s")
	for range 2 {
		m.startReplica()
	}
	m.waitReady()
	if disconnected {
		m.settle("bootstrapped Removed", m.bootstrapRemoved)
	} else {
		waitInstalled(t, m.version())
	}
	return m
}

// bootstrapRemoved: the Config started Removed because registry.redhat.io was out of
// reach.
func (m *matrix) bootstrapRemoved(o *observed) (bool, string) {
	a := clusteroperator.Condition(o.co, configv1.OperatorAvailable)
	return o.cfg.Status.ManagementState == samplesv1.Removed && a != nil && a.Reason == clusteroperator.ReasonTBRUnreachable,
		fmt.Sprintf("state %s, Available %+v", o.cfg.Status.ManagementState, a)
}

func (m *matrix) version() string {
	for _, e := range m.in.deployment.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "RELEASE_VERSION" {
			return e.Value
		}
	}
	return ""
}

func (m *matrix) startReplica() *replica {
	r := m.in.start(m.t, fmt.Sprintf("replica-%d", m.started), substitutions{probeTimeout: "5s"})
	m.started++
	m.replicas = append(m.replicas, r)
	return r
}

func (m *matrix) waitReady() {
	m.t.Helper()
	c := m.in.deployment.Spec.Template.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	metricsPort, healthPort := binaryDefaults(m.t)
	testenv.EventuallyWithin(m.t, 60*time.Second, "the replicas Ready", func() (bool, string) {
		for _, r := range m.running() {
			if err := r.probe(c.ReadinessProbe, ports, map[int32]string{metricsPort: r.metricsAddr, healthPort: r.healthAddr}); err != nil {
				return false, r.name + ": " + err.Error()
			}
		}
		return true, ""
	})
}

// observed is one look at everything an administrator reads.
type observed struct {
	cfg     *samplesv1.Config
	co      *configv1.ClusterOperator
	failing []diagnose.FailingStream
	// scrapes are each running replica's parsed /metrics, by replica name.
	scrapes map[string]map[string]*familySamples
}

// familySamples are one family's samples: labels (sorted k="v" list) → value.
type familySamples struct {
	counter bool
	samples map[string]float64
}

func (m *matrix) observe() (*observed, error) {
	ctx := context.Background()
	o := &observed{cfg: &samplesv1.Config{}, co: &configv1.ClusterOperator{}, scrapes: map[string]map[string]*familySamples{}}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, o.cfg); err != nil {
		return nil, err
	}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: clusteroperator.Name}, o.co); err != nil {
		return nil, err
	}
	cms := &corev1.ConfigMapList{}
	if err := env.Client.List(ctx, cms, client.InNamespace(m.in.namespace), client.MatchingLabels{samplesv1.ImportErrorLabel: "true"}); err != nil {
		return nil, err
	}
	for _, cm := range cms.Items {
		last, _ := time.Parse(time.RFC3339, cm.Annotations[samplesv1.LastRetryAnnotation])
		o.failing = append(o.failing, diagnose.FailingStream{Name: cm.Name, Tags: cm.Data, LastRetry: last})
	}
	for _, r := range m.running() {
		code, body, err := r.scrape(m.token)
		if err != nil || code != 200 {
			return nil, fmt.Errorf("scraping %s: %d %v", r.name, code, err)
		}
		fams, err := parseScrape(body)
		if err != nil {
			return nil, fmt.Errorf("parsing %s's scrape: %w", r.name, err)
		}
		o.scrapes[r.name] = fams
	}
	return o, nil
}

func (m *matrix) running() []*replica {
	var out []*replica
	for _, r := range m.replicas {
		select {
		case <-r.exited:
		default:
			out = append(out, r)
		}
	}
	return out
}

// parseScrape keeps the operator's own families.
func parseScrape(body string) (map[string]*familySamples, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	out := map[string]*familySamples{}
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "openshift_samples_") {
			continue
		}
		f := &familySamples{counter: mf.GetType().String() == "COUNTER", samples: map[string]float64{}}
		for _, s := range mf.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			v := s.GetGauge().GetValue()
			if f.counter {
				v = s.GetCounter().GetValue()
			}
			f.samples[strings.Join(labels, ",")] = v
		}
		out[name] = f
	}
	return out, nil
}

// stateGauges are a scrape's gauges, as one comparable string.
func stateGauges(fams map[string]*familySamples) string {
	var out []string
	for name, f := range fams {
		if f.counter {
			continue
		}
		for l, v := range f.samples {
			out = append(out, fmt.Sprintf("%s{%s}=%v", name, l, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// settle polls until ready holds on what is observed, and every replica exports the
// same state.
func (m *matrix) settle(what string, ready func(*observed) (bool, string)) *observed {
	m.t.Helper()
	var o *observed
	testenv.EventuallyWithin(m.t, 120*time.Second, what, func() (bool, string) {
		var err error
		if o, err = m.observe(); err != nil {
			return false, err.Error()
		}
		if ok, why := ready(o); !ok {
			return false, why
		}
		var first, firstName string
		for name, fams := range o.scrapes {
			g := stateGauges(fams)
			if first == "" {
				first, firstName = g, name
			} else if g != first {
				return false, fmt.Sprintf("the replicas disagree:\n%s: %s\n%s: %s", firstName, first, name, g)
			}
		}
		return true, ""
	})
	return o
}

type stateOption func(*stateRun)

type stateRun struct{ failover bool }

// withFailover kills the leader after the first look (SIGKILL: the Lease is not
// released), waits for the standby to lead and a replacement to start, and looks
// again; the rules are evaluated over both looks, the dead replica's series ending at
// the kill.
func withFailover() stateOption { return func(r *stateRun) { r.failover = true } }

// state reaches a row of the matrix: it waits until ready holds and the replicas
// agree, evaluates the shipped rules over the scrapes, and checks every view.
func (m *matrix) state(name string, want []string, ready func(*observed) (bool, string), opts ...stateOption) {
	m.t.Helper()
	var run stateRun
	for _, o := range opts {
		o(&run)
	}
	sort.Strings(want)
	o := m.settle(name, ready)
	leader := m.leader()
	timeline := []look{{at: 0, o: o, leader: leader.name}}
	if run.failover {
		_ = leader.cmd.Process.Signal(syscall.SIGKILL)
		<-leader.exited
		m.startReplica()
		m.waitReady()
		after := m.settle(name+", after the failover", func(o *observed) (bool, string) {
			ok, why := ready(o)
			newLeader := m.leader()
			// The new leader's import controller has taken the failing streams over:
			// its retry counter exists.
			_, has := o.scrapes[newLeader.name]["openshift_samples_retry_imagestream_import_total"]
			return ok && has, fmt.Sprintf("%s; new leader %s has the retry counter %v", why, newLeader.name, has)
		})
		timeline = append(timeline, look{at: 60, o: after, leader: m.leader().name})
	}

	// Every view: the Config and ClusterOperator the operator wrote, the verdict read
	// from them, the shipped rules over the scraped series, the status command.
	_, fromAPI := diagnose.Signals(diagnose.Inputs{Config: o.cfg, ClusterOperator: o.co, Failing: o.failing, Now: time.Now()})
	if !slices.Equal(fromAPI, want) {
		m.t.Errorf("%s: the Config and ClusterOperator raise %v, want %v", name, fromAPI, want)
	}
	fired, named := m.evaluate(name, timeline)
	if !slices.Equal(fired, want) {
		m.t.Errorf("%s: the shipped rules fire %v over the scraped series, want %v", name, fired, want)
	}
	var failingNames []string
	if o.cfg.Status.ManagementState == samplesv1.Managed {
		for _, f := range o.failing {
			failingNames = append(failingNames, f.Name)
		}
	}
	sort.Strings(failingNames)
	if !slices.Equal(named, failingNames) {
		m.t.Errorf("%s: the import alerts' descriptions name %v, the error ConfigMaps %v", name, named, failingNames)
	}
	rep, code := m.status()
	if !slices.Equal(rep.Alerts, want) {
		m.t.Errorf("%s: status says %v fire, want %v", name, rep.Alerts, want)
	}
	if rep.Next.Alert != "" && !slices.Contains(want, rep.Next.Alert) {
		m.t.Errorf("%s: status's next step names alert %s, which does not fire", name, rep.Next.Alert)
	}
	if (code == 3) != (rep.Next.Problem != "") {
		m.t.Errorf("%s: status exit code %d with problem %q", name, code, rep.Next.Problem)
	}
	m.rows = append(m.rows, matrixRow{
		state:    name,
		config:   configLine(o.cfg),
		operator: operatorLine(o.co),
		metrics:  metricsLine(o),
		alerts:   orDash(strings.Join(fired, " ")),
		status:   fmt.Sprintf("exit %d, %s", code, orDash(rep.Next.Alert)),
	})
}

type look struct {
	at     int // minutes into the evaluation
	o      *observed
	leader string
}

// The evaluation: a sample every 5 minutes for two days and 30 minutes, past the
// longest for: (2d), at which time the firing alerts are read.
const (
	evalStep  = 5
	evalSteps = 2910 / evalStep
	evalAt    = "2910m"
	// A retried stream is retried once per --import-retry-interval (15m).
	retryEvery = 15
)

// evaluate runs promtool over the scraped series of the timeline and returns the
// alerts firing at the end and the streams the import alerts' description names.
func (m *matrix) evaluate(name string, timeline []look) (fired, named []string) {
	m.t.Helper()
	// The streams the operator retries: failing, with a retry it made (an accepted
	// retry is recorded on the error ConfigMap; a refused one is not).
	retried := map[string]bool{}
	for _, f := range timeline[len(timeline)-1].o.failing {
		retried[f.Name] = !f.LastRetry.IsZero()
	}
	type seg struct {
		from, to int // in steps
		v        float64
		grow     bool
	}
	series := map[string][]seg{}
	leaders := make([]string, len(timeline))
	for i, l := range timeline {
		leaders[i] = l.leader
	}
	for i, l := range timeline {
		from, to := l.at/evalStep, evalSteps+1
		if i+1 < len(timeline) {
			to = timeline[i+1].at / evalStep
		}
		for pod, fams := range l.o.scrapes {
			for fam, f := range fams {
				for labels, v := range f.samples {
					stream := ""
					if f.counter {
						stream = labelValue(labels, "imagestreamname")
					}
					key := fmt.Sprintf("%s{%s}", fam, joinLabels(labels, `namespace="`+m.in.namespace+`",pod="`+pod+`",job="metrics",service="metrics"`))
					// The leader retries such a stream once per interval from now on, so its
					// counter grows; a standby's, or a refused retry's, does not.
					series[key] = append(series[key], seg{from, to, v, f.counter && retried[stream] && pod == leaders[i]})
				}
			}
		}
	}
	var input []map[string]string
	for key, segs := range series {
		var vals []string
		cursor := 0
		for _, s := range segs {
			if s.from > cursor {
				vals = append(vals, fmt.Sprintf("_x%d", s.from-cursor))
			}
			n := s.to - s.from - 1
			if s.grow {
				vals = append(vals, fmt.Sprintf("%g+%gx%d", s.v, float64(evalStep)/retryEvery, n))
			} else {
				vals = append(vals, fmt.Sprintf("%gx%d", s.v, n))
			}
			cursor = s.to
		}
		if cursor <= evalSteps {
			vals = append(vals, "stale")
		}
		input = append(input, map[string]string{"series": key, "values": strings.Join(vals, " ")})
	}
	sort.Slice(input, func(i, j int) bool { return input[i]["series"] < input[j]["series"] })
	// promtool compares what it evaluates with these expectations; the mismatch it
	// reports is read back as what fired.
	file := map[string]any{
		"rule_files":          []string{filepath.Join(testenv.RepoRoot(), "config", "prometheus", "rules.yaml")},
		"evaluation_interval": fmt.Sprintf("%dm", evalStep),
		"tests": []map[string]any{{
			"interval":     fmt.Sprintf("%dm", evalStep),
			"input_series": input,
			"promql_expr_test": []map[string]any{
				{"expr": `ALERTS{alertstate="firing"}`, "eval_time": evalAt, "exp_samples": []any{}},
				{"expr": `max by (name) (openshift_samples_failed_imagestream_import_info) > 0`, "eval_time": evalAt, "exp_samples": []any{}},
			},
		}},
	}
	data, err := yaml.Marshal(file)
	must(m.t, err)
	path := filepath.Join(m.t.TempDir(), "matrix.yaml")
	must(m.t, os.WriteFile(path, data, 0o600))
	out, err := exec.Command(m.promtool, "test", "rules", path).CombinedOutput()
	got := parsePromtoolGot(string(out))
	if err == nil {
		return nil, nil // both queries empty: nothing fires
	}
	if len(got) == 0 {
		m.t.Fatalf("%s: promtool: %v\n%s", name, err, out)
	}
	for _, s := range got[`ALERTS{alertstate="firing"}`] {
		fired = append(fired, labelValue(s, "alertname"))
		if strings.Contains(s, "pod=") || strings.Contains(s, "instance=") {
			m.t.Errorf("%s: an alert carries a replica's label: %s", name, s)
		}
	}
	for _, s := range got[`max by (name) (openshift_samples_failed_imagestream_import_info) > 0`] {
		named = append(named, labelValue(s, "name"))
	}
	sort.Strings(fired)
	sort.Strings(named)
	if dup := len(fired) - len(slices.Compact(slices.Clone(fired))); dup > 0 {
		m.t.Errorf("%s: %d alerts fire more than once: %v", name, dup, fired)
	}
	return fired, named
}

// parsePromtoolGot reads promtool's report of a failed promql_expr_test: for each
// expression (`expr: "...", time: ...`), the label sets of the samples on its `got:`
// line.
func parsePromtoolGot(out string) map[string][]string {
	got := map[string][]string{}
	expr := ""
	for _, line := range strings.Split(out, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, `expr: "`):
			e, _, _ := strings.Cut(strings.TrimPrefix(l, `expr: "`), `", time:`)
			expr = strings.ReplaceAll(e, `\"`, `"`)
		case strings.HasPrefix(l, "got:"):
			got[expr] = append(got[expr], labelSets.FindAllString(l, -1)...)
		}
	}
	return got
}

var labelSets = regexp.MustCompile(`\{[^}]*\}`)

func joinLabels(labels, extra string) string {
	if labels == "" {
		return extra
	}
	return labels + "," + extra
}

func labelValue(labels, name string) string {
	for _, kv := range strings.Split(strings.Trim(labels, "{}"), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == name {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// status runs `cluster-samples-operator status -o json` as an administrator would.
func (m *matrix) status() (*cli.Report, int) {
	m.t.Helper()
	cmd := exec.Command(binary, "status", "-o", "json")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+m.adminKube)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		m.t.Fatal(err)
	}
	rep := &cli.Report{}
	if err := json.Unmarshal(stdout.Bytes(), rep); err != nil {
		m.t.Fatalf("status -o json: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	return rep, code
}

func (m *matrix) leader() *replica {
	m.t.Helper()
	var r *replica
	testenv.EventuallyWithin(m.t, 60*time.Second, "a leader", func() (bool, string) {
		for _, c := range m.running() {
			if strings.Contains(c.log.String(), "Successfully acquired lease") {
				r = c
				return true, ""
			}
		}
		return false, "no running replica has acquired the Lease"
	})
	return r
}

// settled is ready once the samples are installed and exactly the failing streams have
// error ConfigMaps that the ClusterOperator names.
func (m *matrix) settled(failing []string) func(*observed) (bool, string) {
	return func(o *observed) (bool, string) {
		var names []string
		for _, f := range o.failing {
			names = append(names, f.Name)
		}
		sort.Strings(names)
		p := clusteroperator.Condition(o.co, configv1.OperatorProgressing)
		installed := conditions.IsTrue(o.cfg.Status.Conditions, samplesv1.SamplesExist) && conditions.IsTrue(o.cfg.Status.Conditions, samplesv1.ConfigurationValid) &&
			o.cfg.Status.ManagementState == samplesv1.Managed
		reported := p != nil && ((len(failing) == 0 && p.Status == configv1.ConditionFalse && p.Reason == "") ||
			(len(failing) > 0 && p.Reason == clusteroperator.ReasonFailedImageImports && strings.Contains(p.Message, strings.Join(failing, " ")+" ")))
		return installed && slices.Equal(names, failing) && reported, fmt.Sprintf("installed %v, error ConfigMaps %v (want %v), Progressing %+v", installed, names, failing, p)
	}
}

func (m *matrix) waitHealthy() { m.t.Helper(); m.settle("healthy again", m.settled(nil)) }

// invalid is ready once ConfigurationValid is False for reason and, when degraded is
// set, the ClusterOperator is Degraded for it; else Available and not Degraded.
func (m *matrix) invalid(reason, degraded string) func(*observed) (bool, string) {
	return func(o *observed) (bool, string) {
		c := conditions.Get(o.cfg.Status.Conditions, samplesv1.ConfigurationValid)
		d, a := clusteroperator.Condition(o.co, configv1.OperatorDegraded), clusteroperator.Condition(o.co, configv1.OperatorAvailable)
		ok := c != nil && c.Status == corev1.ConditionFalse && c.Reason == reason && d != nil && a != nil
		if ok && degraded != "" {
			ok = d.Status == configv1.ConditionTrue && d.Reason == degraded
		} else if ok {
			ok = d.Status == configv1.ConditionFalse && a.Status == configv1.ConditionTrue && a.Reason == clusteroperator.ReasonUnsupportedArch
		}
		return ok, fmt.Sprintf("ConfigurationValid %+v, Degraded %+v, Available %+v", c, d, a)
	}
}

func (m *matrix) credentials(reason string) func(*observed) (bool, string) {
	return func(o *observed) (bool, string) {
		c := conditions.Get(o.cfg.Status.Conditions, samplesv1.ImportCredentialsExist)
		return c != nil && c.Status == corev1.ConditionFalse && c.Reason == reason, fmt.Sprintf("ImportCredentialsExist %+v", c)
	}
}

func (m *matrix) inState(s samplesv1.ManagementState, reason string) func(*observed) (bool, string) {
	return func(o *observed) (bool, string) {
		a := clusteroperator.Condition(o.co, configv1.OperatorAvailable)
		return o.cfg.Status.ManagementState == s && a != nil && a.Reason == reason, fmt.Sprintf("state %s, Available %+v", o.cfg.Status.ManagementState, a)
	}
}

// refsOf are the DockerImage references of a content image stream's tags; tag limits
// them to one tag.
func (m *matrix) refsOf(stream, tag string) []string {
	src := m.streams[stream]
	if src == nil {
		m.t.Fatalf("no image stream %s in the samples", stream)
	}
	var refs []string
	for tg := range imagestream.Tags(src) {
		if tg.FromKind == "DockerImage" && (tag == "" || tg.Name == tag) {
			refs = append(refs, tg.FromName)
		}
	}
	return refs
}

// failStreams makes every image of the streams unimportable and has them imported
// again (deleted: the operator recreates them, the importer imports them).
func (m *matrix) failStreams(streams ...string) {
	for _, s := range streams {
		m.failTag(s, "")
	}
}

func (m *matrix) failTag(stream, tag string) {
	m.t.Helper()
	for _, ref := range m.refsOf(stream, tag) {
		m.failing[ref] = true
		_ = images.Delete(context.Background(), ref)
	}
	m.brokenSets = append(m.brokenSets, stream)
	m.deleteStream(stream)
}

// healStreams lets every image import again and re-imports the broken streams.
func (m *matrix) healStreams() {
	m.t.Helper()
	clear(m.failing)
	for _, s := range slices.Compact(slices.Sorted(slices.Values(m.brokenSets))) {
		m.deleteStream(s)
	}
	m.brokenSets = nil
	m.waitHealthy()
}

func (m *matrix) deleteStream(name string) {
	m.t.Helper()
	is := &imagev1.ImageStream{ObjectMeta: metav1.ObjectMeta{Namespace: samplesv1.SamplesNamespace, Name: name}}
	if err := env.Client.Delete(context.Background(), is); client.IgnoreNotFound(err) != nil {
		m.t.Fatal(err)
	}
}

// aliasStream finds a content image stream with a tag that follows another of its
// tags (kind ImageStreamTag), and the DockerImage tag it follows.
func (m *matrix) aliasStream() (stream, target string) {
	m.t.Helper()
	for _, name := range m.inv.ImageStreamNames() {
		if name == "python" || name == "perl" || name == "php" || name == "httpd" {
			continue
		}
		kinds := map[string]string{}
		for tg := range imagestream.Tags(m.streams[name]) {
			kinds[tg.Name] = tg.FromKind
		}
		for tg := range imagestream.Tags(m.streams[name]) {
			if tg.FromKind != "ImageStreamTag" {
				continue
			}
			_, t, ok := strings.Cut(tg.FromName, ":")
			if !ok {
				t = tg.FromName
			}
			if kinds[t] == "DockerImage" {
				return name, t
			}
		}
	}
	m.t.Fatal("no image stream in the samples has an alias tag")
	return "", ""
}

// refuse installs a ValidatingAdmissionPolicy that refuses creates of resource
// (group image.openshift.io) unless expression holds ("false": every create), and waits
// until it refuses a probe object of kind.
func (m *matrix) refuse(name, resource, expression, kind string) {
	m.t.Helper()
	ctx := context.Background()
	policy := &admissionv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionv1.Fail),
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create},
					Rule:       admissionv1.Rule{APIGroups: []string{"image.openshift.io"}, APIVersions: []string{"v1"}, Resources: []string{resource}},
				}}}},
			Validations: []admissionv1.Validation{{Expression: expression, Message: "refused by the test's admission policy " + name,
				Reason: ptr.To(metav1.StatusReasonForbidden)}},
		}}
	must(m.t, env.Client.Create(ctx, policy))
	must(m.t, env.Client.Create(ctx, &admissionv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: name, ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny}}}))
	m.t.Cleanup(func() { m.allow(name) })
	// A probe object the policy must refuse, in a namespace of its own.
	probeNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "matrix-probe"}}
	if err := env.Client.Create(ctx, probeNS); err != nil && !apierrors.IsAlreadyExists(err) {
		m.t.Fatal(err)
	}
	testenv.EventuallyWithin(m.t, 30*time.Second, "admission policy "+name+" enforced", func() (bool, string) {
		var obj client.Object = &imagev1.ImageStreamImport{ObjectMeta: metav1.ObjectMeta{Namespace: probeNS.Name, Name: "httpd"}}
		if kind == "ImageStream" {
			obj = &imagev1.ImageStream{ObjectMeta: metav1.ObjectMeta{Namespace: probeNS.Name, Name: "httpd"}}
		}
		err := env.Client.Create(ctx, obj)
		if err == nil {
			_ = env.Client.Delete(ctx, obj)
			return false, "still admitted"
		}
		return apierrors.IsForbidden(err), err.Error()
	})
}

func (m *matrix) allow(name string) {
	ctx := context.Background()
	_ = env.Client.Delete(ctx, &admissionv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: name}})
	_ = env.Client.Delete(ctx, &admissionv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

// backdateSamplesExist moves the start of SamplesExist's current status back by d, as
// if it had held that long.
func (m *matrix) backdateSamplesExist(d time.Duration) {
	m.t.Helper()
	must(m.t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg := &samplesv1.Config{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
			return err
		}
		c := conditions.Get(cfg.Status.Conditions, samplesv1.SamplesExist)
		c.LastTransitionTime = metav1.NewTime(c.LastTransitionTime.Add(-d))
		return env.Client.Status().Update(context.Background(), cfg)
	}))
}

// poke asks for a pass now (an administrator's annotation), rather than at the next
// retry of refused writes.
func (m *matrix) poke() {
	m.editConfigMeta(func(c *samplesv1.Config) {
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations["matrix.test/poke"] = time.Now().String()
	})
}

func (m *matrix) editConfigMeta(edit func(*samplesv1.Config)) {
	m.t.Helper()
	must(m.t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cfg := &samplesv1.Config{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
			return err
		}
		edit(cfg)
		return env.Client.Update(context.Background(), cfg)
	}))
}

// deleteConfig deletes the Config as `oc delete` does and waits for the operator to
// finalize it and bootstrap a new one.
func (m *matrix) deleteConfig() {
	m.t.Helper()
	ctx := context.Background()
	old := &samplesv1.Config{}
	must(m.t, env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, old))
	must(m.t, env.Client.Delete(ctx, old))
	testenv.EventuallyWithin(m.t, 90*time.Second, "a new Config", func() (bool, string) {
		cfg := &samplesv1.Config{}
		err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg)
		return err == nil && cfg.UID != old.UID, fmt.Sprint(err)
	})
}

func (m *matrix) setClusterProxy(url string) {
	m.t.Helper()
	p := &configv1.Proxy{}
	must(m.t, env.Client.Get(context.Background(), client.ObjectKey{Name: "cluster"}, p))
	p.Status.HTTPSProxy = url
	must(m.t, env.Client.Status().Update(context.Background(), p))
}

func (m *matrix) setPullSecret(dockerConfig string) {
	m.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentials.SecretNamespace, Name: credentials.SecretName}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(dockerConfig)}}
	if err := env.Client.Create(context.Background(), s); apierrors.IsAlreadyExists(err) {
		must(m.t, env.Client.Update(context.Background(), s))
	} else {
		must(m.t, err)
	}
}

func configLine(cfg *samplesv1.Config) string {
	short := map[samplesv1.ConfigConditionType]string{samplesv1.ConfigurationValid: "Valid", samplesv1.ImportCredentialsExist: "Creds",
		samplesv1.SamplesExist: "Exist", samplesv1.ImportImageErrorsExist: "ImportErrors", samplesv1.RemovePending: "RemovePending"}
	var parts []string
	for _, t := range []samplesv1.ConfigConditionType{samplesv1.ConfigurationValid, samplesv1.ImportCredentialsExist, samplesv1.SamplesExist,
		samplesv1.ImportImageErrorsExist} {
		c := conditions.Get(cfg.Status.Conditions, t)
		if c == nil {
			continue
		}
		s := short[t] + "=" + string(c.Status)[:1]
		if c.Reason != "" && t != samplesv1.ImportImageErrorsExist {
			s += "(" + c.Reason + ")"
		}
		parts = append(parts, s)
	}
	state := string(cfg.Status.ManagementState)
	if !cfg.DeletionTimestamp.IsZero() {
		state += ",deleting"
	}
	return state + " " + strings.Join(parts, " ")
}

func operatorLine(co *configv1.ClusterOperator) string {
	var parts []string
	for _, t := range []configv1.ClusterStatusConditionType{configv1.OperatorAvailable, configv1.OperatorProgressing, configv1.OperatorDegraded} {
		if c := clusteroperator.Condition(co, t); c != nil {
			s := string(t)[:1] + "=" + string(c.Status)[:1]
			if c.Reason != "" {
				s += "(" + c.Reason + ")"
			}
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// metricsLine lists the state gauges that are not 0 (the same on every replica).
func metricsLine(o *observed) string {
	for _, fams := range o.scrapes {
		var on []string
		for _, name := range slices.Sorted(maps.Keys(fams)) {
			f := fams[name]
			if f.counter || name == "openshift_samples_content_info" || name == "openshift_samples_management_state_info" {
				continue
			}
			for _, l := range slices.Sorted(maps.Keys(f.samples)) {
				if f.samples[l] != 0 {
					s := strings.TrimSuffix(strings.TrimPrefix(name, "openshift_samples_"), "_info")
					if v := labelValue(l, "name") + labelValue(l, "reason"); v != "" {
						s += "{" + v + "}"
					}
					on = append(on, s)
				}
			}
		}
		return orDash(strings.Join(on, " "))
	}
	return "-"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (m *matrix) print() {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "state\tConfig\tClusterOperator\tmetrics (non-zero)\talerts (promtool, once each)\tstatus")
	for _, r := range m.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.state, r.config, r.operator, r.metrics, r.alerts, r.status)
	}
	_ = tw.Flush()
	m.t.Logf("MATRIX (%d states, %d replicas, samples: %s)\n%s", len(m.rows), 2, samplesFrom, b.String())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
