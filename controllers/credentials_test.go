package controllers

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

func TestPullSecretGatesRegistryRedHatIO(t *testing.T) {
	startOperator(t, operatorOptions{})
	setPullSecret(t, false)
	t.Cleanup(func() { setPullSecret(t, true) })
	createConfig(t, managed(), true)

	cfg := waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionFalse)
	if c := conditionOf(cfg, samplesv1.ImportCredentialsExist); !strings.Contains(c.Message, "openshift-config/pull-secret does not exist") {
		t.Errorf("message = %q", c.Message)
	}
	eventually(t, "quay.io content installed", func() (bool, string) {
		_, ok := getSample(t, ImageStreamGVK, "python")
		return ok, ""
	})
	if _, ok := getSample(t, ImageStreamGVK, "ruby"); ok {
		t.Error("an image stream from registry.redhat.io was created without credentials")
	}
	if _, ok := getSample(t, TemplateGVK, "ruby-example"); !ok {
		t.Error("templates were held back too")
	}

	// The secret arrives: the held-back stream follows.
	setPullSecret(t, true)
	waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionTrue)
	eventually(t, "ruby created once credentials exist", func() (bool, string) {
		_, ok := getSample(t, ImageStreamGVK, "ruby")
		return ok, ""
	})
}

func TestPullSecretWithoutTBRAndMirrors(t *testing.T) {
	startOperator(t, operatorOptions{})
	setPullSecret(t, false)
	t.Cleanup(func() { setPullSecret(t, true) })
	s := &corev1.Secret{Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{".dockerconfigjson": []byte(`{"auths":{"quay.io":{"auth":"eDp5"}}}`)}}
	s.Namespace, s.Name = "openshift-config", "pull-secret"
	if err := env.Client.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	createConfig(t, samplesv1.ConfigSpec{ManagementState: samplesv1.Removed, Architectures: []string{"x86_64"}}, true)
	cfg := waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionFalse)
	if c := conditionOf(cfg, samplesv1.ImportCredentialsExist); !strings.Contains(c.Message, "no credentials for registry.redhat.io") {
		t.Errorf("message = %q", c.Message)
	}
	// A mirror needs no Red Hat credentials: everything installs.
	editConfig(t, func(s *samplesv1.ConfigSpec) {
		s.ManagementState = samplesv1.Managed
		s.SamplesRegistry = "mirror.example.com"
	})
	waitCondition(t, samplesv1.ImportCredentialsExist, corev1.ConditionTrue)
	waitConverged(t, "4.22.0")
	if _, ok := getSample(t, ImageStreamGVK, "ruby"); !ok {
		t.Error("ruby not installed from the mirror")
	}
}
