package faults

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/operatortest"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// snapshot is every object of the openshift namespace, by kind/name, at its
// resourceVersion: any write shows.
func snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, gvk := range samples.Kinds() {
		for name, u := range testenv.ListSamples(t, env.Client, gvk) {
			out[gvk.Kind+"/"+name] = u.GetResourceVersion()
		}
	}
	return out
}

// changed counts the objects of before that are gone or were written since.
func changed(t *testing.T, before map[string]string) int {
	t.Helper()
	after := snapshot(t)
	n := 0
	for k, rv := range before {
		if after[k] != rv {
			n++
		}
	}
	return n
}

func strs(n int, f string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(f, i)
	}
	return out
}

// TestHostileConfigs applies Configs nobody should write. Each is refused by the API
// server with a message naming the field, or reported in ConfigurationValid; nothing
// already in the cluster changes, and the operator keeps running.
func TestHostileConfigs(t *testing.T) {
	c, stop := installedInProcess(t)
	defer stop()
	ctx := context.Background()
	type tc struct {
		name string
		edit func(*samplesv1.ConfigSpec)
		// refused: the API server refuses it saying this; invalid: ConfigurationValid is
		// False saying this; note: ConfigurationValid stays True saying this.
		refused, invalid, note string
		setup                  func(t *testing.T) func()
	}
	cases := []tc{
		{name: "managementState Enabled", edit: func(s *samplesv1.ConfigSpec) { s.ManagementState = "Enabled" }, refused: "spec.managementState"},
		{name: "managementState in lower case", edit: func(s *samplesv1.ConfigSpec) { s.ManagementState = "managed" }, refused: "spec.managementState"},
		{name: "managementState in upper case", edit: func(s *samplesv1.ConfigSpec) { s.ManagementState = "REMOVED" }, refused: "spec.managementState"},
		{name: "registry with a scheme", edit: func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "https://mirror.example.com" }, refused: "spec.samplesRegistry"},
		{name: "registry with a space", edit: func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "mirror.example.com/my samples" }, refused: "spec.samplesRegistry"},
		{name: "registry path in upper case", edit: func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "mirror.example.com/Samples" }, refused: "spec.samplesRegistry"},
		{name: "registry of 300 characters", edit: func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = strings.Repeat("m", 300) }, refused: "spec.samplesRegistry"},
		{name: "registry with a trailing slash", edit: func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "mirror.example.com/" }, refused: "spec.samplesRegistry"},
		{name: "registry that is only a port", edit: func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = ":5000" }, refused: "spec.samplesRegistry"},
		{name: "registry with a tag", edit: func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "mirror.example.com/ruby:3" }, refused: "spec.samplesRegistry"},
		{name: "501 skipped image streams", edit: func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams = strs(501, "s%d") }, refused: "spec.skippedImagestreams"},
		{name: "501 skipped templates", edit: func(s *samplesv1.ConfigSpec) { s.SkippedTemplates = strs(501, "t%d") }, refused: "spec.skippedTemplates"},
		{name: "17 skipped helm charts", edit: func(s *samplesv1.ConfigSpec) { s.SkippedHelmCharts = toCharts(strs(17, "c%d")) }, refused: "spec.skippedHelmCharts"},
		{name: "helm chart with capitals", edit: func(s *samplesv1.ConfigSpec) { s.SkippedHelmCharts = toCharts([]string{"Bad_Chart"}) }, refused: "spec.skippedHelmCharts"},
		{name: "architecture sparc", edit: func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"sparc"} }, invalid: `architecture "sparc" is not supported`},
		{name: "architecture empty string", edit: func(s *samplesv1.ConfigSpec) { s.Architectures = []string{""} }, invalid: `architecture "" is not supported`},
		{name: "architecture with a space", edit: func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"x86 64"} }, invalid: "is not supported"},
		{name: "two architectures", edit: func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"x86_64", "s390x"} }, invalid: "lists 2 architectures"},
		{name: "a hundred architectures", edit: func(s *samplesv1.ConfigSpec) { s.Architectures = append([]string{"x86_64"}, strs(99, "a%d")...) }, invalid: "lists 100 architectures"},
		{name: "architecture changed while installed", edit: func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"s390x"} }, invalid: "changed from x86_64 to s390x"},
		{name: "500 unknown skipped image streams", edit: func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams = strs(500, "nosuch%d") }, note: "and 495 more"},
		{name: "blank skipped templates", edit: func(s *samplesv1.ConfigSpec) { s.SkippedTemplates = []string{"", " "} }, note: "spec.skippedTemplates names"},
		{name: "managementState Force", edit: func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Force }, note: "Force is treated as Managed"},
		{name: "registry the image configuration forbids", edit: func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "mirror.example.com" },
			invalid: "spec.allowedRegistriesForImport",
			setup: func(t *testing.T) func() {
				img := &configv1.Image{ObjectMeta: metaName("cluster"), Spec: configv1.ImageSpec{AllowedRegistriesForImport: []configv1.RegistryLocation{{DomainName: "registry.redhat.io"}, {DomainName: "quay.io"}, {DomainName: "registry.access.redhat.com"}}}}
				if err := env.Client.Create(ctx, img); err != nil {
					t.Fatal(err)
				}
				return func() { _ = env.Client.Delete(ctx, img) }
			}},
	}
	r := row{name: fmt.Sprintf("hostile Configs (%d cases)", len(cases)+1)}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			r.runs++
			if cs.setup != nil {
				defer cs.setup(t)()
			}
			before := snapshot(t)
			writes := c.writes.Load()
			cfg := &samplesv1.Config{}
			if err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
				t.Fatal(err)
			}
			cs.edit(&cfg.Spec)
			err := env.Client.Update(ctx, cfg)
			ok := false
			switch {
			case cs.refused != "":
				ok = err != nil && strings.Contains(err.Error(), cs.refused)
				if !ok {
					t.Errorf("want the API server to refuse it naming %s; got %v", cs.refused, err)
				}
			case err != nil:
				t.Fatalf("refused: %v", err)
			default:
				want, status := cs.invalid, corev1.ConditionFalse
				if cs.note != "" {
					want, status = cs.note, corev1.ConditionTrue
				}
				var last string
				ok, last = testenv.Poll(30*time.Second, func() (bool, string) {
					got := &samplesv1.Config{}
					if env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, got) != nil {
						return false, last
					}
					cv := conditions.Get(got.Status.Conditions, samplesv1.ConfigurationValid)
					if cv == nil {
						return false, last
					}
					return cv.Status == status && strings.Contains(cv.Message, want), string(cv.Status) + " " + cv.Message
				})
				if !ok {
					t.Errorf("want ConfigurationValid %s saying %q; last %s", status, want, last)
				}
			}
			if ok {
				r.converged++
			}
			if n := changed(t, before); n > 0 {
				t.Errorf("%d samples changed", n)
				r.lost += n
			}
			r.writes += int(c.writes.Load() - writes)
			// Back to a valid Config, for the next case.
			restore := &samplesv1.Config{}
			if err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, restore); err != nil {
				t.Fatal(err)
			}
			restore.Spec = managed()
			if err := env.Client.Update(ctx, restore); err != nil {
				t.Fatal(err)
			}
			converged(t, "4.22.0", 30*time.Second)
		})
	}
	// A Config with another name is ignored.
	r.runs++
	other := &samplesv1.Config{Spec: samplesv1.ConfigSpec{ManagementState: samplesv1.Removed}}
	other.Name = "not-cluster"
	if err := env.Client.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t)
	// A barrier: an edit of the Config "cluster" after the creation, which the config
	// controller reports in ConfigurationValid. The same informer delivers both and the
	// same queue holds them, so once the report is there the operator has seen the other
	// Config and done whatever it would do with it.
	const barrier = "faults-barrier-stream"
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams = []string{barrier} })
	testenv.EventuallyWithin(t, 30*time.Second, "the barrier edit reported", func() (bool, string) {
		cfg := &samplesv1.Config{}
		if err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
			return false, err.Error()
		}
		cv := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid)
		return cv != nil && strings.Contains(cv.Message, barrier), fmt.Sprintf("%+v", cv)
	})
	got := &samplesv1.Config{}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: "not-cluster"}, got); err == nil && len(got.Status.Conditions) == 0 && changed(t, before) == 0 {
		r.converged++
	} else {
		t.Errorf("a Config named not-cluster was acted on: %+v", got.Status)
	}
	_ = env.Client.Delete(ctx, other)
	testenv.EditConfig(t, env.Client, func(s *samplesv1.ConfigSpec) { *s = managed() })
	record(r)
}

