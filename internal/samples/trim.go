package samples

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// Trim removes from a cached sample what no decision of the operator reads, so that
// the cache costs little: managed fields; a template's objects and parameters (the
// operator writes them from the content, never from the cluster); and all but the
// newest item of each image stream status tag (import failures are read from the
// conditions and the newest generation). Everything the operator writes back from a
// cached object (metadata, spec tags) is kept.
func Trim(u *unstructured.Unstructured) {
	unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
	switch u.GetKind() {
	case "Template":
		delete(u.Object, "objects")
		delete(u.Object, "parameters")
		delete(u.Object, "message")
	case "ImageStream":
		tags, found, err := unstructured.NestedSlice(u.Object, "status", "tags")
		if !found || err != nil {
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
		_ = unstructured.SetNestedSlice(u.Object, tags, "status", "tags")
	}
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
