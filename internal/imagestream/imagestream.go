// Package imagestream is the one typed view of an image stream's spec tags, read in
// place from the unstructured objects the operator keeps (content samples and cached
// cluster streams): converting whole streams to imagev1.ImageStream would drop fields
// that must be written back, and hold a second parsed copy.
package imagestream

import (
	"fmt"
	"iter"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Tag is what the operator reads of one spec tag.
type Tag struct {
	Name string
	// FromKind and FromName are the tag's from reference ("" when it has none, or the
	// field is not a string): DockerImage, ImageStreamTag, ...
	FromKind, FromName string

	obj map[string]any
}

// Object is the tag's entry in the stream itself, not a copy: copy it before keeping
// it in another object.
func (t Tag) Object() map[string]any { return t.obj }

// SetFromName changes the name of the tag's from reference, in the stream, when the
// tag has one.
func (t Tag) SetFromName(name string) {
	if from, ok := t.obj["from"].(map[string]any); ok {
		if _, ok := from["name"].(string); ok {
			from["name"] = name
		}
	}
}

// Tags yields the spec tags of an image stream, in order. An entry that is not an
// object with a string name is no tag and is skipped (content files with one fail
// Check). It reads the object in place: no copy of the list, no allocation per tag.
func Tags(is *unstructured.Unstructured) iter.Seq[Tag] {
	return func(yield func(Tag) bool) {
		spec, _ := is.Object["spec"].(map[string]any)
		list, _ := spec["tags"].([]any)
		for _, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			name, ok := m["name"].(string)
			if !ok {
				continue
			}
			t := Tag{Name: name, obj: m}
			if from, ok := m["from"].(map[string]any); ok {
				t.FromKind, _ = from["kind"].(string)
				t.FromName, _ = from["name"].(string)
			}
			if !yield(t) {
				return
			}
		}
	}
}

// Check reports the first part of an image stream's spec that Tags would not read as
// written (a spec or tag list of the wrong type, a tag that is no object or has no
// name, a from reference without a kind or name), so that a malformed content file is
// an error naming it rather than a tag silently missing.
func Check(is *unstructured.Unstructured) error {
	spec, found := is.Object["spec"]
	if !found {
		return nil
	}
	s, ok := spec.(map[string]any)
	if !ok {
		return fmt.Errorf("spec is a %T, want an object", spec)
	}
	v, found := s["tags"]
	if !found {
		return nil
	}
	tags, ok := v.([]any)
	if !ok {
		return fmt.Errorf("spec.tags is a %T, want a list", v)
	}
	for i, e := range tags {
		m, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("spec.tags[%d] is a %T, want an object", i, e)
		}
		if n, ok := m["name"].(string); !ok || n == "" {
			return fmt.Errorf("spec.tags[%d] has no name", i)
		}
	}
	for i, t := range tags {
		from, found := t.(map[string]any)["from"]
		if !found {
			continue
		}
		f, ok := from.(map[string]any)
		if !ok {
			return fmt.Errorf("spec.tags[%d].from is a %T, want an object", i, from)
		}
		if _, ok := f["kind"].(string); !ok {
			return fmt.Errorf("spec.tags[%d].from has no kind", i)
		}
		if _, ok := f["name"].(string); !ok {
			return fmt.Errorf("spec.tags[%d].from has no name", i)
		}
	}
	return nil
}
