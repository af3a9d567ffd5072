package content

import (
	"fmt"
	"io/fs"
	"strings"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

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

var kindOfDir = map[string]string{"imagestreams": "ImageStream", "templates": "Template"}

// Flavors of content trees: the stock operator's image names its architecture
// directories ocp-<arch> (OpenShift) and okd-<arch> (OKD); a plain <arch> is taken as
// the flavor asked for.
const (
	FlavorOCP = "ocp"
	flavorOKD = "okd"
)

// archDirNames are the directory names that hold one architecture, for a flavor.
func archDirNames(arch, flavor string) []string {
	return []string{arch, flavor + "-" + arch}
}

// layoutError says the tree is not laid out as samples content at all (no directory
// of any architecture, or one that is not an architecture): unlike a fileError, it
// means the directory given is the wrong one.
type layoutError struct {
	Msg string
	// NoContent is set when the tree holds no architecture directory at all: the
	// directory given is not a samples tree, rather than a damaged one.
	NoContent bool
}

func (e *layoutError) Error() string { return e.Msg }

// findLayout finds the architecture directories of a content tree (architecture ->
// directory) without reading any file; its errors are *layoutError.
func findLayout(fsys fs.FS, flavor string) (map[string]string, error) {
	if flavor != FlavorOCP && flavor != flavorOKD {
		return nil, &layoutError{Msg: fmt.Sprintf("content flavor %q: want %s or %s", flavor, FlavorOCP, flavorOKD)}
	}
	other := flavorOKD
	if flavor == flavorOKD {
		other = FlavorOCP
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, &layoutError{Msg: fmt.Sprintf("reading the content directory: %v", err)}
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
			return nil, &layoutError{Msg: fmt.Sprintf("directory %q is not an architecture directory (want %s, optionally prefixed %q)", name, strings.Join(contentArches, ", "), flavor+"-")}
		case arch == "":
			continue
		case dirOf[arch] != "":
			return nil, &layoutError{Msg: fmt.Sprintf("both %q and %q hold %s content", dirOf[arch], name, arch)}
		}
		dirOf[arch] = name
	}
	if len(dirOf) == 0 {
		return nil, &layoutError{Msg: fmt.Sprintf("no architecture directory (%s, optionally prefixed %q)", strings.Join(contentArches, ", "), flavor+"-"), NoContent: true}
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
