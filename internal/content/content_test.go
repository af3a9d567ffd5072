package content

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestEmbeddedContent(t *testing.T) {
	inv, err := Load(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	// As many as the real OpenShift samples have (test/parity compares them name for name).
	counts := map[string][2]int{"x86_64": {50, 50}, "amd64": {50, 50}, "aarch64": {27, 26}, "arm64": {27, 26}, "ppc64le": {40, 44}, "s390x": {40, 44}}
	for arch, want := range counts {
		set, ok := inv.For(arch)
		if !ok {
			t.Fatalf("no content for %s", arch)
		}
		if len(set.ImageStreams) != want[0] || len(set.Templates) != want[1] {
			t.Errorf("%s: %d image streams, %d templates; want %d and %d", arch, len(set.ImageStreams), len(set.Templates), want[0], want[1])
		}
		for _, name := range []string{"ruby", "python", "nodejs", "perl", "php", "httpd", "nginx", "java", "golang", "mysql", "postgresql", "mariadb", "redis", "jenkins"} {
			if set.ImageStreams[name] == nil && arch != "aarch64" && arch != "arm64" {
				t.Errorf("%s: no %s image stream", arch, name)
			}
		}
	}
	if _, ok := inv.For("mips"); ok {
		t.Error("content for an unsupported architecture")
	}
}

// Every image stream tag a built-in template builds or runs from (in the openshift
// namespace) exists in the same architecture's set, so the templates work.
func TestEmbeddedTemplatesReferenceExistingTags(t *testing.T) {
	inv, err := Load(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for arch, set := range inv.Arches {
		has := map[string]bool{}
		imageStreams, err := Objects(set.ImageStreams)
		if err != nil {
			t.Fatal(err)
		}
		for name, is := range imageStreams {
			tags, _, _ := unstructured.NestedSlice(is.Object, "spec", "tags")
			for _, tag := range tags {
				has[name+":"+tag.(map[string]any)["name"].(string)] = true
			}
		}
		templates, err := Objects(set.Templates)
		if err != nil {
			t.Fatal(err)
		}
		for name, tpl := range templates {
			for _, ref := range istRefs(tpl.Object["objects"]) {
				checked++
				if !has[ref] {
					t.Errorf("%s template %s uses %s, which the set lacks", arch, name, ref)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d references checked", checked)
	}
}

// istRefs finds the ImageStreamTag references into the openshift namespace.
func istRefs(v any) []string {
	var out []string
	switch o := v.(type) {
	case map[string]any:
		ns, _ := o["namespace"].(string)
		if name, ok := o["name"].(string); ok && o["kind"] == "ImageStreamTag" && (ns == "openshift" || ns == "${NAMESPACE}") {
			out = append(out, name)
		}
		for k, e := range o {
			if k == "image.openshift.io/triggers" {
				var triggers []any
				if json.Unmarshal([]byte(e.(string)), &triggers) == nil {
					out = append(out, istRefs(triggers)...)
				}
				continue
			}
			out = append(out, istRefs(e)...)
		}
	case []any:
		for _, e := range o {
			out = append(out, istRefs(e)...)
		}
	}
	return out
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
		"malformed JSON":         {"x86_64/ruby/imagestreams/broken.json", `{"kind":`, "not valid JSON"},
		"wrong kind":             {"x86_64/ruby/templates/ruby.json", good, `kind "ImageStream", want Template`},
		"no name":                {"x86_64/ruby/imagestreams/x.json", `{"kind":"ImageStream"}`, "no metadata.name"},
		"duplicate":              {"x86_64/zz/imagestreams/ruby2.json", good, `a second ImageStream named "ruby"`},
		"not an object":          {"x86_64/ruby/imagestreams/list.json", `[1,2]`, "not valid JSON"},
		"null object":            {"x86_64/ruby/imagestreams/null.json", `null`, "empty object"},
		"tag not an object":      {"x86_64/ruby/imagestreams/t.json", `{"kind":"ImageStream","metadata":{"name":"r2"},"spec":{"tags":["3.3"]}}`, "spec.tags[0] is a string, want an object"},
		"tags not a list":        {"x86_64/ruby/imagestreams/t.json", `{"kind":"ImageStream","metadata":{"name":"r2"},"spec":{"tags":{"a":1}}}`, "want a list"},
		"tag without name":       {"x86_64/ruby/imagestreams/t.json", `{"kind":"ImageStream","metadata":{"name":"r2"},"spec":{"tags":[{"from":{"kind":"DockerImage","name":"x"}}]}}`, "spec.tags[0] has no name"},
		"from not an object":     {"x86_64/ruby/imagestreams/t.json", `{"kind":"ImageStream","metadata":{"name":"r2"},"spec":{"tags":[{"name":"a","from":"x"}]}}`, "from is a string"},
		"spec not an object":     {"x86_64/ruby/imagestreams/t.json", `{"kind":"ImageStream","metadata":{"name":"r2"},"spec":[]}`, "spec is a"},
		"parameter without name": {"x86_64/ruby/templates/t.json", `{"kind":"Template","metadata":{"name":"t"},"parameters":[{"value":"x"}]}`, "parameters[0] has no name"},
		"objects not a list":     {"x86_64/ruby/templates/t.json", `{"kind":"Template","metadata":{"name":"t"},"objects":"x"}`, "objects is a string"},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"x86_64/ruby/imagestreams/ruby.json": {Data: []byte(good)},
				tc.path:                              {Data: []byte(tc.data)},
			}
			_, err := Load(fsys)
			var fe *fileError
			if !errors.As(err, &fe) || fe.Path != tc.path || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v; want a fileError for %s saying %q", err, tc.path, tc.want)
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

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const rubyStream = `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","metadata":{"name":"ruby"}}`

func TestLayouts(t *testing.T) {
	for name, tc := range map[string]struct {
		files   map[string]string
		flavor  string
		want    string // the directory x86_64 is read from
		wantErr string
	}{
		"plain":              {files: map[string]string{"x86_64/ruby/imagestreams/ruby.json": rubyStream}, flavor: FlavorOCP, want: "x86_64"},
		"stock image":        {files: map[string]string{"ocp-x86_64/ruby/imagestreams/ruby.json": rubyStream, "okd-x86_64/ruby/imagestreams/ruby.json": rubyStream}, flavor: FlavorOCP, want: "ocp-x86_64"},
		"okd":                {files: map[string]string{"ocp-x86_64/ruby/imagestreams/ruby.json": rubyStream, "okd-x86_64/ruby/imagestreams/ruby.json": rubyStream}, flavor: flavorOKD, want: "okd-x86_64"},
		"both names":         {files: map[string]string{"x86_64/a/imagestreams/ruby.json": rubyStream, "ocp-x86_64/a/imagestreams/ruby.json": rubyStream}, flavor: FlavorOCP, wantErr: "both"},
		"stray directory":    {files: map[string]string{"x86_64/a/imagestreams/ruby.json": rubyStream, "backup/a/imagestreams/ruby.json": rubyStream}, flavor: FlavorOCP, wantErr: `"backup" is not an architecture directory`},
		"no architecture":    {files: map[string]string{"README": "hello"}, flavor: FlavorOCP, wantErr: "no architecture directory"},
		"only the other one": {files: map[string]string{"okd-x86_64/a/imagestreams/ruby.json": rubyStream}, flavor: FlavorOCP, wantErr: "no architecture directory"},
		"unknown flavor":     {files: map[string]string{"x86_64/a/imagestreams/ruby.json": rubyStream}, flavor: "rhel", wantErr: "content flavor"},
		"oversized file":     {files: map[string]string{"x86_64/a/imagestreams/ruby.json": rubyStream + strings.Repeat(" ", maxFileSize)}, flavor: FlavorOCP, wantErr: "larger than"},
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := loadFlavor(os.DirFS(writeTree(t, tc.files)), tc.flavor)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if inv.Dirs["x86_64"] != tc.want || inv.Arches["x86_64"].ImageStreams["ruby"] == nil {
				t.Errorf("x86_64 read from %q (%v), want %q", inv.Dirs["x86_64"], inv.Arches["x86_64"], tc.want)
			}
		})
	}
}

func TestSymlinkedDirectoriesAreFollowed(t *testing.T) {
	real := writeTree(t, map[string]string{"ruby/imagestreams/ruby.json": rubyStream})
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "x86_64"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(real, "ruby"), filepath.Join(dir, "x86_64", "ruby")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "x86_64"), filepath.Join(dir, "s390x")); err != nil {
		t.Fatal(err)
	}
	inv, err := Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"x86_64", "s390x"} {
		if set, ok := inv.For(arch); !ok || set.ImageStreams["ruby"] == nil {
			t.Errorf("%s: the symlinked content was not read", arch)
		}
	}
}

