package samples

import (
	imagev1 "github.com/openshift/api/image/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
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

// Cached is an empty object of kind gvk in the form the operator's cache keeps it:
// image streams typed (a typed stream costs a fraction of its JSON decoded into maps),
// templates as their metadata only (nothing else of a template is read from the
// cluster, and a watch of metadata only spares decoding every template's objects).
// Both are trimmed (Trim). A write over a sample starts from the server's copy.
func Cached(gvk schema.GroupVersionKind) client.Object {
	if gvk == ImageStreamGVK {
		return &imagev1.ImageStream{}
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	return m
}

// CachedList is an empty list of kind gvk in the form the cache keeps it (Cached).
func CachedList(gvk schema.GroupVersionKind) client.ObjectList {
	if gvk == ImageStreamGVK {
		return &imagev1.ImageStreamList{}
	}
	m := &metav1.PartialObjectMetadataList{}
	m.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	return m
}
