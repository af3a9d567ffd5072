// Package content loads the samples: one image stream or template per JSON file, laid
// out as <dir>/<arch>/<group>/{imagestreams,templates}/*.json.
package content

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

//go:embed all:assets
var embedded embed.FS

// Embedded is the content built into the operator.
func Embedded() fs.FS {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}

// Architecture directories, and the Config's names for them.
var archDirs = map[string]string{
	samplesv1.X86Architecture: samplesv1.X86Architecture, samplesv1.AMDArchitecture: samplesv1.X86Architecture,
	samplesv1.AArch64Architecture: samplesv1.AArch64Architecture, samplesv1.ARMArchitecture: samplesv1.AArch64Architecture,
	samplesv1.PPCArchitecture:  samplesv1.PPCArchitecture,
	samplesv1.S390Architecture: samplesv1.S390Architecture,
}

// ArchDir is the content directory of a Config architecture name, and whether the
// architecture is supported at all.
func ArchDir(arch string) (string, bool) {
	d, ok := archDirs[arch]
	return d, ok
}

// SupportedArchitectures lists the names a Config may use, for messages.
const SupportedArchitectures = "x86_64 (or amd64), arm64 (or aarch64), ppc64le, s390x"

// Set is the content of one architecture, by object name.
type Set struct {
	ImageStreams map[string]*unstructured.Unstructured
	Templates    map[string]*unstructured.Unstructured
}

// ImageStreamNames returns the image stream names, sorted.
func (s *Set) ImageStreamNames() []string { return sortedKeys(s.ImageStreams) }

// TemplateNames returns the template names, sorted.
func (s *Set) TemplateNames() []string { return sortedKeys(s.Templates) }

func sortedKeys(m map[string]*unstructured.Unstructured) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Inventory is all content, by architecture directory.
type Inventory struct {
	Arches map[string]*Set
}

// For returns the content of a Config architecture name.
func (inv *Inventory) For(arch string) (*Set, bool) {
	d, ok := ArchDir(arch)
	if !ok {
		return nil, false
	}
	s, ok := inv.Arches[d]
	return s, ok
}

// FileError names the content file that could not be used.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("content file %s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

var kindOfDir = map[string]string{"imagestreams": "ImageStream", "templates": "Template"}

// Load reads every content file of fsys. Any unreadable or malformed file fails the whole
// load, so that a broken tree never looks like a tree without that sample.
func Load(fsys fs.FS) (*Inventory, error) {
	inv := &Inventory{Arches: map[string]*Set{}}
	arches, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, &FileError{Path: ".", Err: err}
	}
	for _, a := range arches {
		if !a.IsDir() {
			continue
		}
		set := &Set{ImageStreams: map[string]*unstructured.Unstructured{}, Templates: map[string]*unstructured.Unstructured{}}
		err := fs.WalkDir(fsys, a.Name(), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return &FileError{Path: p, Err: err}
			}
			if d.IsDir() || !strings.HasSuffix(p, ".json") {
				return nil
			}
			kind, ok := kindOfDir[path.Base(path.Dir(p))]
			if !ok {
				return nil
			}
			obj, err := loadFile(fsys, p, kind)
			if err != nil {
				return &FileError{Path: p, Err: err}
			}
			dest := set.ImageStreams
			if kind == "Template" {
				dest = set.Templates
			}
			if _, dup := dest[obj.GetName()]; dup {
				return &FileError{Path: p, Err: fmt.Errorf("a second %s named %q", kind, obj.GetName())}
			}
			dest[obj.GetName()] = obj
			return nil
		})
		if err != nil {
			return nil, err
		}
		inv.Arches[a.Name()] = set
	}
	return inv, nil
}

func loadFile(fsys fs.FS, p, kind string) (*unstructured.Unstructured, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	if err := utiljson.Unmarshal(data, &obj.Object); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if obj.Object == nil {
		return nil, errors.New("empty object")
	}
	DropNulls(obj.Object)
	if obj.GetKind() != kind {
		return nil, fmt.Errorf("kind %q, want %s", obj.GetKind(), kind)
	}
	if obj.GetName() == "" {
		return nil, errors.New("no metadata.name")
	}
	// Server-populated fields in exported content mean nothing here.
	for _, f := range []string{"creationTimestamp", "namespace", "resourceVersion", "uid", "generation", "managedFields"} {
		unstructured.RemoveNestedField(obj.Object, "metadata", f)
	}
	delete(obj.Object, "status")
	return obj, nil
}

// DropNulls removes null values, which the API server does not store.
func DropNulls(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
			} else {
				DropNulls(e)
			}
		}
	case []any:
		for _, e := range t {
			DropNulls(e)
		}
	}
}

// Source loads content once and keeps it; after a failure it tries again on the next
// call, so fixing a broken file recovers without a restart.
type Source struct {
	FS fs.FS

	mu  sync.Mutex
	inv *Inventory
}

// Inventory returns the loaded content.
func (s *Source) Inventory() (*Inventory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inv != nil {
		return s.inv, nil
	}
	inv, err := Load(s.FS)
	if err != nil {
		return nil, err
	}
	s.inv = inv
	return inv, nil
}

// MissingArchError says the content has no samples for an architecture the Config
// names (a supported name whose directory the tree lacks).
type MissingArchError struct{ Arch string }

func (e *MissingArchError) Error() string {
	return fmt.Sprintf("the samples content has no %q architecture", e.Arch)
}

// SetFor returns the content of a Config architecture name. The error is the load
// error (a *FileError) when the tree cannot be read, or a *MissingArchError.
func (s *Source) SetFor(arch string) (*Set, error) {
	inv, err := s.Inventory()
	if err != nil {
		return nil, err
	}
	set, ok := inv.For(arch)
	if !ok {
		return nil, &MissingArchError{Arch: arch}
	}
	return set, nil
}
