// Package content loads the samples: one image stream or template per JSON file, laid
// out as <dir>/<arch>/<group>/{imagestreams,templates}/*.json.
package content

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/imagestream"
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
	// Templates hold each template without its objects: those are most of the content's
	// bytes, and only a write of the template reads them (TemplateObjects). Kept parsed,
	// they made the content most of the operator's heap: two thirds of it with 2,000
	// samples (make bench, heap profile).
	Templates map[string]*unstructured.Unstructured
	// objects holds each template's objects as compact JSON.
	objects map[string][]byte
}

// TemplateObjects returns a template's objects, parsed afresh (the caller may keep or
// change them); nil when the template has none.
func (s *Set) TemplateObjects(name string) ([]any, error) {
	raw, ok := s.objects[name]
	if !ok {
		return nil, nil
	}
	var objs []any
	if err := utiljson.Unmarshal(raw, &objs); err != nil {
		return nil, fmt.Errorf("template %s: objects: %w", name, err)
	}
	return objs, nil
}

// setTemplate files a template, its objects apart.
func (s *Set) setTemplate(obj *unstructured.Unstructured) error {
	if objs, ok := obj.Object["objects"]; ok {
		raw, err := json.Marshal(objs)
		if err != nil {
			return err
		}
		if s.objects == nil {
			s.objects = map[string][]byte{}
		}
		s.objects[obj.GetName()] = raw
		delete(obj.Object, "objects")
	}
	s.Templates[obj.GetName()] = obj
	return nil
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

// FileError names the content file that could not be used.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("content file %s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

var kindOfDir = map[string]string{"imagestreams": "ImageStream", "templates": "Template"}

// Flavors of content trees: the stock operator's image names its architecture
// directories ocp-<arch> (OpenShift) and okd-<arch> (OKD); a plain <arch> is taken as
// the flavor asked for.
const (
	FlavorOCP = "ocp"
	FlavorOKD = "okd"
)

// MaxFileSize bounds one content file. The largest real sample template is well under
// 100 KiB; a file this large is not a sample.
const MaxFileSize = 4 << 20

// archDirNames are the directory names that hold one architecture, for a flavor.
func archDirNames(arch, flavor string) []string {
	return []string{arch, flavor + "-" + arch}
}

// LayoutError says the tree is not laid out as samples content at all (no directory
// of any architecture, or one that is not an architecture): unlike a FileError, it
// means the directory given is the wrong one.
type LayoutError struct {
	Msg string
	// NoContent is set when the tree holds no architecture directory at all: the
	// directory given is not a samples tree, rather than a damaged one.
	NoContent bool
}

func (e *LayoutError) Error() string { return e.Msg }

// Load reads every content file of fsys as OpenShift (ocp) content.
func Load(fsys fs.FS) (*Inventory, error) { return LoadFlavor(fsys, FlavorOCP) }

// LoadFlavor reads every content file of fsys: <arch>/<group>/{imagestreams,templates}/*.json,
// where <arch> is x86_64, aarch64, ppc64le or s390x, optionally prefixed by the flavor
// ("ocp-x86_64"). Directories of the other flavor are ignored; any other directory is
// an error. Symbolic links are followed. Any unreadable or malformed file fails the
// whole load, so that a broken tree never looks like a tree without that sample.
func LoadFlavor(fsys fs.FS, flavor string) (*Inventory, error) {
	dirOf, err := Layout(fsys, flavor)
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

// Layout finds the architecture directories of a content tree (architecture ->
// directory) without reading any file; its errors are *LayoutError.
func Layout(fsys fs.FS, flavor string) (map[string]string, error) {
	if flavor != FlavorOCP && flavor != FlavorOKD {
		return nil, &LayoutError{Msg: fmt.Sprintf("content flavor %q: want %s or %s", flavor, FlavorOCP, FlavorOKD)}
	}
	other := FlavorOKD
	if flavor == FlavorOKD {
		other = FlavorOCP
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, &LayoutError{Msg: fmt.Sprintf("reading the content directory: %v", err)}
	}
	dirOf := map[string]string{} // architecture -> directory
	for _, e := range entries {
		if !isDir(fsys, e) {
			continue
		}
		name := e.Name()
		arch, known := "", false
		for _, a := range contentArches {
			for _, n := range archDirNames(a, flavor) {
				if name == n {
					arch, known = a, true
				}
			}
			if name == other+"-"+a {
				known = true // the other flavor's content: not ours to load
			}
		}
		switch {
		case !known:
			return nil, &LayoutError{Msg: fmt.Sprintf("directory %q is not an architecture directory (want %s, optionally prefixed %q)", name, strings.Join(contentArches, ", "), flavor+"-")}
		case arch == "":
			continue
		case dirOf[arch] != "":
			return nil, &LayoutError{Msg: fmt.Sprintf("both %q and %q hold %s content", dirOf[arch], name, arch)}
		}
		dirOf[arch] = name
	}
	if len(dirOf) == 0 {
		return nil, &LayoutError{Msg: fmt.Sprintf("no architecture directory (%s, optionally prefixed %q)", strings.Join(contentArches, ", "), flavor+"-"), NoContent: true}
	}
	return dirOf, nil
}

// contentArches are the architecture directories content may have.
var contentArches = []string{samplesv1.X86Architecture, samplesv1.AArch64Architecture, samplesv1.PPCArchitecture, samplesv1.S390Architecture}

// isDir tells whether e is a directory, following a symbolic link.
func isDir(fsys fs.FS, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.IsDir()
	}
	return statDir(fsys, e.Name())
}

// statDir is isDir for a path, following symbolic links (os.DirFS's Stat does).
func statDir(fsys fs.FS, p string) bool {
	st, err := fs.Stat(fsys, p)
	return err == nil && st.IsDir()
}

// loadArch reads <dir>/<group>/{imagestreams,templates}/*.json. The layout has a fixed
// depth, so following symbolic links cannot loop.
func loadArch(fsys fs.FS, dir string) (*Set, error) {
	set := &Set{ImageStreams: map[string]*unstructured.Unstructured{}, Templates: map[string]*unstructured.Unstructured{}}
	groups, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, &FileError{Path: dir, Err: err}
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
				return nil, &FileError{Path: kp, Err: err}
			}
			for _, f := range files {
				p := path.Join(kp, f.Name())
				if !strings.HasSuffix(f.Name(), ".json") || statDir(fsys, p) {
					continue
				}
				obj, err := loadFile(fsys, p, kind)
				if err != nil {
					return nil, &FileError{Path: p, Err: err}
				}
				dest := set.ImageStreams
				if kind == "Template" {
					dest = set.Templates
				}
				if _, dup := dest[obj.GetName()]; dup {
					return nil, &FileError{Path: p, Err: fmt.Errorf("a second %s named %q", kind, obj.GetName())}
				}
				if kind != "Template" {
					dest[obj.GetName()] = obj
				} else if err := set.setTemplate(obj); err != nil {
					return nil, &FileError{Path: p, Err: err}
				}
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
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes, the most a content file may hold", MaxFileSize)
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

// BuiltIn names the content compiled into the operator.
const BuiltIn = "built-in"

// Source loads content when asked and keeps what it loaded: the layout of the tree, and
// the set of each architecture asked for (the operator asks for one). After a failure it
// tries again on the next call, so fixing a broken file recovers without a restart.
type Source struct {
	FS fs.FS
	// Flavor is FlavorOCP (the default) or FlavorOKD.
	Flavor string
	// Name says where the content comes from, for logs, messages and metrics: the
	// directory given with --assets-dir, or BuiltIn.
	Name string
	// Fallback, when set, says why the directory the operator was given is not used
	// and the built-in content is served instead.
	Fallback string

	mu     sync.Mutex
	layout map[string]string
	sets   map[string]*Set
	names  *Set
	counts map[string][2]int
}

// Names is the name of every sample of every architecture (with nil objects): what
// Removed and the Config's deletion may delete. Loaded once, then only the names stay.
func (s *Source) Names() (*Set, error) {
	s.mu.Lock()
	names := s.names
	s.mu.Unlock()
	if names != nil {
		return names, nil
	}
	inv, err := s.Inventory()
	if err != nil {
		return nil, err
	}
	names = &Set{ImageStreams: map[string]*unstructured.Unstructured{}, Templates: map[string]*unstructured.Unstructured{}}
	for _, set := range inv.Arches {
		for n := range set.ImageStreams {
			names.ImageStreams[n] = nil
		}
		for n := range set.Templates {
			names.Templates[n] = nil
		}
	}
	s.mu.Lock()
	s.names = names
	s.mu.Unlock()
	return names, nil
}

func (s *Source) flavor() string {
	if s.Flavor == "" {
		return FlavorOCP
	}
	return s.Flavor
}

// Dirs returns the architecture directories of the tree (architecture -> directory).
func (s *Source) Dirs() (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dirsLocked()
}

func (s *Source) dirsLocked() (map[string]string, error) {
	if s.layout != nil {
		return s.layout, nil
	}
	dirs, err := Layout(s.FS, s.flavor())
	if err != nil {
		return nil, err
	}
	s.layout = dirs
	return dirs, nil
}

// Inventory loads every architecture, without keeping what it loads beyond the sets
// already asked for: for the mirror commands, the removal of samples of any
// architecture and tests.
func (s *Source) Inventory() (*Inventory, error) {
	dirs, err := s.Dirs()
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Arches: map[string]*Set{}, Dirs: dirs}
	for arch, dir := range dirs {
		s.mu.Lock()
		set := s.sets[arch]
		s.mu.Unlock()
		if set == nil {
			if set, err = loadArch(s.FS, dir); err != nil {
				return nil, err
			}
		}
		inv.Arches[arch] = set
	}
	return inv, nil
}

// Count counts the content files of an architecture directory by kind, without
// parsing them: for logs and metrics (every scrape), so it reads the tree once.
func (s *Source) Count(dir string) (imageStreams, templates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.counts[dir]; ok {
		return c[0], c[1]
	}
	defer func() {
		if s.counts == nil {
			s.counts = map[string][2]int{}
		}
		s.counts[dir] = [2]int{imageStreams, templates}
	}()
	groups, _ := fs.ReadDir(s.FS, dir)
	for _, g := range groups {
		for sub := range kindOfDir {
			files, _ := fs.ReadDir(s.FS, path.Join(dir, g.Name(), sub))
			for _, f := range files {
				if !strings.HasSuffix(f.Name(), ".json") {
					continue
				}
				if sub == "templates" {
					templates++
				} else {
					imageStreams++
				}
			}
		}
	}
	return imageStreams, templates
}

// Describe names the source for people: the directory, or "the built-in samples".
func (s *Source) Describe() string {
	if s.Name == "" || s.Name == BuiltIn {
		return "the built-in samples"
	}
	return s.Name
}

// MissingArchError says the content has no samples for an architecture the Config
// names (a supported name whose directory the tree lacks).
type MissingArchError struct {
	Arch string
	// Looked lists the directories that were looked for.
	Looked []string
}

func (e *MissingArchError) Error() string {
	return fmt.Sprintf("the samples content has no %q architecture (looked for %s)", e.Arch, strings.Join(e.Looked, " and "))
}

// SetFor returns the content of a Config architecture name. The error is the load
// error (a *FileError or *LayoutError) when the tree cannot be read, or a
// *MissingArchError.
func (s *Source) SetFor(arch string) (*Set, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dirs, err := s.dirsLocked()
	if err != nil {
		return nil, err
	}
	d, supported := ArchDir(arch)
	dir, ok := dirs[d]
	if !supported || !ok {
		var looked []string
		for _, n := range archDirNames(d, s.flavor()) {
			looked = append(looked, path.Join(s.Describe(), n))
		}
		return nil, &MissingArchError{Arch: arch, Looked: looked}
	}
	if set := s.sets[d]; set != nil {
		return set, nil
	}
	set, err := loadArch(s.FS, dir)
	if err != nil {
		return nil, err
	}
	if s.sets == nil {
		s.sets = map[string]*Set{}
	}
	s.sets[d] = set
	return set, nil
}

// Open picks the content the operator serves: the directory given with --assets-dir
// when it is laid out as samples content, else (and when none is given) the built-in
// set. A directory that is not laid out as content at all (missing, or with no
// architecture directory) falls back to the built-in set with Fallback saying why; a
// damaged one (a broken file, a stray directory) does not fall back: the error is
// reported and nothing in the cluster changes until it is fixed.
func Open(dir, flavor string) *Source {
	if dir == "" {
		return &Source{FS: Embedded(), Name: BuiltIn}
	}
	fallback := func(err error) *Source {
		return &Source{FS: Embedded(), Name: BuiltIn, Fallback: fmt.Sprintf("--assets-dir %s is not usable (%v), so the built-in samples are served", dir, err)}
	}
	if _, err := os.Stat(dir); err != nil {
		return fallback(err)
	}
	src := &Source{FS: os.DirFS(dir), Flavor: flavor, Name: dir}
	// Only a directory that is no samples tree at all falls back; a damaged one (a
	// stray directory, a broken file) is reported and changes nothing.
	var layout *LayoutError
	if _, err := src.Dirs(); errors.As(err, &layout) && layout.NoContent {
		return fallback(err)
	}
	return src
}

// validateShape checks the parts of a sample the operator reads, so that a malformed
// file is an error naming it, never a panic later.
func validateShape(obj *unstructured.Unstructured) error {
	switch obj.GetKind() {
	case "ImageStream":
		// The spec tags as imagestream.Tags reads them.
		return imagestream.Check(obj)
	case "Template":
		return validateTemplate(obj)
	}
	return nil
}

// validateTemplate checks a template's objects and parameters.
func validateTemplate(obj *unstructured.Unstructured) error {
	if _, err := list(obj, "objects"); err != nil {
		return err
	}
	params, err := list(obj, "parameters")
	if err != nil {
		return err
	}
	return named("parameters", params)
}

// list is the list at field, nil when there is none.
func list(obj *unstructured.Unstructured, field ...string) ([]any, error) {
	v, found, err := unstructured.NestedFieldNoCopy(obj.Object, field...)
	if err != nil || !found {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is a %T, want a list", strings.Join(field, "."), v)
	}
	return l, nil
}

// named checks that every entry of the list at field is an object with a name.
func named(field string, l []any) error {
	for i, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("%s[%d] is a %T, want an object", field, i, e)
		}
		if n, ok := m["name"].(string); !ok || n == "" {
			return fmt.Errorf("%s[%d] has no name", field, i)
		}
	}
	return nil
}
