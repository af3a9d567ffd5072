// Package record keeps the names of the samples the operator installed, across
// releases: what Removed and the Config's deletion may remove beyond the current
// inventory (a sample an earlier release shipped and this one retired), without
// touching a user's lookalike that carries the managed label but was never installed.
package record

import (
	"maps"
	"slices"
	"strings"
)

// The keys of the record ConfigMap's data.
const (
	ImageStreamsKey = "imagestreams"
	TemplatesKey    = "templates"
)

// Names are the recorded image streams and templates.
type Names struct {
	ImageStreams map[string]bool
	Templates    map[string]bool
}

// New returns empty Names.
func New() Names { return Names{ImageStreams: map[string]bool{}, Templates: map[string]bool{}} }

// Parse reads a record ConfigMap's data (nil: no record yet). Blank lines and
// surrounding spaces are ignored, so a hand edit does not break it.
func Parse(data map[string]string) Names {
	n := New()
	for key, into := range map[string]map[string]bool{ImageStreamsKey: n.ImageStreams, TemplatesKey: n.Templates} {
		for _, line := range strings.Split(data[key], "\n") {
			if name := strings.TrimSpace(line); name != "" {
				into[name] = true
			}
		}
	}
	return n
}

// Data is the ConfigMap data of n: each kind's names sorted, one a line.
func (n Names) Data() map[string]string {
	join := func(m map[string]bool) string { return strings.Join(slices.Sorted(maps.Keys(m)), "\n") }
	return map[string]string{ImageStreamsKey: join(n.ImageStreams), TemplatesKey: join(n.Templates)}
}

// Union returns the names in n or in other.
func (n Names) Union(other Names) Names {
	out := New()
	for _, src := range []Names{n, other} {
		maps.Copy(out.ImageStreams, src.ImageStreams)
		maps.Copy(out.Templates, src.Templates)
	}
	return out
}

// Equal tells whether n and other hold the same names.
func (n Names) Equal(other Names) bool {
	return maps.Equal(n.ImageStreams, other.ImageStreams) && maps.Equal(n.Templates, other.Templates)
}

// Empty tells whether n holds no name.
func (n Names) Empty() bool { return len(n.ImageStreams) == 0 && len(n.Templates) == 0 }
