package main

import (
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

func TestFlagDefaults(t *testing.T) {
	t.Setenv("RELEASE_VERSION", "4.22.1")
	o, err := parseFlags(flag.NewFlagSet("t", flag.ContinueOnError), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := options{
		releaseVersion: "4.22.1", operatorNamespace: "openshift-cluster-samples-operator",
		registryProbeAddress: "registry.redhat.io:443", registryProbeTimeout: 3 * time.Minute,
		importRetryInterval: 15 * time.Minute, metricsBindAddress: ":60000", metricsSecure: true,
		healthProbeBindAddress: ":8081", leaderElectionNamespace: "openshift-cluster-samples-operator",
		contentFlavor: "ocp",
	}
	got := *o
	got.zap, want.zap = zap.Options{}, zap.Options{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults = %+v\nwant %+v", *o, want)
	}
}

// The Deployment sets POD_NAMESPACE from the downward API: the operator's namespace is
// where it runs.
func TestOperatorNamespaceFromThePod(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "openshift-operators")
	o, err := parseFlags(flag.NewFlagSet("t", flag.ContinueOnError), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.operatorNamespace != "openshift-operators" || o.leaderElectionNamespace != "openshift-operators" {
		t.Errorf("namespace %q, lease namespace %q; want the pod's", o.operatorNamespace, o.leaderElectionNamespace)
	}
}

func TestFlagsOverride(t *testing.T) {
	t.Setenv("RELEASE_VERSION", "4.22.1")
	o, err := parseFlags(flag.NewFlagSet("t", flag.ContinueOnError), []string{
		"--release-version=4.23.0", "--assets-dir=/content", "--import-retry-interval=1m",
		"--leader-elect", "--operator-namespace=ns", "--metrics-secure=false",
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.releaseVersion != "4.23.0" || o.assetsDir != "/content" || o.importRetryInterval != time.Minute ||
		!o.leaderElect || o.leaderElectionNamespace != "ns" || o.metricsSecure {
		t.Errorf("parsed %+v", *o)
	}
	if _, err := parseFlags(flag.NewFlagSet("t", flag.ContinueOnError), []string{"stray"}); err == nil {
		t.Error("a stray argument was accepted")
	}
}

// A retry interval the import alerts' 30-minute window cannot see is refused.
func TestImportRetryIntervalFitsTheAlertsWindow(t *testing.T) {
	for arg, ok := range map[string]bool{"15m": true, "27m": true, "28m": false, "1h": false} {
		_, err := parseFlags(flag.NewFlagSet("t", flag.ContinueOnError), []string{"--import-retry-interval=" + arg})
		if (err == nil) != ok {
			t.Errorf("--import-retry-interval=%s: %v", arg, err)
		}
		if err != nil && !strings.Contains(err.Error(), "SamplesRetriesMissingOnImagestreamImportFailing") {
			t.Errorf("the error does not say what it would cause: %v", err)
		}
	}
}

// --help names the subcommands the binary also runs.
func TestHelpListsTheSubcommands(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	if _, err := parseFlags(fs, []string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"cluster-samples-operator mirror", "cluster-samples-operator status", "-release-version"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help does not say %q:\n%s", want, out.String())
		}
	}
}
