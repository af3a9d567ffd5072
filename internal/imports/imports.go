// Package imports decides which image stream tags fail to import, how to retry them
// through the ImageStreamImport API, and which images a disconnected cluster must mirror.
package imports

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openshift/cluster-samples-operator/internal/imagestream"
)

// Failures returns, for every spec tag of the stream whose newest import attempt failed,
// the failure message. A failure older than a later success (an item or condition of a
// newer generation) does not count; tags without conditions are healthy.
func Failures(is *imagev1.ImageStream) map[string]string {
	inSpec := map[string]bool{}
	for _, t := range is.Spec.Tags {
		inSpec[t.Name] = true
	}
	out := map[string]string{}
	for _, st := range is.Status.Tags {
		if !inSpec[st.Tag] {
			continue
		}
		var newest int64
		for _, c := range st.Conditions {
			newest = max(newest, c.Generation)
		}
		for _, it := range st.Items {
			newest = max(newest, it.Generation)
		}
		for _, c := range st.Conditions {
			if c.Type == imagev1.ImportSuccess && c.Status == corev1.ConditionFalse && c.Generation >= newest {
				msg := c.Message
				if msg == "" {
					msg = c.Reason
				}
				out[st.Tag] = msg
			}
		}
	}
	return out
}

// ResolveTag follows ImageStreamTag references inside the stream to the tag that names
// a DockerImage, detecting cycles and references to other streams.
func ResolveTag(is *imagev1.ImageStream, tag string) (*imagev1.TagReference, error) {
	seen := map[string]bool{}
	name := tag
	for {
		if seen[name] {
			return nil, fmt.Errorf("image stream %s: tag %s: the ImageStreamTag references form a cycle", is.Name, tag)
		}
		seen[name] = true
		var ref *imagev1.TagReference
		for i := range is.Spec.Tags {
			if is.Spec.Tags[i].Name == name {
				ref = &is.Spec.Tags[i]
			}
		}
		switch {
		case ref == nil:
			return nil, fmt.Errorf("image stream %s: tag %s: no spec tag %s", is.Name, tag, name)
		case ref.From == nil:
			return nil, fmt.Errorf("image stream %s: tag %s has no source", is.Name, name)
		case ref.From.Kind == "DockerImage":
			return ref, nil
		case ref.From.Kind != "ImageStreamTag":
			return nil, fmt.Errorf("image stream %s: tag %s: cannot import from a %s", is.Name, name, ref.From.Kind)
		}
		stream, next, ok := strings.Cut(ref.From.Name, ":")
		if !ok {
			stream, next = is.Name, ref.From.Name
		}
		if stream != is.Name || (ref.From.Namespace != "" && ref.From.Namespace != is.Namespace) {
			return nil, fmt.Errorf("image stream %s: tag %s points at another stream (%s)", is.Name, name, ref.From.Name)
		}
		name = next
	}
}

// RetryRequest is the ImageStreamImport that re-imports the failing tags of a stream,
// or an error naming a tag that cannot be retried.
func RetryRequest(is *imagev1.ImageStream, tags []string) (*imagev1.ImageStreamImport, error) {
	sort.Strings(tags)
	isi := &imagev1.ImageStreamImport{
		TypeMeta:   metav1.TypeMeta{APIVersion: "image.openshift.io/v1", Kind: "ImageStreamImport"},
		ObjectMeta: metav1.ObjectMeta{Namespace: is.Namespace, Name: is.Name},
		Spec:       imagev1.ImageStreamImportSpec{Import: true},
	}
	seen := map[string]bool{}
	for _, t := range tags {
		ref, err := ResolveTag(is, t)
		if err != nil {
			return nil, err
		}
		// A failing alias (from ImageStreamTag) is retried by importing the tag it
		// resolves to: importing into the alias would turn it into a DockerImage tag.
		if seen[ref.Name] {
			continue
		}
		seen[ref.Name] = true
		isi.Spec.Images = append(isi.Spec.Images, imagev1.ImageImportSpec{
			From:            corev1.ObjectReference{Kind: "DockerImage", Name: ref.From.Name},
			To:              &corev1.LocalObjectReference{Name: ref.Name},
			ImportPolicy:    ref.ImportPolicy,
			ReferencePolicy: imagev1.TagReferencePolicy{Type: imagev1.LocalTagReferencePolicy},
		})
	}
	return isi, nil
}

// NextRetry is when a stream last retried at last should be retried again: interval
// later, plus up to a tenth of it of jitter fixed per stream, so that many streams that
// failed together do not retry in the same second.
func NextRetry(stream string, last time.Time, interval time.Duration) time.Time {
	h := fnv.New32a()
	_, _ = h.Write([]byte(stream))
	jitter := time.Duration(0)
	if spread := int64(interval / 10); spread > 0 {
		jitter = time.Duration(int64(h.Sum32()) % spread)
	}
	return last.Add(interval + jitter)
}

// MirrorMap is the imagestreamtag-to-image content: "<stream>_<tag>" to the DockerImage
// reference exactly as the content has it, for every stream not named jenkins*, as the
// stock operator publishes it.
func MirrorMap(streams map[string]*unstructured.Unstructured) map[string]string {
	return imageMap(streams, false)
}

// AllImages is MirrorMap with the jenkins streams too: what a mirror must hold, since
// samplesRegistry rewrites every stream (the imagestreamtag-to-image-all ConfigMap and
// the mirror commands).
func AllImages(streams map[string]*unstructured.Unstructured) map[string]string {
	return imageMap(streams, true)
}

func imageMap(streams map[string]*unstructured.Unstructured, jenkins bool) map[string]string {
	out := map[string]string{}
	for name, is := range streams {
		if !jenkins && strings.HasPrefix(name, "jenkins") {
			continue
		}
		for t := range imagestream.Tags(is) {
			if t.FromKind == "DockerImage" && t.Name != "" && t.FromName != "" {
				out[name+"_"+t.Name] = t.FromName
			}
		}
	}
	return out
}

// Failing are the import-error ConfigMaps that name a failing tag: the stock operator
// leaves some with no data once the stream's tags recover, and those report nothing.
// Every view of the failing streams (the Config, the ClusterOperator, the metrics, the
// status command) reads them through this one filter.
func Failing(cms []corev1.ConfigMap) []corev1.ConfigMap {
	var out []corev1.ConfigMap
	for _, cm := range cms {
		if len(cm.Data) > 0 {
			out = append(out, cm)
		}
	}
	return out
}
