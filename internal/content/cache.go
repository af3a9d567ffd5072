package content

import (
	"io/fs"
	"path"
	"strings"
	"sync"
)

// Source loads content when asked and keeps what it loaded: the layout of the tree, and
// the set of each architecture asked for (the operator asks for one). After a failure it
// tries again on the next call, so fixing a broken file recovers without a restart.
type Source struct {
	FS fs.FS
	// Flavor is FlavorOCP (the default) or "okd".
	Flavor string
	// Name says where the content comes from, for logs, messages and metrics: the
	// directory given with --assets-dir, or BuiltIn.
	Name string
	// Fallback, when set, says why the directory the operator was given is not used
	// and the built-in content is served instead.
	Fallback string
	// Unusable, set with Fallback, is the error reading the directory gave: a caller
	// that must not serve other content than the directory it named (the mirror
	// commands) reports it instead.
	Unusable error

	mu     sync.Mutex
	layout map[string]string
	sets   map[string]*Set
	names  *Set
	counts map[string][2]int
}

// Names is the name of every sample of every architecture (a NameSet): what
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
	sets := make([]*Set, 0, len(inv.Arches))
	for _, set := range inv.Arches {
		sets = append(sets, set)
	}
	names = NameSet(sets...)
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
	dirs, err := findLayout(s.FS, s.flavor())
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

// SetFor returns the content of a Config architecture name. The error is the load
// error (a *fileError or *layoutError) when the tree cannot be read, or a
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
