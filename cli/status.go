package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	imagev1 "github.com/openshift/api/image/v1"
	templatev1 "github.com/openshift/api/template/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/diagnose"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/scheme"
)

const statusUsage = `What state the samples are in, what is failing, and the next step.

Usage:
  cluster-samples-operator status [--kubeconfig FILE] [-o text|json] [--operator-namespace NS]

Reads, with your kubeconfig: configs.samples.operator.openshift.io/cluster, the
openshift-samples ClusterOperator, the image-error ConfigMaps and the operator Deployment
(for the samples content it serves), and counts the samples in the openshift namespace.
`

// statusFlags builds the flags of the status command.
func statusFlags() (*flag.FlagSet, *statusOptions) {
	o := &statusOptions{}
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "")
	fs.StringVar(&o.output, "o", "text", "")
	fs.StringVar(&o.namespace, "operator-namespace", samplesv1.OperatorNamespace, "")
	return fs, o
}

type statusOptions struct{ kubeconfig, output, namespace string }

// Report is what `status -o json` prints.
type Report struct {
	ManagementState  samplesv1.ManagementState `json:"managementState,omitempty"`
	Version          string                    `json:"version,omitempty"`
	Architectures    []string                  `json:"architectures,omitempty"`
	SamplesRegistry  string                    `json:"samplesRegistry,omitempty"`
	SkippedStreams   []string                  `json:"skippedImagestreams,omitempty"`
	SkippedTemplates []string                  `json:"skippedTemplates,omitempty"`
	// ImageStreams and Templates count the samples in openshift labelled managed.
	ImageStreams int `json:"imagestreams"`
	Templates    int `json:"templates"`
	// Conditions are the Config's, ClusterOperator the openshift-samples conditions.
	Conditions      map[string]Condition     `json:"conditions,omitempty"`
	ClusterOperator map[string]Condition     `json:"clusterOperator,omitempty"`
	Failing         []diagnose.FailingStream `json:"failing"`
	Content         string                   `json:"content,omitempty"`
	// Alerts are the alerts the operator's signals raise once they hold past the
	// rules' for: (the same verdict the metrics export; empty when none).
	Alerts   []string      `json:"alerts"`
	Next     diagnose.Step `json:"next"`
	Warnings []string      `json:"warnings,omitempty"`
}

// Condition is one condition's status, reason and message.
type Condition struct {
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// Status is `cluster-samples-operator status ARGS...`; it returns the exit code: 0 when
// nothing needs doing, 1 when it cannot tell, 3 when there is a problem to act on.
func Status(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, o := statusFlags()
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		_, _ = io.WriteString(stdout, statusUsage)
		return 0
	} else if err != nil {
		_, _ = fmt.Fprintf(stderr, "cluster-samples-operator status: %v (see --help)\n", err)
		return 2
	}
	if o.output != "text" && o.output != "json" {
		_, _ = fmt.Fprintln(stderr, "cluster-samples-operator status: -o must be text or json")
		return 2
	}
	c, err := kubeClient(o.kubeconfig)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "cluster-samples-operator status: no cluster to read (set --kubeconfig or KUBECONFIG): %v\n", err)
		return 1
	}
	rep, err := Collect(ctx, c, o.namespace)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "cluster-samples-operator status: %v\n", err)
		return 1
	}
	if o.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return 1
		}
	} else if err := printStatus(stdout, rep); err != nil {
		return 1
	}
	if rep.Next.Problem != "" {
		return 3
	}
	return 0
}

// kubeClient is a client for the cluster of kubeconfig (or, when empty, of $KUBECONFIG
// and ~/.kube/config), with every kind the operator knows.
func kubeClient(kubeconfig string) (client.Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme.New()})
}

