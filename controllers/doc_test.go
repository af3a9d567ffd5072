package controllers

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocMapsEveryFile: the map of files in doc.go names every non-test file of the
// package, and only those.
func TestDocMapsEveryFile(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile(`\b[a-z_]+\.go\b`).FindAllString(string(doc), -1) {
		named[m] = true
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "doc.go" || strings.HasPrefix(f, "zz_") {
			continue
		}
		if !named[f] {
			t.Errorf("doc.go does not say what %s holds", f)
		}
		delete(named, f)
	}
	delete(named, "doc.go")
	for _, f := range slices.Sorted(func(yield func(string) bool) {
		for f := range named {
			if !yield(f) {
				return
			}
		}
	}) {
		t.Errorf("doc.go names %s, which does not exist", f)
	}
}
