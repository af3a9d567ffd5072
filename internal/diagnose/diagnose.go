// Package diagnose decides, from what the operator publishes (the Config's status, the
// ClusterOperator's conditions and the import-error ConfigMaps), what is wrong with the
// samples and the one step an administrator should take next. It backs
// `cluster-samples-operator status`; each step is the mitigation of an alert's runbook
// (docs/runbooks).
package diagnose

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	configv1 "github.com/openshift/api/config/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
)

// RunbookURLPrefix is where the runbooks are published; it equals the Makefile's
// RUNBOOK_URL_PREFIX (test/generated checks it).
const RunbookURLPrefix = "https://github.com/openshift/cluster-samples-operator/blob/main/docs/runbooks/"

// FailingStream is an image stream with tags whose import fails: tag → error, as the
// image-error ConfigMap holds them, and the operator's last retry of them.
type FailingStream struct {
	Name      string            `json:"name"`
	Tags      map[string]string `json:"tags"`
	LastRetry time.Time         `json:"lastRetry,omitzero"`
}

// Inputs is what the operator publishes; Config and ClusterOperator may be nil. Now is
// when it was read (zero: now).
type Inputs struct {
	Config          *samplesv1.Config
	ClusterOperator *configv1.ClusterOperator
	Failing         []FailingStream
	Now             time.Time
}

// Signals are the verdict.Signals of what the operator published, and the alerts they
// raise once held past the rules' for: (the same verdict the metrics export).
func Signals(in Inputs) (verdict.Signals, []string) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	names := make([]string, 0, len(in.Failing))
	retried := false
	for _, f := range in.Failing {
		names = append(names, f.Name)
		retried = retried || (!f.LastRetry.IsZero() && now.Sub(f.LastRetry) < verdict.RetryWindow)
	}
	s := verdict.Read(in.Config, in.ClusterOperator, names)
	return s, s.Firing(retried)
}

// Step is the next thing to do.
type Step struct {
	// Problem says what is wrong ("" when nothing is).
	Problem string `json:"problem,omitempty"`
	// Action is the step, in words; Command, when set, does it.
	Action  string `json:"action"`
	Command string `json:"command,omitempty"`
	// Alert names the alert this matches, and Runbook its runbook's URL.
	Alert   string `json:"alert,omitempty"`
	Runbook string `json:"runbook,omitempty"`
}

const patchConfig = "oc patch configs.samples.operator.openshift.io cluster --type merge -p "

func runbook(alert string) string { return RunbookURLPrefix + alert + ".md" }

func step(problem, action, command, alert string) Step {
	s := Step{Problem: problem, Action: action, Command: command, Alert: alert}
	if alert != "" {
		s.Runbook = runbook(alert)
	}
	return s
}

// Next returns the most pressing problem and its step, in the order an administrator
// has to take them: a Config the operator cannot act on first, then what blocks every
// sample, then single streams. The alert it names is one the signals raise, never
// another.
func Next(in Inputs) Step {
	cfg := in.Config
	if cfg == nil {
		return step("there is no configs.samples.operator.openshift.io/cluster",
			"Check that the operator runs: it creates the Config when it starts.",
			"oc get pods -n "+samplesv1.OperatorNamespace, "")
	}
	sig, firing := Signals(in)
	raised := func(alert string) string {
		if slices.Contains(firing, alert) {
			return alert
		}
		return ""
	}
	if s, ok := blockedStep(in, sig, raised); ok {
		return s
	}
	if s, ok := notManagedStep(cfg); ok {
		return s
	}
	if s, ok := credentialsStep(cfg, sig, raised); ok {
		return s
	}
	if len(sig.Failing) > 0 {
		alert := raised(verdict.AlertImportFailing)
		if alert == "" {
			alert = raised(verdict.AlertRetriesMissing)
		}
		return failingStep(cfg, in.Failing, alert)
	}
	if !conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist) {
		return step("", "Wait: the samples are being installed.", "", "")
	}
	return step("", "Nothing to do: the samples are installed and import.", "", "")
}

// blockedStep is the step when the operator cannot act on the Config at all: it is
// invalid, the operator is Degraded, or registry.redhat.io was unreachable at install.
// raised returns the alert it is given if the signals raise it, else "".
func blockedStep(in Inputs, sig verdict.Signals, raised func(string) string) (Step, bool) {
	cfg := in.Config
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); sig.InvalidConfig && c != nil {
		return step("the Config is invalid: "+c.Message, "Fix the Config as the message says.",
			"oc edit configs.samples.operator.openshift.io cluster", raised(verdict.AlertInvalidConfig)), true
	}
	if deg := clusteroperator.Condition(in.ClusterOperator, configv1.OperatorDegraded); sig.Degraded && deg != nil {
		return step(fmt.Sprintf("the operator is Degraded (%s): %s", deg.Reason, deg.Message),
			"Act on the reason, as the runbook lists for each.",
			"oc logs -n "+samplesv1.OperatorNamespace+" deployment/cluster-samples-operator", raised(verdict.AlertDegraded)), true
	}
	if sig.TBRInaccessible {
		return step("registry.redhat.io was unreachable when the cluster was installed, so no samples were installed",
			"Mirror the images of ConfigMap "+samplesv1.MirrorConfigMap+" and set samplesRegistry and Managed, or leave the samples Removed.",
			patchConfig+`'{"spec":{"samplesRegistry":"<mirror>","managementState":"Managed"}}'`, raised(verdict.AlertTBRInaccessible)), true
	}
	return Step{}, false
}