// Collect reads what the operator publishes and decides the next step. What it may not
// read (RBAC) becomes a warning, not a failure: an administrator sees the rest.
func Collect(ctx context.Context, c client.Client, namespace string) (*Report, error) {
	rep := &Report{Failing: []diagnose.FailingStream{}}
	cfg, err := collectConfig(ctx, c, rep)
	if err != nil {
		return nil, err
	}
	co := collectClusterOperator(ctx, c, rep)
	collectFailing(ctx, c, namespace, rep)
	countSamples(ctx, c, rep)
	rep.Content = contentSource(ctx, c, namespace, &rep.Warnings)
	in := diagnose.Inputs{Config: cfg, ClusterOperator: co, Failing: rep.Failing, Now: time.Now()}
	_, rep.Alerts = diagnose.Signals(in)
	if rep.Alerts == nil {
		rep.Alerts = []string{}
	}
	rep.Next = diagnose.Next(in)
	return rep, nil
}

// collectConfig reads the Config into rep; it returns nil, and no error, when there is
// none yet.
func collectConfig(ctx context.Context, c client.Client, rep *Report) (*samplesv1.Config, error) {
	cfg := &samplesv1.Config{}
	switch err := c.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg); {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading configs.samples.operator.openshift.io/%s: %w", samplesv1.ConfigName, err)
	}
	rep.ManagementState = cfg.Status.ManagementState
	if rep.ManagementState == "" {
		rep.ManagementState = cfg.Spec.ManagementState
	}
	rep.Version, rep.Architectures = cfg.Status.Version, cfg.Status.Architectures
	rep.SamplesRegistry = cfg.Spec.SamplesRegistry
	rep.SkippedStreams, rep.SkippedTemplates = cfg.Spec.SkippedImagestreams, cfg.Spec.SkippedTemplates
	rep.Conditions = map[string]Condition{}
	for _, cond := range cfg.Status.Conditions {
		rep.Conditions[string(cond.Type)] = Condition{string(cond.Status), cond.Reason, cond.Message}
	}
	return cfg, nil
}

// collectClusterOperator reads the openshift-samples ClusterOperator's conditions into
// rep; it returns nil when it could not be read (a warning unless there is none).
func collectClusterOperator(ctx context.Context, c client.Client, rep *Report) *configv1.ClusterOperator {
	co := &configv1.ClusterOperator{}
	if err := c.Get(ctx, client.ObjectKey{Name: "openshift-samples"}, co); err != nil {
		if !apierrors.IsNotFound(err) {
			rep.Warnings = append(rep.Warnings, "reading clusteroperator openshift-samples: "+err.Error())
		}
		return nil
	}
	rep.ClusterOperator = map[string]Condition{}
	for _, cond := range co.Status.Conditions {
		rep.ClusterOperator[string(cond.Type)] = Condition{string(cond.Status), cond.Reason, cond.Message}
	}
	return co
}

// collectFailing lists the failing image streams of the image-error ConfigMaps into
// rep.Failing, by name.
func collectFailing(ctx context.Context, c client.Client, namespace string, rep *Report) {
	cms := &corev1.ConfigMapList{}
	if err := c.List(ctx, cms, client.InNamespace(namespace), client.MatchingLabels{samplesv1.ImportErrorLabel: "true"}); err != nil {
		rep.Warnings = append(rep.Warnings, "listing the image-error ConfigMaps: "+err.Error())
	}
	for _, cm := range imports.Failing(cms.Items) {
		last, _ := time.Parse(time.RFC3339, cm.Annotations[samplesv1.LastRetryAnnotation])
		rep.Failing = append(rep.Failing, diagnose.FailingStream{Name: cm.Name, Tags: cm.Data, LastRetry: last})
	}
	slices.SortFunc(rep.Failing, func(a, b diagnose.FailingStream) int { return strings.Compare(a.Name, b.Name) })
}

