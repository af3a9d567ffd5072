// Package samples computes the image streams and templates to write in the openshift
// namespace, and whether what is there already needs a write.
package samples

import (
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/registry"
)

// Desired is the object the operator wants in the cluster for content object src:
// namespaced, labelled managed, stamped with the release version, and for image streams
// pointed at samplesRegistry.
func Desired(src *unstructured.Unstructured, samplesRegistry, version string) *unstructured.Unstructured {
	obj := src.DeepCopy()
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
		rewriteImageStream(obj.Object, samplesRegistry)
	}
	return obj
}

func rewriteImageStream(o map[string]any, reg string) {
	spec, _ := o["spec"].(map[string]any)
	if spec == nil {
		return
	}
	if repo, ok := spec["dockerImageRepository"].(string); ok && repo != "" {
		spec["dockerImageRepository"] = registry.Rewrite(repo, reg)
	}
	tags, _ := spec["tags"].([]any)
	for _, t := range tags {
		from, _ := t.(map[string]any)["from"].(map[string]any)
		if from == nil || from["kind"] != "DockerImage" {
			continue
		}
		if name, ok := from["name"].(string); ok {
			from["name"] = registry.Rewrite(name, reg)
		}
	}
}

// NeedsUpdate tells whether actual lacks anything desired says: a field, a label, an
// annotation (the version among them). Fields the server or a user added are not
// differences, so that a server-defaulted object does not cause a write on every pass.
func NeedsUpdate(desired, actual *unstructured.Unstructured) bool {
	for k, v := range desired.Object {
		if k == "metadata" || k == "apiVersion" || k == "kind" {
			continue
		}
		if !contains(actual.Object[k], v) {
			return true
		}
	}
	return !containsStrings(actual.GetLabels(), desired.GetLabels()) ||
		!containsStrings(actual.GetAnnotations(), desired.GetAnnotations())
}

func containsStrings(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// contains is true when have holds everything want holds. Lists of named objects match
// by name (have may hold more, such as user-added image stream tags); other lists match
// element by element.
func contains(have, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !contains(h[k], v) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok {
			return false
		}
		if byName, ok := indexByName(h); ok && allNamed(w) {
			for _, e := range w {
				if !contains(byName[e.(map[string]any)["name"].(string)], e) {
					return false
				}
			}
			return true
		}
		if len(h) != len(w) {
			return false
		}
		for i := range w {
			if !contains(h[i], w[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(have, want)
	}
}

func name(e any) (string, bool) {
	m, ok := e.(map[string]any)
	if !ok {
		return "", false
	}
	n, ok := m["name"].(string)
	return n, ok
}

func allNamed(list []any) bool {
	for _, e := range list {
		if _, ok := name(e); !ok {
			return false
		}
	}
	return len(list) > 0
}

func indexByName(list []any) (map[string]any, bool) {
	out := make(map[string]any, len(list))
	for _, e := range list {
		n, ok := name(e)
		if !ok {
			return nil, false
		}
		out[n] = e
	}
	return out, true
}

// ForUpdate is the object to write over actual: desired, on actual's metadata (so the
// write is conditional on its resourceVersion and keeps foreign labels and annotations),
// keeping the spec tags that exist only in the cluster (user-added or deprecated tags).
func ForUpdate(desired, actual *unstructured.Unstructured) *unstructured.Unstructured {
	out := desired.DeepCopy()
	out.SetResourceVersion(actual.GetResourceVersion())
	out.SetUID(actual.GetUID())
	out.SetLabels(merge(actual.GetLabels(), desired.GetLabels()))
	out.SetAnnotations(merge(actual.GetAnnotations(), desired.GetAnnotations()))
	if desired.GetKind() != "ImageStream" {
		return out
	}
	want, _, _ := unstructured.NestedSlice(desired.Object, "spec", "tags")
	have, _, _ := unstructured.NestedSlice(actual.Object, "spec", "tags")
	wanted := map[string]bool{}
	for _, t := range want {
		if n, ok := name(t); ok {
			wanted[n] = true
		}
	}
	tags := want
	for _, t := range have {
		if n, ok := name(t); ok && !wanted[n] {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		_ = unstructured.SetNestedSlice(out.Object, tags, "spec", "tags")
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