// notManagedStep is the step of samples Removed or Unmanaged: nothing to do.
func notManagedStep(cfg *samplesv1.Config) (Step, bool) {
	state := cfg.Status.ManagementState
	if state == "" {
		state = cfg.Spec.ManagementState
	}
	switch state {
	case samplesv1.Removed:
		return step("", "Nothing to do: the samples are Removed. To install them, set Managed.",
			patchConfig+`'{"spec":{"managementState":"Managed"}}'`, ""), true
	case samplesv1.Unmanaged:
		return step("", "Nothing to do: the operator leaves the samples as they are while Unmanaged.", "", ""), true
	}
	return Step{}, false
}

// credentialsStep is the step when the pull secret, or its registry.redhat.io entry, is
// missing. raised returns the alert it is given if the signals raise it, else "".
func credentialsStep(cfg *samplesv1.Config, sig verdict.Signals, raised func(string) string) (Step, bool) {
	c := conditions.Get(cfg.Status.Conditions, samplesv1.ImportCredentialsExist)
	if (!sig.MissingSecret && !sig.MissingTBR) || c == nil {
		return Step{}, false
	}
	if sig.MissingSecret {
		return step("no usable pull secret: "+c.Message,
			"Create openshift-config/pull-secret with the cluster's pull secret, or mirror the images and set samplesRegistry.",
			"oc get secret pull-secret -n openshift-config", raised(verdict.AlertMissingSecret)), true
	}
	return step("no registry.redhat.io credentials: "+c.Message,
		"Add the registry.redhat.io entry of the cluster's pull secret to openshift-config/pull-secret, or mirror the images and set samplesRegistry.",
		"oc get secret pull-secret -n openshift-config -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d", raised(verdict.AlertMissingTBR)), true
}

// failingStep is the step for image streams whose imports fail, by the most common
// cause of their errors; alert is the import alert they raise.
func failingStep(cfg *samplesv1.Config, failing []FailingStream, alert string) Step {
	names := make([]string, 0, len(failing))
	var errs []string
	for _, f := range failing {
		names = append(names, f.Name)
		for _, e := range f.Tags {
			errs = append(errs, strings.ToLower(e))
		}
	}
	sort.Strings(names)
	problem := fmt.Sprintf("%d image streams fail to import: %s", len(names), strings.Join(names, ", "))
	switch Classify(errs) {
	case CauseCredentials:
		if cfg.Spec.SamplesRegistry == "" {
			return step(problem+" (the registry refuses the credentials)",
				"Check the registry.redhat.io entry of the cluster pull secret openshift-config/pull-secret.",
				"oc get secret pull-secret -n openshift-config -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d", alert)
		}
		return step(problem+" (the mirror refuses the credentials)",
			"Add the mirror's credentials to the cluster pull secret openshift-config/pull-secret.",
			"oc get secret pull-secret -n openshift-config -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d", alert)
	case CauseCertificate:
		return step(problem+" (the registry's certificate is not trusted)",
			"Make the cluster trust the mirror's CA: a ConfigMap in openshift-config with the CA under the mirror's host name, named in images.config.openshift.io/cluster spec.additionalTrustedCA.",
			"oc get image.config.openshift.io cluster -o jsonpath='{.spec.additionalTrustedCA.name}'", alert)
	case CauseUnreachable:
		return step(problem+" (the registry is unreachable)",
			"Mirror the images and point the samples at the mirror.",
			"cluster-samples-operator mirror mapping --from-cluster --to <mirror> > mapping.txt; then "+patchConfig+`'{"spec":{"samplesRegistry":"<mirror>"}}'`,
			alert)
	case CauseNotFound:
		return step(problem+" (the images no longer exist)",
			"Skip the image streams you do not need.",
			patchConfig+`'{"spec":{"skippedImagestreams":[`+quoteAll(slices.Concat(cfg.Spec.SkippedImagestreams, names))+`]}}'`,
			alert)
	}
	return step(problem, "Read the errors in the image-error ConfigMaps, then mirror, add credentials or skip the streams.",
		"oc get configmaps -n "+samplesv1.OperatorNamespace+" -l "+samplesv1.ImportErrorLabel+"=true -o yaml", alert)
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ",")
}

// Cause is what most import errors point at.
type Cause string

// The causes Classify tells apart.
const (
	CauseCredentials Cause = "credentials"
	CauseCertificate Cause = "certificate"
	CauseUnreachable Cause = "unreachable"
	CauseNotFound    Cause = "not-found"
	CauseOther       Cause = "other"
)

// Classify returns the cause most of the (lower-cased) registry errors share.
func Classify(errs []string) Cause {
	counts := map[Cause]int{}
	for _, e := range errs {
		counts[classifyOne(e)]++
	}
	best, n := CauseOther, 0
	for _, c := range []Cause{CauseCredentials, CauseCertificate, CauseUnreachable, CauseNotFound, CauseOther} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return best
}

func classifyOne(e string) Cause {
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(e, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("unauthorized", "authentication required", "forbidden", "denied", "401", "403"):
		return CauseCredentials
	case has("x509:", "certificate signed by unknown authority", "certificate is not trusted", "tls: failed to verify"):
		return CauseCertificate
	case has("dial tcp", "i/o timeout", "no such host", "connection refused", "timeout", "tls handshake", "network is unreachable"):
		return CauseUnreachable
	case has("not found", "manifest unknown", "does not exist", "404"):
		return CauseNotFound
	}
	return CauseOther
}
