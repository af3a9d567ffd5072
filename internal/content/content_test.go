package content

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedContent(t *testing.T) {
	inv, err := Load(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"x86_64", "amd64", "arm64", "aarch64", "ppc64le", "s390x"} {
		set, ok := inv.For(arch)
		if !ok {
			t.Fatalf("no content for %s", arch)
		}
		if len(set.ImageStreams) < 14 || len(set.Templates) < 12 {
			t.Errorf("%s: %d image streams, %d templates", arch, len(set.ImageStreams), len(set.Templates))
		}
		for _, name := range []string{"ruby", "python", "nodejs", "perl", "php", "httpd", "nginx", "java", "golang", "mysql", "postgresql", "mariadb", "redis", "jenkins"} {
			if set.ImageStreams[name] == nil {
				t.Errorf("%s: no %s image stream", arch, name)
			}
		}
	}
	if _, ok := inv.For("mips"); ok {
		t.Error("content for an unsupported architecture")
	}
	ppc, _ := inv.For("ppc64le")
	if ppc.ImageStreams["dotnet"] != nil {
		t.Error("ppc64le has .NET, which is not built for it")
	}
}

func TestCorpusLoads(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "ocp")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no samples corpus at %s (it is not part of a user's clone)", dir)
	}
	inv, err := Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	set, _ := inv.For("x86_64")
	if len(set.ImageStreams) != 50 || len(set.Templates) != 50 {
		t.Errorf("x86_64: %d image streams, %d templates; want 50 and 50", len(set.ImageStreams), len(set.Templates))
	}
}

func TestBadFilesAreNamed(t *testing.T) {
	good := `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","metadata":{"name":"ruby"}}`
	for name, tc := range map[string]struct {
		path, data, want string
	}{
		"malformed JSON": {"x86_64/ruby/imagestreams/broken.json", `{"kind":`, "not valid JSON"},
		"wrong kind":     {"x86_64/ruby/templates/ruby.json", good, `kind "ImageStream", want Template`},
		"no name":        {"x86_64/ruby/imagestreams/x.json", `{"kind":"ImageStream"}`, "no metadata.name"},
		"duplicate":      {"x86_64/zz/imagestreams/ruby2.json", good, `a second ImageStream named "ruby"`},
		"not an object":  {"x86_64/ruby/imagestreams/list.json", `[1,2]`, "not valid JSON"},
		"null object":    {"x86_64/ruby/imagestreams/null.json", `null`, "empty object"},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"x86_64/ruby/imagestreams/ruby.json": {Data: []byte(good)},
				tc.path:                              {Data: []byte(tc.data)},
			}
			_, err := Load(fsys)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != tc.path || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v; want a FileError for %s saying %q", err, tc.path, tc.want)
			}
		})
	}
}

func TestSourceRetriesAfterFailure(t *testing.T) {
	fsys := fstest.MapFS{"x86_64/ruby/imagestreams/ruby.json": {Data: []byte(`{`)}}
	src := &Source{FS: fsys}
	if _, err := src.Inventory(); err == nil {
		t.Fatal("broken content loaded")
	}
	fsys["x86_64/ruby/imagestreams/ruby.json"] = &fstest.MapFile{Data: []byte(`{"kind":"ImageStream","metadata":{"name":"ruby"}}`)}
	inv, err := src.Inventory()
	if err != nil || inv.Arches["x86_64"].ImageStreams["ruby"] == nil {
		t.Fatalf("after the fix: %v", err)
	}
}
