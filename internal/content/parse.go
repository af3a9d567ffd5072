package content

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Set is the content of one architecture, by object name.
//
// Each object is kept as the compact JSON it parsed to (Raw) and parsed afresh on
// each use: parsed into maps, the content cost several times its bytes and was most
// of the operator's heap with large content (make bench, heap profiles), while a pass
// over samples already in place reads no content object at all.
type Set struct {
	ImageStreams map[string]Raw
	Templates    map[string]Raw
}

// Raw is one content object as compact JSON. A nil Raw stands for a name only (Names,
// the objects Removed may delete).
type Raw []byte

// Object parses the object afresh: the caller may keep or change it.
func (r Raw) Object() (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	if err := utiljson.Unmarshal(r, &obj.Object); err != nil {
		return nil, fmt.Errorf("content object: %w", err)
	}
	return obj, nil
}

// Objects parses every object of m afresh, by name.
func Objects(m map[string]Raw) (map[string]*unstructured.Unstructured, error) {
	out := make(map[string]*unstructured.Unstructured, len(m))
	for name, raw := range m {
		obj, err := raw.Object()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = obj
	}
	return out, nil
}

// NameSet is a Set of names only (nil Raw), the names of sets.
func NameSet(sets ...*Set) *Set {
	out := &Set{ImageStreams: map[string]Raw{}, Templates: map[string]Raw{}}
	for _, s := range sets {
		for n := range s.ImageStreams {
			out.ImageStreams[n] = nil
		}
		for n := range s.Templates {
			out.Templates[n] = nil
		}
	}
	return out
}

// ImageStreamNames returns the image stream names, sorted.
func (s *Set) ImageStreamNames() []string { return slices.Sorted(maps.Keys(s.ImageStreams)) }

// TemplateNames returns the template names, sorted.
func (s *Set) TemplateNames() []string { return slices.Sorted(maps.Keys(s.Templates)) }

// Inventory is all content, by architecture directory.
type Inventory struct {
	Arches map[string]*Set
	// Dirs names the directory each architecture was read from.
	Dirs map[string]string
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

// fileError names the content file that could not be used.
type fileError struct {
	Path string
	Err  error
}

func (e *fileError) Error() string { return fmt.Sprintf("content file %s: %v", e.Path, e.Err) }
func (e *fileError) Unwrap() error { return e.Err }

// maxFileSize bounds one content file. The largest real sample template is well under
// 100 KiB; a file this large is not a sample.
const maxFileSize = 4 << 20

// Load reads every content file of fsys as OpenShift (ocp) content.
func Load(fsys fs.FS) (*Inventory, error) { return loadFlavor(fsys, FlavorOCP) }

// loadFlavor reads every content file of fsys: <arch>/<group>/{imagestreams,templates}/*.json,
// where <arch> is x86_64, aarch64, ppc64le or s390x, optionally prefixed by the flavor
// ("ocp-x86_64"). Directories of the other flavor are ignored; any other directory is
// an error. Symbolic links are followed. Any unreadable or malformed file fails the
// whole load, so that a broken tree never looks like a tree without that sample.
func loadFlavor(fsys fs.FS, flavor string) (*Inventory, error) {
	dirOf, err := findLayout(fsys, flavor)
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Arches: map[string]*Set{}, Dirs: dirOf}
	for arch, dir := range dirOf {
		set, err := loadArch(fsys, dir)
		if err != nil {
			return nil, err
		}
		inv.Arches[arch] = set
	}
	return inv, nil
}

// loadArch reads <dir>/<group>/{imagestreams,templates}/*.json. The layout has a fixed
// depth, so following symbolic links cannot loop.
func loadArch(fsys fs.FS, dir string) (*Set, error) {
	set := &Set{ImageStreams: map[string]Raw{}, Templates: map[string]Raw{}}
	groups, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, &fileError{Path: dir, Err: err}
	}
	for _, g := range groups {
		gp := path.Join(dir, g.Name())
		if !statDir(fsys, gp) {
			continue
		}
		for sub, kind := range kindOfDir {
			kp := path.Join(gp, sub)
			if !statDir(fsys, kp) {
				continue
			}
			files, err := fs.ReadDir(fsys, kp)
			if err != nil {
				return nil, &fileError{Path: kp, Err: err}
			}
			for _, f := range files {
				p := path.Join(kp, f.Name())
				if !strings.HasSuffix(f.Name(), ".json") || statDir(fsys, p) {
					continue
				}
				obj, err := loadFile(fsys, p, kind)
				if err != nil {
					return nil, &fileError{Path: p, Err: err}
				}
				dest := set.ImageStreams
				if kind == "Template" {
					dest = set.Templates
				}
				if _, dup := dest[obj.GetName()]; dup {
					return nil, &fileError{Path: p, Err: fmt.Errorf("a second %s named %q", kind, obj.GetName())}
				}
				raw, err := json.Marshal(obj.Object)
				if err != nil {
					return nil, &fileError{Path: p, Err: err}
				}
				dest[obj.GetName()] = raw
			}
		}
	}
	return set, nil
}

func loadFile(fsys fs.FS, p, kind string) (*unstructured.Unstructured, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes, the most a content file may hold", maxFileSize)
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
	if err := validateShape(obj); err != nil {
		return nil, err
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
