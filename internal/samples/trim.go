package samples

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// Trim removes from a cached sample what no decision of the operator reads, so that
// the cache costs little: managed fields; every annotation but the version the sample
// was written at; a template's whole body (its objects, parameters, message, labels:
// the operator writes them from the content, never from the cluster); the annotations
// of image stream spec tags (their descriptions: most of a stream's bytes); and all but
// the newest item of each status tag (import failures are read from the conditions and
// the newest generation).
//
// What is kept is what the decisions read: the labels and the version annotation
// (samples.Current), the spec tags' names, sources and import policies (NeedsUpdate,
// the import retries), the status tags' conditions. A write over a sample starts from
// the object as the server has it, never from the cache (config_managed.go).
func Trim(u *unstructured.Unstructured) {
	TrimMeta(u)
	switch u.GetKind() {
	case "Template":
		for k := range u.Object {
			if k != "apiVersion" && k != "kind" && k != "metadata" {
				delete(u.Object, k)
			}
		}
	case "ImageStream":
		trimStream(u)
	}
}

// TrimMeta is Trim's part for metadata: no managed fields, no annotation but the
// version. Templates are cached as metadata only (Cached), trimmed by it alone.
func TrimMeta(o metav1.Object) {
	o.SetManagedFields(nil)
	if ann := o.GetAnnotations(); len(ann) > 0 {
		if version, ok := ann[samplesv1.SamplesVersionAnnotation]; ok {
			o.SetAnnotations(map[string]string{samplesv1.SamplesVersionAnnotation: version})
		} else {
			o.SetAnnotations(nil)
		}
	}
}

func trimStream(u *unstructured.Unstructured) {
	if tags, ok := nested(u.Object, "spec", "tags").([]any); ok {
		for _, t := range tags {
			if m, ok := t.(map[string]any); ok {
				delete(m, "annotations")
			}
		}
	}
	tags, ok := nested(u.Object, "status", "tags").([]any)
	if !ok {
		return
	}
	for _, t := range tags {
		m, ok := t.(map[string]any)
		if !ok {
			continue
		}
		if items, ok := m["items"].([]any); ok && len(items) > 1 {
			m["items"] = []any{newest(items)}
		}
	}
}

// nested is the value at path in obj, without a copy (nil when absent).
func nested(obj map[string]any, path ...string) any {
	v, _, _ := unstructured.NestedFieldNoCopy(obj, path...)
	return v
}

// newest is the item with the highest generation (the first, in OpenShift's order).
func newest(items []any) any {
	best, bestGen := items[0], int64(-1)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if g, ok := m["generation"].(int64); ok && g > bestGen {
			best, bestGen = it, g
		}
	}
	return best
}
