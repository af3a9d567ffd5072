package fakeimporter

import (
	imagev1 "github.com/openshift/api/image/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/openshift/cluster-samples-operator/internal/scheme"
)

// ImageStreamImportList lets the importer watch ImageStreamImports. The real API never
// lists them (they are create-only), so github.com/openshift/api has no list type.
type ImageStreamImportList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []imagev1.ImageStreamImport `json:"items"`
}

// DeepCopyObject implements runtime.Object.
func (l *ImageStreamImportList) DeepCopyObject() runtime.Object {
	out := &ImageStreamImportList{TypeMeta: l.TypeMeta}
	l.ListMeta.DeepCopyInto(&out.ListMeta) //nolint:staticcheck // QF1008: spelled out, the list has no DeepCopyInto of its own
	out.Items = make([]imagev1.ImageStreamImport, len(l.Items))
	for i := range l.Items {
		l.Items[i].DeepCopyInto(&out.Items[i])
	}
	return out
}

func newScheme() *runtime.Scheme {
	s := scheme.New()
	s.AddKnownTypes(imagev1.GroupVersion, &ImageStreamImportList{})
	return s
}
