package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/metrics"
	"github.com/openshift/cluster-samples-operator/internal/samples"
)

func TestPullSecretGatesRegistryRedHatIO(t *testing.T) {
	startOperator(t, operatorOptions{})
	setPullSecret(t, false)
	t.Cleanup(func() { setPullSecret(t, true) })
	createConfig(t, managed(), true)

	cfg := waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionFalse)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ImportCredentialsExist); !strings.Contains(c.Message, "openshift-config/pull-secret does not exist") {
		t.Errorf("message = %q", c.Message)
	}
	eventually(t, "quay.io content installed", func() (bool, string) {
		_, ok := getSample(t, samples.ImageStreamGVK, "python")
		return ok, ""
	})
	if _, ok := getSample(t, samples.ImageStreamGVK, "ruby"); ok {
		t.Error("an image stream from registry.redhat.io was created without credentials")
	}
	if _, ok := getSample(t, samples.TemplateGVK, "ruby-example"); !ok {
		t.Error("templates were held back too")
	}

	// The secret arrives: the held-back stream follows.
	setPullSecret(t, true)
	waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionTrue)
	eventually(t, "ruby created once credentials exist", func() (bool, string) {
		_, ok := getSample(t, samples.ImageStreamGVK, "ruby")
		return ok, ""
	})
}

func TestPullSecretWithoutTBRAndMirrors(t *testing.T) {
	startOperator(t, operatorOptions{})
	setPullSecret(t, false)
	t.Cleanup(func() { setPullSecret(t, true) })
	s := &corev1.Secret{Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{credentials.SecretKey: []byte(`{"auths":{"quay.io":{"auth":"eDp5"}}}`)}}
	s.Namespace, s.Name = credentials.SecretNamespace, credentials.SecretName
	if err := env.Client.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	// Removed, as a disconnected cluster bootstraps: nothing about credentials may raise
	// a signal (condition, metric, alert).
	createConfig(t, samplesv1.ConfigSpec{ManagementState: samplesv1.Removed, Architectures: []string{"x86_64"}}, true)
	cfg := waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionTrue)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ImportCredentialsExist); !strings.Contains(c.Message, "not checked") {
		t.Errorf("message = %q", c.Message)
	}
	reg := prometheus.NewRegistry()
	if err := metrics.Register(reg, metrics.Sources{
		Config:          func(ctx context.Context) (*samplesv1.Config, error) { return clusterConfig(ctx, env.Client) },
		ClusterOperator: clusterOperatorSource(env.Client),
	}); err != nil {
		t.Fatal(err)
	}
	secretMetric := func() string {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, mf := range mfs {
			if mf.GetName() == "openshift_samples_invalidsecret_info" {
				for _, m := range mf.GetMetric() {
					out = append(out, fmt.Sprintf("%s=%v", m.GetLabel()[0].GetValue(), m.GetGauge().GetValue()))
				}
			}
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	if got := secretMetric(); got != "missing_secret=0 missing_tbr_credential=0" {
		t.Errorf("while Removed: %s; want both 0", got)
	}

	// Managed without a mirror: the missing credential is reported.
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	cfg = waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionFalse)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ImportCredentialsExist); !strings.Contains(c.Message, "no credentials for registry.redhat.io") {
		t.Errorf("message = %q", c.Message)
	}
	// One cause, one signal: the secret is there, its registry.redhat.io entry is not.
	if got := secretMetric(); got != "missing_secret=0 missing_tbr_credential=1" {
		t.Errorf("while Managed without credentials: %s; want only missing_tbr_credential", got)
	}
	// A mirror needs no Red Hat credentials: everything installs.
	editConfig(t, func(s *samplesv1.ConfigSpec) {
		s.ManagementState = samplesv1.Managed
		s.SamplesRegistry = "mirror.example.com"
	})
	waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionTrue)
	waitConverged(t, "4.22.0")
	if _, ok := getSample(t, samples.ImageStreamGVK, "ruby"); !ok {
		t.Error("ruby not installed from the mirror")
	}
}

// SamplesTBRInaccessibleOnBoot stops once an administrator changes managementState
// after the bootstrap decision: a later Removed is theirs, not the registry's.
func TestBootstrapReasonEndsWithTheAdministratorsChoice(t *testing.T) {
	startOperator(t, operatorOptions{})
	cfg := &samplesv1.Config{Spec: samplesv1.ConfigSpec{ManagementState: samplesv1.Removed, Architectures: []string{"x86_64"}}}
	cfg.Name = samplesv1.ConfigName
	cfg.Finalizers = []string{samplesv1.ConfigFinalizer}
	cfg.Annotations = map[string]string{
		samplesv1.BootstrapRemovedReasonAnnotation:  bootstrap.ReasonRegistryUnreachable,
		samplesv1.BootstrapRemovedMessageAnnotation: "the samples registry could not be reached",
	}
	if err := env.Client.Create(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, samplesv1.SamplesExist, corev1.ConditionFalse)
	if !bootstrap.TBRInaccessible(getConfig(t)) {
		t.Fatal("a Config bootstrapped Removed for an unreachable registry is not reported as such")
	}
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	eventually(t, "the bootstrap reason dropped", func() (bool, string) {
		a := getConfig(t).Annotations
		return a[samplesv1.BootstrapRemovedReasonAnnotation] == "" && a[samplesv1.BootstrapRemovedMessageAnnotation] == "", fmt.Sprint(a)
	})
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	waitCondition(t, samplesv1.SamplesExist, corev1.ConditionFalse)
	if bootstrap.TBRInaccessible(getConfig(t)) {
		t.Error("the administrator's Removed is reported as the bootstrap's unreachable registry")
	}
}
