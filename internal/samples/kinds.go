package samples

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The sample kinds, served by openshift-apiserver. The operator handles them as
// unstructured objects so that whatever the content says reaches the cluster unchanged.
var (
	ImageStreamGVK = schema.GroupVersionKind{Group: "image.openshift.io", Version: "v1", Kind: "ImageStream"}
	TemplateGVK    = schema.GroupVersionKind{Group: "template.openshift.io", Version: "v1", Kind: "Template"}
)

// Kinds are the sample kinds, image streams first.
func Kinds() []schema.GroupVersionKind { return []schema.GroupVersionKind{ImageStreamGVK, TemplateGVK} }

// New is an empty object of kind gvk.
func New(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

// NewList is an empty list of objects of kind gvk.
func NewList(gvk schema.GroupVersionKind) *unstructured.UnstructuredList {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	return list
}
