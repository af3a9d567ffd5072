package content

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
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

// BuiltIn names the content compiled into the operator.
const BuiltIn = "built-in"

// Open is the one way into the content, for the operator and the mirror commands: the
// directory given with --assets-dir when it is laid out as samples content (<arch> or
// <flavor>-<arch> directories), else (and when none is given) the built-in set. A
// directory that is not laid out as content at all (missing, or with no architecture
// directory) falls back to the built-in set with Fallback saying why (and Unusable the
// error reading it gave); a damaged one (a broken file, a stray directory) does not
// fall back: the error is reported and nothing in the cluster changes until it is
// fixed.
func Open(dir, flavor string) *Source {
	if dir == "" {
		return &Source{FS: Embedded(), Name: BuiltIn}
	}
	src := &Source{FS: os.DirFS(dir), Flavor: flavor, Name: dir}
	_, statErr := os.Stat(dir)
	_, err := src.Dirs()
	// Only a directory that is no samples tree at all falls back; a damaged one (a
	// stray directory, a broken file) is reported and changes nothing.
	var layout *layoutError
	switch {
	case statErr != nil:
		return fallback(dir, statErr, err)
	case errors.As(err, &layout) && layout.NoContent:
		return fallback(dir, err, err)
	}
	return src
}

// fallback is the built-in content, served because the directory is not usable (why).
func fallback(dir string, why, readErr error) *Source {
	if readErr == nil {
		readErr = why
	}
	return &Source{FS: Embedded(), Name: BuiltIn, Unusable: readErr,
		Fallback: fmt.Sprintf("--assets-dir %s is not usable (%v), so the built-in samples are served", dir, why)}
}
