// Package repo checks the repository itself: what is tracked in git stays small and
// free of build outputs.
package repo

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

const (
	// maxFileSize is the largest a tracked file may be unless hack/large-files.txt
	// allows it, with a reason.
	maxFileSize = 1 << 20
	// maxTreeSize bounds the whole tracked tree: a clone stays quick.
	maxTreeSize = 10 << 20
)

// trackedFiles lists the files git tracks, relative to the repository root.
func trackedFiles(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("not a git work tree (%v): nothing to check", err)
	}
	var files []string
	for _, f := range bytes.Split(out, []byte{0}) {
		if len(f) > 0 {
			files = append(files, string(f))
		}
	}
	return files
}

// allowedLarge reads hack/large-files.txt: "<path> <reason>" per line, # comments.
func allowedLarge(t *testing.T, root string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "hack", "large-files.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	allowed := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		path, reason, _ := strings.Cut(line, " ")
		if strings.TrimSpace(reason) == "" {
			t.Errorf("hack/large-files.txt:%d: %s is listed without a reason", n, path)
		}
		allowed[path] = reason
	}
	return allowed
}

func TestTrackedFilesAreSmall(t *testing.T) {
	root := testenv.RepoRoot()
	allowed := allowedLarge(t, root)
	var total int64
	files := trackedFiles(t, root)
	for _, f := range files {
		st, err := os.Lstat(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the work tree, not yet committed
		}
		total += st.Size()
		if st.Size() > maxFileSize {
			if _, ok := allowed[f]; !ok {
				t.Errorf("%s is %d bytes, over %d: build outputs are never committed; a large source file needs a line with a reason in hack/large-files.txt", f, st.Size(), maxFileSize)
			}
		}
	}
	if total > maxTreeSize {
		t.Errorf("the tracked tree is %d bytes, over %d", total, maxTreeSize)
	}
	t.Logf("%d tracked files, %d bytes", len(files), total)
}

func TestNoExecutablesTracked(t *testing.T) {
	root := testenv.RepoRoot()
	for _, f := range trackedFiles(t, root) {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		if bytes.HasPrefix(data, []byte("\x7fELF")) {
			t.Errorf("%s is an ELF binary: build outputs are never committed (make build writes bin/)", f)
		}
	}
}
