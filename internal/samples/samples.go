// Package samples computes the image streams and templates to write in the openshift
// namespace, and whether what is there already needs a write.
package samples

import (
	"reflect"

	imagev1 "github.com/openshift/api/image/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/imagestream"
	"github.com/openshift/cluster-samples-operator/internal/registry"
)

// Desired makes obj, a content object parsed for this use (content.Raw.Object), the
// object the operator wants in the cluster, and returns it: namespaced, labelled
// managed, stamped with the release version, and for image streams pointed at
// samplesRegistry. It changes obj rather than a copy: a template's objects are most of
// the content's bytes.
func Desired(obj *unstructured.Unstructured, samplesRegistry, version string) *unstructured.Unstructured {
	obj.SetNamespace(samplesv1.SamplesNamespace)
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[samplesv1.SamplesManagedLabel] = "true"
	obj.SetLabels(labels)
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[samplesv1.SamplesVersionAnnotation] = version
	obj.SetAnnotations(ann)
	if obj.GetKind() == "ImageStream" && samplesRegistry != "" {
		rewriteImageStream(obj, samplesRegistry)
	}
	return obj
}

func rewriteImageStream(is *unstructured.Unstructured, reg string) {
	spec, _ := is.Object["spec"].(map[string]any)
	if spec == nil {
		return
	}
	if repo, ok := spec["dockerImageRepository"].(string); ok && repo != "" {
		spec["dockerImageRepository"] = registry.Rewrite(repo, reg)
	}
	for t := range imagestream.Tags(is) {
		if t.FromKind == "DockerImage" {
			t.SetFromName(registry.Rewrite(t.FromName, reg))
		}
	}
}

// NeedsUpdate tells whether the live sample must be written over, as the OpenShift
// documentation says: when its version annotation is missing or names another release
// (which covers a release change), when samplesRegistry changed since the samples were
// last written, or when it is not labelled managed (it was skipped before). Any other
// difference is an administrator's edit and stays: a tag pointed at an internal mirror,
// a scheduled import, a changed parameter default, a deleted tag. Comparing content
// instead would also rewrite, on every pass, fields that openshift-apiserver stores
// differently (it drops empty values its types omit).
//
// After a samplesRegistry change only the samples whose image references still differ
// are written, so a pass repeated before the status records the change writes nothing
// twice.
func NeedsUpdate(desired *unstructured.Unstructured, actual metav1.Object, registryChanged bool) bool {
	if !Current(actual, desired.GetAnnotations()[samplesv1.SamplesVersionAnnotation]) {
		return true
	}
	return registryChanged && !reflect.DeepEqual(imageRefs(desired), refsOf(actual))
}

// refsOf are imageRefs of actual, as the server has it (unstructured) or as the cache
// keeps it (a typed image stream; a template's metadata has none).
func refsOf(actual metav1.Object) map[string]string {
	switch a := actual.(type) {
	case *unstructured.Unstructured:
		return imageRefs(a)
	case *imagev1.ImageStream:
		out := map[string]string{}
		if a.Spec.DockerImageRepository != "" {
			out[""] = a.Spec.DockerImageRepository
		}
		for _, t := range a.Spec.Tags {
			if t.From != nil && t.From.Kind == "DockerImage" {
				out[t.Name] = t.From.Name
			}
		}
		return out
	}
	return map[string]string{}
}

// Current tells whether actual carries the managed label and version's annotation: with
// samplesRegistry unchanged, such a sample needs no update (NeedsUpdate is false for any
// desired state of that version), so a pass need not build the desired one.
func Current(actual metav1.Object, version string) bool {
	return actual.GetAnnotations()[samplesv1.SamplesVersionAnnotation] == version &&
		actual.GetLabels()[samplesv1.SamplesManagedLabel] == "true"
}

// imageRefs are an image stream's DockerImage references by tag, and its
// dockerImageRepository: what samplesRegistry rewrites.
func imageRefs(u *unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	if repo, _, _ := unstructured.NestedString(u.Object, "spec", "dockerImageRepository"); repo != "" {
		out[""] = repo
	}
	for t := range imagestream.Tags(u) {
		if t.FromKind == "DockerImage" {
			out[t.Name] = t.FromName
		}
	}
	return out
}

// ForUpdate is the object to write over actual: desired's content on actual's metadata
// (so the write is conditional on its resourceVersion and keeps what other tools put
// there: finalizers, owner references, foreign labels and annotations), keeping the spec
// tags that exist only in the cluster (user-added or deprecated tags). It changes
// neither argument, and the result shares nothing with actual, which may be the
// cache's own object.
func ForUpdate(desired, actual *unstructured.Unstructured) *unstructured.Unstructured {
	out := desired.DeepCopy()
	meta, _, _ := unstructured.NestedMap(actual.Object, "metadata")
	out.Object["metadata"] = meta
	out.SetLabels(merge(actual.GetLabels(), desired.GetLabels()))
	out.SetAnnotations(merge(actual.GetAnnotations(), desired.GetAnnotations()))
	if desired.GetKind() != "ImageStream" {
		return out
	}
	wanted := map[string]bool{}
	for t := range imagestream.Tags(desired) {
		wanted[t.Name] = true
	}
	var extra []any
	for t := range imagestream.Tags(actual) {
		if !wanted[t.Name] {
			extra = append(extra, t.Object())
		}
	}
	if len(extra) > 0 {
		// desired's tags are out's already (DeepCopy); SetNestedSlice copies actual's.
		tags, _, _ := unstructured.NestedFieldNoCopy(out.Object, "spec", "tags")
		want, _ := tags.([]any)
		_ = unstructured.SetNestedSlice(out.Object, append(want, extra...), "spec", "tags")
	}
	return out
}

func merge(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
