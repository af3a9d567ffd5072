package bootstrap

import (
	"slices"
	"testing"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

func TestArchitectureForGOARCH(t *testing.T) {
	for goarch, want := range map[string]string{
		"amd64":   "x86_64",
		"arm64":   "arm64",
		"ppc64le": "ppc64le",
		"s390x":   "s390x",
	} {
		if got := ArchitectureForGOARCH(goarch); got != want {
			t.Errorf("ArchitectureForGOARCH(%q) = %q, want %q", goarch, got, want)
		}
	}
}

func TestDefaultConfig(t *testing.T) {
	c := ConfigFor("amd64", Decision{State: samplesv1.Managed})
	if c.Name != "cluster" {
		t.Errorf("name = %q, want cluster", c.Name)
	}
	if !slices.Equal(c.Finalizers, []string{"samples.operator.openshift.io/finalizer"}) {
		t.Errorf("finalizers = %v", c.Finalizers)
	}
	if c.Spec.ManagementState != samplesv1.Managed {
		t.Errorf("managementState = %q, want Managed", c.Spec.ManagementState)
	}
	if !slices.Equal(c.Spec.Architectures, []string{"x86_64"}) {
		t.Errorf("architectures = %v, want [x86_64]", c.Spec.Architectures)
	}
	if r := ConfigFor("s390x", Decision{State: samplesv1.Removed}); r.Spec.ManagementState != samplesv1.Removed || r.Spec.Architectures[0] != "s390x" {
		t.Errorf("DefaultConfig(s390x, Removed) = %+v", r.Spec)
	}
}