// countSamples counts the managed image streams and templates in the samples namespace.
func countSamples(ctx context.Context, c client.Client, rep *Report) {
	// Counted from metadata only: the samples' bodies are not needed.
	for gvk, n := range map[schema.GroupVersionKind]*int{
		imagev1.GroupVersion.WithKind("ImageStreamList"): &rep.ImageStreams,
		templatev1.GroupVersion.WithKind("TemplateList"): &rep.Templates,
	} {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(gvk)
		if err := c.List(ctx, list, client.InNamespace(samplesv1.SamplesNamespace), client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"}); err != nil {
			rep.Warnings = append(rep.Warnings, "counting the samples: "+err.Error())
			continue
		}
		*n = len(list.Items)
	}
}

// contentSource describes the samples the operator Deployment serves: its --assets-dir
// and image, or the built-in set.
func contentSource(ctx context.Context, c client.Client, namespace string, warnings *[]string) string {
	d := &appsv1.Deployment{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "cluster-samples-operator"}, d); err != nil {
		if !apierrors.IsNotFound(err) {
			*warnings = append(*warnings, "reading the operator Deployment: "+err.Error())
		}
		return ""
	}
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return ""
	}
	ctr := d.Spec.Template.Spec.Containers[0]
	for _, a := range slices.Concat(ctr.Command, ctr.Args) {
		if dir, ok := strings.CutPrefix(a, "--assets-dir="); ok && dir != "" {
			return fmt.Sprintf("%s in image %s", dir, ctr.Image)
		}
	}
	return "built-in samples of image " + ctr.Image
}

func printStatus(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(k, format string, a ...any) {
		if k != "" {
			k += ":"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, a...))
	}
	if r.Conditions == nil { // no Config: Collect sets the map whenever there is one
		line("Samples", "no Config yet")
	} else {
		arch := strings.Join(r.Architectures, ",")
		if arch == "" {
			arch = "no architecture yet"
		}
		line("Samples", "%s at %s (%s): %d image streams, %d templates", r.ManagementState, orNone(r.Version), arch, r.ImageStreams, r.Templates)
		registry := r.SamplesRegistry
		if registry == "" {
			registry = "the samples' own registries"
		}
		line("Registry", "%s", registry)
		if len(r.SkippedStreams)+len(r.SkippedTemplates) > 0 {
			line("Skipped", "image streams [%s], templates [%s]", strings.Join(r.SkippedStreams, " "), strings.Join(r.SkippedTemplates, " "))
		}
		line("Conditions", "%s", conditionLine(r.Conditions))
	}
	if r.Content != "" {
		line("Content", "%s", r.Content)
	}
	if r.ClusterOperator != nil {
		line("Operator", "%s", conditionLine(r.ClusterOperator))
	}
	if len(r.Failing) == 0 {
		line("Imports", "no failures")
	} else {
		line("Imports", "%d image streams failing", len(r.Failing))
		// One line per stream, so that the screen holds them: its tags and the first error.
		for _, f := range r.Failing {
			tags := slices.Sorted(maps.Keys(f.Tags))
			line("", "%s (%s): %s", f.Name, truncate(strings.Join(tags, " "), 40), truncate(f.Tags[tags[0]], 90))
		}
	}
	for _, warn := range r.Warnings {
		line("Warning", "%s", warn)
	}
	if len(r.Alerts) > 0 {
		line("Alerts", "%s (once held past their for:)", strings.Join(r.Alerts, " "))
	}
	if r.Next.Problem != "" {
		line("Problem", "%s", r.Next.Problem)
	}
	line("Next step", "%s", r.Next.Action)
	if r.Next.Command != "" {
		line("", "%s", r.Next.Command)
	}
	if r.Next.Runbook != "" {
		line("Runbook", "%s (alert %s)", r.Next.Runbook, r.Next.Alert)
	}
	return tw.Flush()
}

// conditionLine lists conditions as Type=Status, with the reason of those that have one.
func conditionLine(conds map[string]Condition) string {
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(conds)) {
		c := conds[t]
		p := t + "=" + c.Status
		if c.Reason != "" {
			p += "(" + c.Reason + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func orNone(s string) string {
	if s == "" {
		return "no version yet"
	}
	return s
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
