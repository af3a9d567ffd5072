package imports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/openshift/cluster-samples-operator/internal/content"
)

func failed(gen int64, msg string) imagev1.TagEventCondition {
	return imagev1.TagEventCondition{Type: imagev1.ImportSuccess, Status: corev1.ConditionFalse, Reason: "NotFound", Message: msg, Generation: gen}
}

func stream(spec []string, status ...imagev1.NamedTagEventList) *imagev1.ImageStream {
	is := &imagev1.ImageStream{}
	is.Name, is.Namespace = "ruby", "openshift"
	for _, s := range spec {
		is.Spec.Tags = append(is.Spec.Tags, imagev1.TagReference{Name: s, From: &corev1.ObjectReference{Kind: "DockerImage", Name: "r.io/x/" + s}})
	}
	is.Status.Tags = status
	return is
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		is   *imagev1.ImageStream
		want map[string]string
	}{
		{"no status", stream([]string{"a"}), map[string]string{}},
		{"healthy", stream([]string{"a"}, imagev1.NamedTagEventList{Tag: "a", Items: []imagev1.TagEvent{{Generation: 2}}}), map[string]string{}},
		{"failing", stream([]string{"a", "b"},
			imagev1.NamedTagEventList{Tag: "a", Conditions: []imagev1.TagEventCondition{failed(2, "not found")}},
			imagev1.NamedTagEventList{Tag: "b", Items: []imagev1.TagEvent{{Generation: 2}}}),
			map[string]string{"a": "not found"}},
		{"error older than a success", stream([]string{"a"},
			imagev1.NamedTagEventList{Tag: "a", Items: []imagev1.TagEvent{{Generation: 3}}, Conditions: []imagev1.TagEventCondition{failed(2, "old")}}),
			map[string]string{}},
		{"error newer than a success", stream([]string{"a"},
			imagev1.NamedTagEventList{Tag: "a", Items: []imagev1.TagEvent{{Generation: 2}}, Conditions: []imagev1.TagEventCondition{failed(3, "new")}}),
			map[string]string{"a": "new"}},
		{"older error among newer conditions", stream([]string{"a"},
			imagev1.NamedTagEventList{Tag: "a", Conditions: []imagev1.TagEventCondition{failed(1, "old"), {Type: "Other", Status: corev1.ConditionTrue, Generation: 4}}}),
			map[string]string{}},
		{"success condition", stream([]string{"a"},
			imagev1.NamedTagEventList{Tag: "a", Conditions: []imagev1.TagEventCondition{{Type: imagev1.ImportSuccess, Status: corev1.ConditionTrue, Generation: 2}}}),
			map[string]string{}},
		{"reason when no message", stream([]string{"a"},
			imagev1.NamedTagEventList{Tag: "a", Conditions: []imagev1.TagEventCondition{failed(1, "")}}),
			map[string]string{"a": "NotFound"}},
		{"tag no longer in spec", stream([]string{"b"},
			imagev1.NamedTagEventList{Tag: "a", Conditions: []imagev1.TagEventCondition{failed(1, "gone")}}),
			map[string]string{}},
	} {
		got := Failures(tc.is)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func alias(name, target string) imagev1.TagReference {
	return imagev1.TagReference{Name: name, From: &corev1.ObjectReference{Kind: "ImageStreamTag", Name: target}}
}

func TestResolveTag(t *testing.T) {
	is := stream([]string{"3.3"})
	is.Spec.Tags[0].ImportPolicy = imagev1.TagImportPolicy{Scheduled: true}
	is.Spec.Tags = append(is.Spec.Tags, alias("latest", "3.3"), alias("stable", "ruby:latest"),
		alias("loop1", "loop2"), alias("loop2", "loop1"), alias("self", "self"),
		alias("other", "python:3"), alias("dangling", "nope"), imagev1.TagReference{Name: "empty"})
	for tag, want := range map[string]string{"3.3": "r.io/x/3.3", "latest": "r.io/x/3.3", "stable": "r.io/x/3.3"} {
		ref, err := ResolveTag(is, tag)
		if err != nil || ref.From.Name != want {
			t.Errorf("ResolveTag(%s) = %v, %v; want %s", tag, ref, err, want)
		}
	}
	for tag, want := range map[string]string{"loop1": "cycle", "self": "cycle", "other": "another stream", "dangling": "no spec tag", "empty": "no source"} {
		if _, err := ResolveTag(is, tag); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ResolveTag(%s) = %v; want an error saying %q", tag, err, want)
		}
	}
	isi, err := RetryRequest(is, []string{"stable", "3.3"})
	if err != nil {
		t.Fatal(err)
	}
	// The alias stable resolves to 3.3: one import, into 3.3, never into the alias.
	if isi.Name != "ruby" || isi.Namespace != "openshift" || !isi.Spec.Import || len(isi.Spec.Images) != 1 {
		t.Fatalf("request = %+v", isi)
	}
	first := isi.Spec.Images[0]
	if first.To.Name != "3.3" || first.From.Name != "r.io/x/3.3" || !first.ImportPolicy.Scheduled || first.ReferencePolicy.Type != imagev1.LocalTagReferencePolicy {
		t.Errorf("first image = %+v", first)
	}
	alias, err := RetryRequest(is, []string{"stable"})
	if err != nil || len(alias.Spec.Images) != 1 || alias.Spec.Images[0].To.Name != "3.3" {
		t.Errorf("a failing alias is retried as %+v, %v; want an import into the tag it resolves to", alias, err)
	}
	if _, err := RetryRequest(is, []string{"loop1"}); err == nil {
		t.Error("a cyclic tag made a request")
	}
}

func TestNextRetry(t *testing.T) {
	last := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seen := map[time.Time]bool{}
	for _, s := range []string{"ruby", "python", "nodejs", "perl", "php", "httpd"} {
		next := NextRetry(s, last, 15*time.Minute)
		if next.Before(last.Add(15*time.Minute)) || !next.Before(last.Add(16*time.Minute+30*time.Second)) {
			t.Errorf("%s: next retry %s", s, next.Sub(last))
		}
		if NextRetry(s, last, 15*time.Minute) != next {
			t.Errorf("%s: jitter is not stable", s)
		}
		seen[next] = true
	}
	if len(seen) < 4 {
		t.Errorf("streams retry together: %d distinct times for 6 streams", len(seen))
	}
}

func TestMirrorMapOnRealContent(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "ocp")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no samples corpus at %s (it is not part of a user's clone)", dir)
	}
	inv, err := content.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	set, _ := inv.For("x86_64")
	imageStreams, err := content.Objects(set.ImageStreams)
	if err != nil {
		t.Fatal(err)
	}
	m := MirrorMap(imageStreams)
	if len(m) != 265 {
		t.Errorf("%d entries, want 265", len(m))
	}
	for k, v := range m {
		if strings.HasPrefix(k, "jenkins") || !strings.Contains(v, "/") {
			t.Errorf("entry %s=%s", k, v)
		}
	}
}
