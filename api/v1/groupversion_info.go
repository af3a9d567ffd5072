// Package v1 contains the samples.operator.openshift.io/v1 API: the Config that drives
// the Cluster Samples Operator.
// +kubebuilder:object:generate=true
// +groupName=samples.operator.openshift.io
package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of the Config.
const GroupName = "samples.operator.openshift.io"

var (
	// GroupVersion is the group and version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1"}

	// SchemeBuilder adds the types of this package to a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &Config{}, &ConfigList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
