package main

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/cli"
	"github.com/openshift/cluster-samples-operator/controllers"
	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/diagnose"
	"github.com/openshift/cluster-samples-operator/internal/metrics"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
)

type alertRules struct {
	Groups []struct {
		Rules []struct {
			Alert       string            `json:"alert"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

func alerts(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("config", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules alertRules
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				out[r.Alert] = r.Annotations["runbook_url"]
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no alerts in rules.yaml")
	}
	return out
}

// TestEveryAlertHasItsRunbook: each alert's runbook_url is its file under docs/runbooks,
// the file exists with the sections an administrator looks for, and no runbook is left
// without an alert.
func TestEveryAlertHasItsRunbook(t *testing.T) {
	al := alerts(t)
	for alert, url := range al {
		if url != diagnose.RunbookURLPrefix+alert+".md" {
			t.Errorf("%s: runbook_url %q, want %q", alert, url, diagnose.RunbookURLPrefix+alert+".md")
		}
		data, err := os.ReadFile(filepath.Join("docs", "runbooks", alert+".md"))
		if err != nil {
			t.Errorf("%s has no runbook: %v", alert, err)
			continue
		}
		text := string(data)
		if !strings.HasPrefix(text, "# "+alert+"\n") {
			t.Errorf("%s.md does not start with its title", alert)
		}
		for _, section := range []string{"## Meaning", "## Impact", "## Diagnosis", "## Mitigation", "## Confirm it cleared"} {
			if !strings.Contains(text, "\n"+section+"\n") {
				t.Errorf("%s.md has no %q section", alert, section)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join("docs", "runbooks", "*.md"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".md")
		if _, ok := al[name]; !ok && name != "README" {
			t.Errorf("runbook %s has no alert", f)
		}
	}
	t.Logf("%d alerts, each with its runbook", len(al))
}

var (
	codeSpan  = regexp.MustCompile("`([^`\n]+)`")
	metricRe  = regexp.MustCompile(`\bopenshift_samples_[a-z_]+`)
	flagRe    = regexp.MustCompile(`(?:^|\s)--([a-z][a-z-]*)`)
	typeRe    = regexp.MustCompile(`type=="(\w+)"`)
	commandRe = regexp.MustCompile(`cluster-samples-operator (mirror (?:images|mapping|check)|status)\b([^\n|;>]*)`)
	ourKeyRe  = regexp.MustCompile(`(?:^|[^.\w])(samples(?:\.operator)?\.openshift\.io/[a-z-]+)`)
	apiServer = regexp.MustCompile(`^APIServer(<Reason>|\w+)Error$`)
	upperName = regexp.MustCompile(`^[A-Z][A-Za-z0-9<>]+$`)
	lowerName = regexp.MustCompile(`^[a-z]+[A-Z][A-Za-z]*$`)
	configMap = regexp.MustCompile("ConfigMaps? `([^`]+)`")
	leaseRe   = regexp.MustCompile(`\blease (\S+)`)
)

// TestRunbooksNameOnlyWhatExists reads every runbook for the names an administrator
// would type or look for, and checks each against the operator: metrics against the
// ones it exports, condition types, reasons and states against the API and status
// constants, Config fields against the Config type, flags against the operator's and
// its commands' flags, ConfigMaps, labels and annotations against the wire names.
func TestRunbooksNameOnlyWhatExists(t *testing.T) {
	known := map[string]bool{}
	add := func(names ...string) {
		for _, n := range names {
			known[n] = true
		}
	}
	for _, c := range []samplesv1.ConfigConditionType{samplesv1.ImportCredentialsExist, samplesv1.SamplesExist, samplesv1.ConfigurationValid,
		samplesv1.ImageChangesInProgress, samplesv1.RemovePending, samplesv1.MigrationInProgress, samplesv1.ImportImageErrorsExist} {
		add(string(c))
	}
	for _, s := range []samplesv1.ManagementState{samplesv1.Managed, samplesv1.Unmanaged, samplesv1.Removed, samplesv1.Force} {
		add(string(s))
	}
	add(string(metav1.ConditionTrue), string(metav1.ConditionFalse), string(metav1.ConditionUnknown))
	add(string(configv1.OperatorAvailable), string(configv1.OperatorProgressing), string(configv1.OperatorDegraded))
	add(clusteroperator.ReasonSampleUpsertsPending, clusteroperator.ReasonInvalidConfiguration, clusteroperator.ReasonFailedImageImports,
		clusteroperator.ReasonDeletionInProgress, clusteroperator.ReasonTBRUnreachable, clusteroperator.ReasonUnsupportedArch)
	// The condition reasons the evaluation sets (internal/verdict).
	add(verdict.FileSystemError, verdict.ReasonMissingSecret, verdict.ReasonMissingTBRCredential)
	add(verdict.ValidationReasons...)
	for a := range alerts(t) {
		add(a)
	}
	statusReasons := map[string]bool{}
	for _, r := range []metav1.StatusReason{metav1.StatusReasonForbidden, metav1.StatusReasonInvalid, metav1.StatusReasonTooManyRequests,
		metav1.StatusReasonTimeout, metav1.StatusReasonInternalError, metav1.StatusReasonServiceUnavailable, metav1.StatusReasonConflict,
		metav1.StatusReasonNotFound, metav1.StatusReasonAlreadyExists, metav1.StatusReasonBadRequest, metav1.StatusReasonUnauthorized} {
		statusReasons[string(r)] = true
	}
	fields := map[string]bool{}
	// The samples Config's fields, and those of the image configuration it is checked
	// against.
	for _, typ := range []reflect.Type{reflect.TypeOf(samplesv1.ConfigSpec{}), reflect.TypeOf(samplesv1.ConfigStatus{}),
		reflect.TypeOf(configv1.ImageSpec{}), reflect.TypeOf(configv1.RegistrySources{})} {
		for i := 0; i < typ.NumField(); i++ {
			fields[strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]] = true
		}
	}
	exported := map[string]bool{}
	for _, n := range metrics.Names {
		exported[n] = true
	}
	fs := flag.NewFlagSet("operator", flag.ContinueOnError)
	if _, err := parseFlags(fs, nil); err != nil {
		t.Fatal(err)
	}
	commandFlags := map[string][]string{"operator": nil}
	fs.VisitAll(func(f *flag.Flag) { commandFlags["operator"] = append(commandFlags["operator"], f.Name) })
	for _, c := range []string{"mirror images", "mirror mapping", "mirror check", "status"} {
		commandFlags[c] = cli.FlagNames(c)
		if len(commandFlags[c]) == 0 {
			t.Fatalf("no flags for %s", c)
		}
	}
	wireKeys := map[string]bool{samplesv1.ImportErrorLabel: true, samplesv1.SamplesManagedLabel: true, samplesv1.SamplesVersionAnnotation: true,
		samplesv1.LastRetryAnnotation: true, samplesv1.BootstrapRemovedReasonAnnotation: true, samplesv1.BootstrapRemovedMessageAnnotation: true,
		samplesv1.ConfigFinalizer: true}

	files, _ := filepath.Glob(filepath.Join("docs", "runbooks", "*.md"))
	checked := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		bad := func(kind, name string) { t.Errorf("%s names %s %q, which the operator does not have", f, kind, name) }
		for _, m := range metricRe.FindAllString(text, -1) {
			checked["metrics"]++
			if !exported[m] {
				bad("metric", m)
			}
		}
		for _, m := range typeRe.FindAllStringSubmatch(text, -1) {
			checked["condition types"]++
			if !known[m[1]] {
				bad("condition type", m[1])
			}
		}
		for _, k := range ourKeyRe.FindAllStringSubmatch(text, -1) {
			checked["labels and annotations"]++
			if !wireKeys[k[1]] {
				bad("label or annotation", k[1])
			}
		}
		for _, m := range commandRe.FindAllStringSubmatch(text, -1) {
			for _, fl := range flagRe.FindAllStringSubmatch(m[2], -1) {
				checked["flags"]++
				if !slices.Contains(commandFlags[m[1]], fl[1]) {
					bad("flag of "+m[1], "--"+fl[1])
				}
			}
		}
		for _, m := range codeSpan.FindAllStringSubmatch(text, -1) {
			span := m[1]
			switch {
			case strings.HasPrefix(span, "--") && !strings.Contains(span, " "):
				checked["flags"]++
				if !slices.Contains(commandFlags["operator"], strings.TrimPrefix(span, "--")) {
					bad("operator flag", span)
				}
			case upperName.MatchString(span):
				checked["conditions, reasons, states, alerts"]++
				if sub := apiServer.FindStringSubmatch(span); sub != nil {
					if sub[1] != "<Reason>" && !statusReasons[sub[1]] {
						bad("reason", span)
					}
				} else if !known[span] {
					bad("condition, reason, state or alert", span)
				}
			case lowerName.MatchString(span):
				checked["Config fields"]++
				if !fields[span] {
					bad("Config field", span)
				}
			}
		}
		for _, m := range configMap.FindAllStringSubmatch(text, -1) {
			checked["ConfigMaps"]++
			if m[1] != samplesv1.MirrorConfigMap && m[1] != samplesv1.AllImagesConfigMap && m[1] != samplesv1.InstalledConfigMap {
				bad("ConfigMap", m[1])
			}
		}
		for _, m := range leaseRe.FindAllStringSubmatch(text, -1) {
			checked["Lease"]++
			if m[1] != controllers.LeaderElectionID {
				bad("Lease", m[1])
			}
		}
	}
	for _, kind := range []string{"metrics", "condition types", "flags", "conditions, reasons, states, alerts", "Config fields", "ConfigMaps", "labels and annotations"} {
		if checked[kind] == 0 {
			t.Errorf("the runbooks name no %s: the check of them would prove nothing", kind)
		}
	}
	t.Logf("names checked in %d runbooks: %v", len(files), checked)
}
