// Package generated fails when a generated file no longer matches its sources: run
// `make generate` and commit the result.
package generated

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

func TestGeneratedFilesAreUpToDate(t *testing.T) {
	root := testenv.RepoRoot()
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(root, "hack", "generate.sh"), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/generate.sh: %v\n%s", err, b)
	}
	n := 0
	err := filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(root, rel))
		switch {
		case err != nil:
			t.Errorf("%s is generated but not checked in: run `make generate`", rel)
		case !bytes.Equal(got, want):
			t.Errorf("%s differs from what its sources generate: run `make generate`", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Content files the catalogue no longer produces must go too.
	assets := filepath.Join("internal", "content", "assets")
	_ = filepath.WalkDir(filepath.Join(root, assets), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
			t.Errorf("%s is no longer generated: run `make generate`", rel)
		}
		return nil
	})
	if n < 3 {
		t.Errorf("only %d generated files compared; want deepcopy, CRD and RBAC", n)
	}
}
