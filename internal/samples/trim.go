package samples

import (
	imagev1 "github.com/openshift/api/image/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// Trim removes from a cached sample (Cached: a typed image stream, or a template's
// metadata) what no decision of the operator reads, so that the cache costs little:
// managed fields; every annotation but the version the sample was written at; the
// annotations of image stream spec tags (their descriptions: most of a stream's bytes);
// and all but the newest item of each status tag (import failures are read from the
// conditions and the newest generation).
//
// What is kept is what the decisions read: the labels and the version annotation
// (Current), the spec tags' names, sources and import policies (NeedsUpdate, the
// import retries), the status tags' conditions. A write over a sample starts from the
// object as the server has it, never from the cache (config_managed.go).
func Trim(o metav1.Object) {
	o.SetManagedFields(nil)
	if ann := o.GetAnnotations(); len(ann) > 0 {
		if version, ok := ann[samplesv1.SamplesVersionAnnotation]; ok {
			o.SetAnnotations(map[string]string{samplesv1.SamplesVersionAnnotation: version})
		} else {
			o.SetAnnotations(nil)
		}
	}
	is, ok := o.(*imagev1.ImageStream)
	if !ok {
		return
	}
	for i := range is.Spec.Tags {
		is.Spec.Tags[i].Annotations = nil
	}
	for i := range is.Status.Tags {
		if items := is.Status.Tags[i].Items; len(items) > 1 {
			is.Status.Tags[i].Items = []imagev1.TagEvent{newest(items)}
		}
	}
}

// newest is the item with the highest generation (the first, in OpenShift's order).
func newest(items []imagev1.TagEvent) imagev1.TagEvent {
	best := items[0]
	for _, it := range items[1:] {
		if it.Generation > best.Generation {
			best = it
		}
	}
	return best
}
