package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Facts are what the built-in samples share with the real OpenShift samples tree: the
// names, tags, image references, reference and import policies, template parameter
// names and flags, and which image stream tags a template builds or runs from. No
// description, display text or template body is recorded; gencontent writes its own.
type Facts struct {
	// Architectures maps a content directory (x86_64, aarch64, ...) to its samples.
	Architectures map[string]*ArchFacts `json:"architectures"`
}

// ArchFacts are the samples of one architecture, sorted by name.
type ArchFacts struct {
	ImageStreams []StreamFacts   `json:"imageStreams"`
	Templates    []TemplateFacts `json:"templates"`
}

// StreamFacts describe one image stream.
type StreamFacts struct {
	Name        string            `json:"name"`
	Group       string            `json:"group"`
	LookupLocal bool              `json:"lookupLocal,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Provider    string            `json:"provider,omitempty"`
	Tags        []TagFacts        `json:"tags"`
}

// TagFacts describe one tag: where it imports from and how the console classifies it.
type TagFacts struct {
	Name            string `json:"name"`
	FromKind        string `json:"fromKind"`
	From            string `json:"from"`
	ReferencePolicy string `json:"referencePolicy"`
	Scheduled       bool   `json:"scheduled,omitempty"`
	// Classes are the tokens of the tag's "tags" annotation (builder, hidden, ...).
	Classes    string `json:"classes,omitempty"`
	Icon       string `json:"icon,omitempty"`
	Version    string `json:"version,omitempty"`
	SampleRepo string `json:"sampleRepo,omitempty"`
	Supports   string `json:"supports,omitempty"`
}

// TemplateFacts describe one template.
type TemplateFacts struct {
	Name       string       `json:"name"`
	Group      string       `json:"group"`
	Classes    string       `json:"classes,omitempty"`
	Icon       string       `json:"icon,omitempty"`
	Parameters []ParamFacts `json:"parameters"`
	// Builder is the image stream tag (stream:tag of the openshift namespace) its
	// BuildConfig builds from; Runs are those its workloads run.
	Builder string   `json:"builder,omitempty"`
	Runs    []string `json:"runs,omitempty"`
	// Image is a container image the template runs directly, when it names no stream.
	Image string `json:"image,omitempty"`
}

// ParamFacts describe one template parameter. Value is kept only when it is a single
// token (a name, size, version or URL), never text.
type ParamFacts struct {
	Name     string `json:"name"`
	Required bool   `json:"required,omitempty"`
	Generate string `json:"generate,omitempty"`
	From     string `json:"from,omitempty"`
	Value    string `json:"value,omitempty"`
}

type rawStream struct {
	Metadata struct {
		Name        string            `json:"name"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		LookupPolicy struct {
			Local bool `json:"local"`
		} `json:"lookupPolicy"`
		Tags []struct {
			Name        string            `json:"name"`
			Annotations map[string]string `json:"annotations"`
			From        struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"from"`
			ImportPolicy struct {
				Scheduled bool `json:"scheduled"`
			} `json:"importPolicy"`
			ReferencePolicy struct {
				Type string `json:"type"`
			} `json:"referencePolicy"`
		} `json:"tags"`
	} `json:"spec"`
}

type rawTemplate struct {
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Objects    []map[string]any `json:"objects"`
	Parameters []struct {
		Name     string `json:"name"`
		Value    string `json:"value"`
		Required bool   `json:"required"`
		Generate string `json:"generate"`
		From     string `json:"from"`
	} `json:"parameters"`
}

var paramRef = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// extract reads a samples tree (<dir>/<arch>/<group>/{imagestreams,templates}/*.json).
func extract(dir string) (*Facts, error) {
	facts := &Facts{Architectures: map[string]*ArchFacts{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 4 {
			return nil
		}
		arch, group, kind := parts[0], parts[1], parts[2]
		af := facts.Architectures[arch]
		if af == nil {
			af = &ArchFacts{}
			facts.Architectures[arch] = af
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch kind {
		case "imagestreams":
			var s rawStream
			if err := json.Unmarshal(data, &s); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			sf := StreamFacts{Name: s.Metadata.Name, Group: group, LookupLocal: s.Spec.LookupPolicy.Local,
				Labels: s.Metadata.Labels, Provider: s.Metadata.Annotations["openshift.io/provider-display-name"]}
			for _, t := range s.Spec.Tags {
				sf.Tags = append(sf.Tags, TagFacts{Name: t.Name, FromKind: t.From.Kind, From: t.From.Name,
					ReferencePolicy: t.ReferencePolicy.Type, Scheduled: t.ImportPolicy.Scheduled,
					Classes: t.Annotations["tags"], Icon: t.Annotations["iconClass"], Version: t.Annotations["version"],
					SampleRepo: t.Annotations["sampleRepo"], Supports: t.Annotations["supports"]})
			}
			af.ImageStreams = append(af.ImageStreams, sf)
		case "templates":
			var t rawTemplate
			if err := json.Unmarshal(data, &t); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			tf := TemplateFacts{Name: t.Metadata.Name, Group: group, Classes: t.Metadata.Annotations["tags"], Icon: t.Metadata.Annotations["iconClass"]}
			defaults := map[string]string{}
			for _, prm := range t.Parameters {
				pf := ParamFacts{Name: prm.Name, Required: prm.Required, Generate: prm.Generate, From: prm.From}
				if prm.Value != "" && !strings.ContainsAny(prm.Value, " \t\n") {
					pf.Value = prm.Value
				}
				defaults[prm.Name] = prm.Value
				tf.Parameters = append(tf.Parameters, pf)
			}
			resolve := func(s string) string {
				return paramRef.ReplaceAllStringFunc(s, func(m string) string { return defaults[m[2:len(m)-1]] })
			}
			for _, o := range t.Objects {
				if o["kind"] == "BuildConfig" {
					// The builder is the strategy's image; the output is the app's own.
					spec, _ := o["spec"].(map[string]any)
					for _, ref := range imageStreamTags(spec["strategy"]) {
						if ns := resolve(ref[1]); (ns == "" || ns == "openshift") && tf.Builder == "" {
							tf.Builder = resolve(ref[0])
						}
					}
					continue
				}
				for _, ref := range imageStreamTags(o) {
					if ns := resolve(ref[1]); ns != "" && ns != "openshift" {
						continue
					}
					if name := resolve(ref[0]); !slices.Contains(tf.Runs, name) {
						tf.Runs = append(tf.Runs, name)
					}
				}
				if tf.Image == "" {
					tf.Image = firstImage(o)
				}
			}
			if tf.Image == "" && strings.Contains(defaults["IMAGE"], "/") {
				tf.Image = defaults["IMAGE"]
			}
			af.Templates = append(af.Templates, tf)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, af := range facts.Architectures {
		sort.Slice(af.ImageStreams, func(i, j int) bool { return af.ImageStreams[i].Name < af.ImageStreams[j].Name })
		sort.Slice(af.Templates, func(i, j int) bool { return af.Templates[i].Name < af.Templates[j].Name })
		// Keep only references that name a stream and tag of the same architecture.
		has := map[string]bool{}
		for _, s := range af.ImageStreams {
			for _, t := range s.Tags {
				has[s.Name+":"+t.Name] = true
			}
		}
		// A default tag the stream no longer has (the real tree has a few) falls back to
		// the stream's latest, so the built-in templates work.
		existing := func(ref string) string {
			if has[ref] {
				return ref
			}
			stream, _, _ := strings.Cut(ref, ":")
			if has[stream+":latest"] {
				return stream + ":latest"
			}
			return ""
		}
		for i := range af.Templates {
			tf := &af.Templates[i]
			tf.Builder = existing(tf.Builder)
			var runs []string
			for _, r := range tf.Runs {
				if r = existing(r); r != "" && !slices.Contains(runs, r) {
					runs = append(runs, r)
				}
			}
			tf.Runs = runs
			if tf.Builder != "" || len(tf.Runs) > 0 {
				tf.Image = ""
			}
		}
	}
	return facts, nil
}

// imageStreamTags finds every {kind: ImageStreamTag, name, namespace} in o.
func imageStreamTags(o any) [][2]string {
	var out [][2]string
	switch v := o.(type) {
	case map[string]any:
		if v["kind"] == "ImageStreamTag" {
			name, _ := v["name"].(string)
			ns, _ := v["namespace"].(string)
			if name != "" {
				out = append(out, [2]string{name, ns})
			}
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out = append(out, imageStreamTags(v[k])...)
		}
	case []any:
		for _, e := range v {
			out = append(out, imageStreamTags(e)...)
		}
	}
	return out
}

// firstImage finds the first containers[].image that is a literal reference.
func firstImage(o any) string {
	switch v := o.(type) {
	case map[string]any:
		if img, ok := v["image"].(string); ok && strings.Contains(img, "/") && !strings.Contains(img, "${") {
			return img
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if img := firstImage(v[k]); img != "" {
				return img
			}
		}
	case []any:
		for _, e := range v {
			if img := firstImage(e); img != "" {
				return img
			}
		}
	}
	return ""
}
