// Package parity compares the built-in samples with the real OpenShift samples tree
// (../shared/corpus/ocp beside this repository, or $SAMPLES_CORPUS): the built-in set
// must match it name for name, tag for tag, reference for reference and parameter for
// parameter, with text and template bodies of its own.
package parity

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imagestream"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// corpus returns the real samples tree, or skips the test saying where it looked.
func corpus(t *testing.T) *content.Inventory {
	t.Helper()
	dir := os.Getenv("SAMPLES_CORPUS")
	if dir == "" {
		dir = filepath.Join(testenv.RepoRoot(), "..", "shared", "corpus", "ocp")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the real OpenShift samples tree is not at %s (set SAMPLES_CORPUS to compare with one elsewhere): %v", dir, err)
	}
	inv, err := content.Load(os.DirFS(dir))
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	return inv
}

// tagFacts is what a tag must share with the real one.
type tagFacts struct {
	FromKind, From, ReferencePolicy string
	Scheduled                       bool
}

func streamTags(t *testing.T, u *unstructured.Unstructured) map[string]tagFacts {
	t.Helper()
	out := map[string]tagFacts{}
	for tag := range imagestream.Tags(u) {
		f := tagFacts{FromKind: tag.FromKind, From: tag.FromName}
		f.ReferencePolicy, _, _ = unstructured.NestedString(tag.Object(), "referencePolicy", "type")
		f.Scheduled, _, _ = unstructured.NestedBool(tag.Object(), "importPolicy", "scheduled")
		out[tag.Name] = f
	}
	return out
}

// paramFacts is what a template parameter must share with the real one.
type paramFacts struct {
	Required       bool
	Generate, From string
}

func templateParams(u *unstructured.Unstructured) map[string]paramFacts {
	params, _, _ := unstructured.NestedSlice(u.Object, "parameters")
	out := map[string]paramFacts{}
	for _, raw := range params {
		p := raw.(map[string]any)
		name, _, _ := unstructured.NestedString(p, "name")
		var f paramFacts
		f.Required, _, _ = unstructured.NestedBool(p, "required")
		f.Generate, _, _ = unstructured.NestedString(p, "generate")
		f.From, _, _ = unstructured.NestedString(p, "from")
		out[name] = f
	}
	return out
}

func TestBuiltInMatchesTheRealSamples(t *testing.T) {
	real := corpus(t)
	builtIn, err := content.Load(content.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	var streams, tags, templates, params int
	for _, arch := range []string{"x86_64", "aarch64", "ppc64le", "s390x"} {
		want, ok := real.For(arch)
		if !ok {
			t.Errorf("the real tree has no %s", arch)
			continue
		}
		got, ok := builtIn.For(arch)
		if !ok {
			t.Errorf("the built-in set has no %s", arch)
			continue
		}
		if a, b := got.ImageStreamNames(), want.ImageStreamNames(); !reflect.DeepEqual(a, b) {
			t.Errorf("%s image streams differ:\n built-in %v\n real     %v", arch, a, b)
		}
		if a, b := got.TemplateNames(), want.TemplateNames(); !reflect.DeepEqual(a, b) {
			t.Errorf("%s templates differ:\n built-in %v\n real     %v", arch, a, b)
		}
		gotStreams := testenv.Parsed(t, got.ImageStreams)
		for name, w := range testenv.Parsed(t, want.ImageStreams) {
			g, ok := gotStreams[name]
			if !ok {
				continue
			}
			streams++
			gt, wt := streamTags(t, g), streamTags(t, w)
			tags += len(wt)
			if !reflect.DeepEqual(gt, wt) {
				t.Errorf("%s image stream %s: tags differ:\n built-in %+v\n real     %+v", arch, name, gt, wt)
			}
			gl, _, _ := unstructured.NestedBool(g.Object, "spec", "lookupPolicy", "local")
			wl, _, _ := unstructured.NestedBool(w.Object, "spec", "lookupPolicy", "local")
			if gl != wl {
				t.Errorf("%s image stream %s: lookupPolicy.local %v, real %v", arch, name, gl, wl)
			}
		}
		gotTemplates := testenv.Parsed(t, got.Templates)
		for name, w := range testenv.Parsed(t, want.Templates) {
			g, ok := gotTemplates[name]
			if !ok {
				continue
			}
			templates++
			gp, wp := templateParams(g), templateParams(w)
			params += len(wp)
			if !reflect.DeepEqual(gp, wp) {
				t.Errorf("%s template %s: parameters differ:\n built-in %+v\n real     %+v", arch, name, gp, wp)
			}
		}
	}
	// What a disconnected cluster mirrors is the same.
	gotSet, _ := builtIn.For("x86_64")
	wantSet, _ := real.For("x86_64")
	gotMap, wantMap := imports.MirrorMap(testenv.Parsed(t, gotSet.ImageStreams)), imports.MirrorMap(testenv.Parsed(t, wantSet.ImageStreams))
	if !reflect.DeepEqual(gotMap, wantMap) {
		t.Errorf("imagestreamtag-to-image differs: built-in %d entries, real %d", len(gotMap), len(wantMap))
	}
	t.Logf("compared %d image streams (%d tags) and %d templates (%d parameters) over 4 architectures; imagestreamtag-to-image: %d entries on x86_64",
		streams, tags, templates, params, len(wantMap))
}