func toCharts(names []string) []samplesv1.HelmChartName {
	out := make([]samplesv1.HelmChartName, len(names))
	for i, n := range names {
		out[i] = samplesv1.HelmChartName(n)
	}
	return out
}

// TestHostileContentTrees starts the operator at a new release on a content tree with
// one defect each, over samples installed from the good tree. Each defect is reported
// naming the file (or the sample); nothing in the cluster changes; no panic.
func TestHostileContentTrees(t *testing.T) {
	cleanCluster(t)
	c := &counters{}
	stop := startInProcess(t, env.Config, c, "4.22.0")
	createConfig(t, managed())
	if !converged(t, "4.22.0", time.Minute) {
		t.FailNow()
	}
	stop()
	good := source()
	inv, err := good.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	dir := inv.Dirs[samplesv1.X86Architecture]
	// One image stream and one template file of the tree, to damage.
	var isFile, tplFile string
	_ = fs.WalkDir(good.FS, dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || d.IsDir():
		case isFile == "" && strings.Contains(p, "/imagestreams/"):
			isFile = p
		case tplFile == "" && strings.Contains(p, "/templates/"):
			tplFile = p
		}
		return err
	})
	type defect struct {
		name string
		file string // relative to the tree; "" for directory defects
		data string
		dir  string // a directory to add at the top
		want string // in SamplesExist or ConfigurationValid
		// rest: the other samples are valid and installed at the new release; only
		// the broken one is held back.
		rest bool
	}
	stream := `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","metadata":{"name":"zz-broken"},"spec":%s}`
	defects := []defect{
		{name: "malformed JSON", file: isFile, data: `{"kind":`, want: "not valid JSON"},
		{name: "empty file", file: isFile, data: ``, want: "not valid JSON"},
		{name: "null", file: isFile, data: `null`, want: "empty object"},
		{name: "a list, not an object", file: isFile, data: `[1,2]`, want: "not valid JSON"},
		{name: "a template in imagestreams/", file: isFile, data: `{"kind":"Template","metadata":{"name":"x"}}`, want: "want ImageStream"},
		{name: "no metadata.name", file: isFile, data: `{"kind":"ImageStream","metadata":{}}`, want: "no metadata.name"},
		{name: "a second stream of the same name", file: filepath.Join(filepath.Dir(isFile), "zz-dup.json"), data: "copy", want: "a second ImageStream"},
		{name: "tag that is a string", file: isFile, data: fmt.Sprintf(stream, `{"tags":["3.3"]}`), want: "spec.tags[0] is a string"},
		{name: "tags that are an object", file: isFile, data: fmt.Sprintf(stream, `{"tags":{"a":1}}`), want: "want a list"},
		{name: "tag without a name", file: isFile, data: fmt.Sprintf(stream, `{"tags":[{"from":{"kind":"DockerImage","name":"x"}}]}`), want: "has no name"},
		{name: "from that is a string", file: isFile, data: fmt.Sprintf(stream, `{"tags":[{"name":"a","from":"x"}]}`), want: "from is a string"},
		{name: "spec that is a list", file: isFile, data: fmt.Sprintf(stream, `[]`), want: "spec is a"},
		{name: "parameter without a name", file: tplFile, data: `{"kind":"Template","metadata":{"name":"zz"},"parameters":[{"value":"x"}]}`, want: "parameters[0] has no name"},
		{name: "objects that are a string", file: tplFile, data: `{"kind":"Template","metadata":{"name":"zz"},"objects":"x"}`, want: "objects is a string"},
		{name: "a 5 MiB file", file: isFile, data: `{"kind":"ImageStream","metadata":{"name":"big"},"x":"` + strings.Repeat("a", 5<<20) + `"}`, want: "larger than"},
		{name: "nesting 20000 deep", file: isFile, data: strings.Repeat("[", 20000) + strings.Repeat("]", 20000), want: "not valid JSON"},
		{name: "a stray top-level directory", dir: "backup", want: `"backup" is not an architecture directory`},
		{name: "a name the API server refuses (invalid UTF-8)", file: isFile, data: "{\"kind\":\"ImageStream\",\"metadata\":{\"name\":\"\xff\xfe\"}}", want: "APIServer", rest: true},
		{name: "an apiVersion no server serves", file: isFile, data: `{"kind":"ImageStream","apiVersion":"image.openshift.io/v9","metadata":{"name":"zz-v9"}}`, want: "zz-v9", rest: true},
	}
	r := row{name: fmt.Sprintf("hostile content trees (%d cases)", len(defects))}
	for _, d := range defects {
		t.Run(d.name, func(t *testing.T) {
			r.runs++
			tree := copyTree(t, good.FS)
			switch {
			case d.dir != "":
				if err := os.MkdirAll(filepath.Join(tree, d.dir, "g", "imagestreams"), 0o755); err != nil {
					t.Fatal(err)
				}
			case d.data == "copy":
				data, _ := fs.ReadFile(good.FS, isFile)
				writeTreeFile(t, tree, d.file, string(data))
			default:
				writeTreeFile(t, tree, d.file, d.data)
			}
			before := snapshot(t)
			cc := &counters{}
			src := content.Open(tree, content.FlavorOCP)
			stop := operatortest.Start(t, env.Config, env.Scheme, operatortest.Options{Content: src, Version: "4.23.0", NoLeaderElection: true,
				NewClient: interceptedClient(cc)})
			defer stop()
			last := ""
			ok, _ := testenv.Poll(30*time.Second, func() (bool, string) {
				cfg := &samplesv1.Config{}
				if env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg) != nil {
					return false, last
				}
				ok := false
				for _, ct := range []samplesv1.ConfigConditionType{samplesv1.SamplesExist, samplesv1.ConfigurationValid} {
					if cond := conditions.Get(cfg.Status.Conditions, ct); cond != nil && cond.Status != corev1.ConditionTrue {
						last = cond.Reason + ": " + cond.Message
						ok = ok || strings.Contains(last, d.want)
					}
				}
				return ok, last
			})
			if !ok {
				t.Errorf("want a condition saying %q; last %q", d.want, last)
			} else {
				r.converged++
			}
			if n := changed(t, before); n > 0 && !d.rest {
				t.Errorf("%d samples changed by an operator with broken content", n)
				r.lost += n
			}
			r.writes += int(cc.writes.Load())
		})
	}
	record(r)
}

func copyTree(t *testing.T, src fs.FS) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		writeTreeFile(t, dir, p, string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeTreeFile(t *testing.T, dir, rel, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