func TestOpenFallsBackOnlyForAWrongDirectory(t *testing.T) {
	if src := Open(filepath.Join(t.TempDir(), "missing"), FlavorOCP); src.Name != BuiltIn || !strings.Contains(src.Fallback, "missing") {
		t.Errorf("a missing directory: source %q, fallback %q", src.Name, src.Fallback)
	}
	broken := writeTree(t, map[string]string{"x86_64/a/imagestreams/ruby.json": `{"kind":`})
	if src := Open(broken, FlavorOCP); src.Name != broken || src.Fallback != "" {
		t.Errorf("a tree with a broken file must not fall back: source %q, fallback %q", src.Name, src.Fallback)
	}
	stray := writeTree(t, map[string]string{"x86_64/a/imagestreams/ruby.json": rubyStream, "backup/a/imagestreams/ruby.json": rubyStream})
	if src := Open(stray, FlavorOCP); src.Name != stray || src.Fallback != "" {
		t.Errorf("a tree with a stray directory must not fall back: source %q, fallback %q", src.Name, src.Fallback)
	}
	good := writeTree(t, map[string]string{"ocp-x86_64/a/imagestreams/ruby.json": rubyStream})
	src := Open(good, FlavorOCP)
	if src.Name != good || src.Fallback != "" {
		t.Fatalf("a good tree: source %q, fallback %q", src.Name, src.Fallback)
	}
	_, err := src.SetFor("s390x")
	var missing *MissingArchError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "ocp-s390x") || !strings.Contains(err.Error(), good+"/s390x") {
		t.Errorf("a missing architecture: %v; want the directories looked for", err)
	}
}
