// Package bootstrap decides what the operator creates on a cluster that has no Config yet.
package bootstrap

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// ArchitectureForGOARCH maps a Go architecture name to the name the Config uses for it.
// amd64 becomes x86_64 (the content directory's name); the others are used as they are.
func ArchitectureForGOARCH(goarch string) string {
	if goarch == "amd64" {
		return samplesv1.X86Architecture
	}
	return goarch
}

// ConfigFor is the Config the operator creates when none exists, for a bootstrap
// decision: for the architecture the operator runs on, with the finalizer that lets the
// operator remove its samples before the Config disappears, annotated with the reason
// when it starts Removed.
func ConfigFor(goarch string, d Decision) *samplesv1.Config {
	cfg := &samplesv1.Config{
		TypeMeta: metav1.TypeMeta{APIVersion: samplesv1.GroupVersion.String(), Kind: "Config"},
		ObjectMeta: metav1.ObjectMeta{
			Name:       samplesv1.ConfigName,
			Finalizers: []string{samplesv1.ConfigFinalizer},
		},
		Spec: samplesv1.ConfigSpec{
			ManagementState: d.State,
			Architectures:   []string{ArchitectureForGOARCH(goarch)},
		},
	}
	if d.Reason != "" {
		cfg.Annotations = map[string]string{samplesv1.BootstrapRemovedReasonAnnotation: d.Reason, samplesv1.BootstrapRemovedMessageAnnotation: d.Message}
	}
	return cfg
}
