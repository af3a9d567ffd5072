// Package status tests `cluster-samples-operator status` against the operator running
// on a real API server, through each state an administrator meets.
package status

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/cli"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/operatortest"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var (
	env *testenv.Env
	reg = fakeimporter.NewRegistry()
)

func TestMain(m *testing.M) {
	defer reg.Close()
	// Every image exists but those of python and ruby: their imports fail.
	reg.SetAutoCreate(func(ref string) bool { return !strings.Contains(ref, "python") && !strings.Contains(ref, "ruby") })
	testenv.MainWith(m, &env, func(ctx context.Context, e *testenv.Env) error {
		_, err := fakeimporter.Start(ctx, e.Config, reg)
		return err
	})
}

// status runs the command as an administrator would, with a kubeconfig file.
func status(t *testing.T, args ...string) (int, string) {
	t.Helper()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := cli.Status(context.Background(), append([]string{"--kubeconfig", kubeconfig}, args...), &out, &errOut)
	if errOut.Len() > 0 {
		t.Errorf("stderr: %s", errOut.String())
	}
	return code, out.String()
}

func report(t *testing.T) (int, cli.Report) {
	t.Helper()
	code, out := status(t, "-o", "json")
	var r cli.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return code, r
}

func TestStatusThroughTheStates(t *testing.T) {
	ctx := context.Background()
	// Before the operator ever ran.
	if code, r := report(t); code != 3 || !strings.Contains(r.Next.Problem, "no configs.samples.operator.openshift.io/cluster") {
		t.Errorf("no Config: exit %d, next %+v", code, r.Next)
	}

	// The operator as shipped: its Deployment (for the content line) and the process.
	deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: samplesv1.OperatorNamespace, Name: "cluster-samples-operator"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "operator", Image: "quay.io/example/operator:1",
					Args: []string{"--leader-elect", "--assets-dir=/opt/openshift/operator"}}}}}}}
	if err := env.Client.Create(ctx, deploy); err != nil {
		t.Fatal(err)
	}
	testenv.SetPullSecret(t, env.Client, true)
	cfg := &samplesv1.Config{Spec: samplesv1.ConfigSpec{ManagementState: samplesv1.Managed}}
	cfg.Name = samplesv1.ConfigName
	if err := env.Client.Create(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testenv.ForceDeleteConfig(context.Background(), env.Client) })
	operatortest.Start(t, env.Config, env.Scheme, operatortest.Options{})

	// Installed, with python and ruby failing to import.
	var r cli.Report
	var code int
	testenv.Eventually(t, "python and ruby reported failing", func() (bool, string) {
		code, r = report(t)
		var names []string
		for _, f := range r.Failing {
			names = append(names, f.Name)
		}
		return slices.Contains(names, "python") && slices.Contains(names, "ruby") && r.Conditions["SamplesExist"].Status == "True", strings.Join(names, " ")
	})
	if code != 3 || r.Next.Alert != "SamplesImagestreamImportFailing" || !strings.HasSuffix(r.Next.Runbook, "/SamplesImagestreamImportFailing.md") ||
		!strings.Contains(r.Next.Command, `"skippedImagestreams":[`) || !strings.Contains(r.Next.Command, `"python"`) {
		t.Errorf("import failures: exit %d, next %+v", code, r.Next)
	}
	if r.ManagementState != samplesv1.Managed || r.Version != "4.22.0" || r.ImageStreams == 0 || r.Templates == 0 ||
		r.Content != "/opt/openshift/operator in image quay.io/example/operator:1" {
		t.Errorf("report %+v", r)
	}
	_, text := status(t)
	for _, want := range []string{"Samples:", "Managed at 4.22.0 (x86_64)", "2 image streams failing", "python (", "ruby (", "Next step:", "Runbook:", "SamplesImagestreamImportFailing"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	t.Logf("status with import failures:\n%s", text)

	// An invalid change: another architecture while the samples are installed.
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.Architectures = []string{samplesv1.S390Architecture} })
	testenv.Eventually(t, "the invalid Config reported", func() (bool, string) {
		code, r = report(t)
		return r.Next.Alert == "SamplesInvalidConfig", r.Next.Problem
	})
	if code != 3 || !strings.Contains(r.Next.Problem, "spec.architectures changed") {
		t.Errorf("invalid: exit %d, next %+v", code, r.Next)
	}

	// Removed: nothing to do.
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) {
		s.Architectures = nil
		s.ManagementState = samplesv1.Removed
	})
	testenv.Eventually(t, "Removed reported", func() (bool, string) {
		code, r = report(t)
		return r.ManagementState == samplesv1.Removed && r.ImageStreams == 0, r.Next.Action
	})
	if code != 0 || r.Next.Problem != "" || !strings.Contains(r.Next.Action, "Nothing to do") {
		t.Errorf("removed: exit %d, next %+v", code, r.Next)
	}
	if err := env.Client.Delete(ctx, deploy); client.IgnoreNotFound(err) != nil {
		t.Error(err)
	}
}

func TestStatusUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := cli.Status(context.Background(), []string{"-o", "yaml"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "-o must be text or json") {
		t.Errorf("-o yaml: exit %d, %q", code, errOut.String())
	}
	if code := cli.Status(context.Background(), []string{"--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Usage:") {
		t.Errorf("--help: exit %d", code)
	}
}
