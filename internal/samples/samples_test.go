package samples

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

func parse(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := utiljson.Unmarshal([]byte(s), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

const ruby = `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1",
 "metadata":{"name":"ruby","annotations":{"openshift.io/display-name":"Ruby"}},
 "spec":{"dockerImageRepository":"registry.redhat.io/ubi9/ruby","tags":[
  {"name":"3.3","from":{"kind":"DockerImage","name":"registry.redhat.io/ubi9/ruby-33:latest"},"referencePolicy":{"type":"Local"}},
  {"name":"latest","from":{"kind":"ImageStreamTag","name":"3.3"}}]}}`

func TestDesired(t *testing.T) {
	src := parse(t, ruby)
	d := Desired(src, "mirror.example.com:5000", "4.22.0")
	if d.GetNamespace() != "openshift" || d.GetLabels()["samples.operator.openshift.io/managed"] != "true" ||
		d.GetAnnotations()["samples.operator.openshift.io/version"] != "4.22.0" ||
		d.GetAnnotations()["openshift.io/display-name"] != "Ruby" {
		t.Errorf("metadata = %v %v %v", d.GetNamespace(), d.GetLabels(), d.GetAnnotations())
	}
	tags, _, _ := unstructured.NestedSlice(d.Object, "spec", "tags")
	if got := tags[0].(map[string]any)["from"].(map[string]any)["name"]; got != "mirror.example.com:5000/ubi9/ruby-33:latest" {
		t.Errorf("DockerImage tag = %v", got)
	}
	if got := tags[1].(map[string]any)["from"].(map[string]any)["name"]; got != "3.3" {
		t.Errorf("ImageStreamTag alias rewritten: %v", got)
	}
	if repo, _, _ := unstructured.NestedString(d.Object, "spec", "dockerImageRepository"); repo != "mirror.example.com:5000/ubi9/ruby" {
		t.Errorf("dockerImageRepository = %v", repo)
	}
	if orig, _, _ := unstructured.NestedSlice(src.Object, "spec", "tags"); orig[0].(map[string]any)["from"].(map[string]any)["name"] != "registry.redhat.io/ubi9/ruby-33:latest" {
		t.Error("the content itself was rewritten")
	}
	if got, _, _ := unstructured.NestedSlice(Desired(src, "", "v").Object, "spec", "tags"); got[0].(map[string]any)["from"].(map[string]any)["name"] != "registry.redhat.io/ubi9/ruby-33:latest" {
		t.Error("no registry changed the reference")
	}
}

func TestNeedsUpdate(t *testing.T) {
	desired := Desired(parse(t, ruby), "", "4.22.0")
	same := func(edit func(u *unstructured.Unstructured)) *unstructured.Unstructured {
		u := desired.DeepCopy()
		u.SetResourceVersion("7")
		edit(u)
		return u
	}
	for _, tc := range []struct {
		name   string
		actual *unstructured.Unstructured
		want   bool
	}{
		{"identical", same(func(*unstructured.Unstructured) {}), false},
		{"server defaults and status", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			tags[0].(map[string]any)["generation"] = int64(2)
			tags[0].(map[string]any)["importPolicy"] = map[string]any{"importMode": "Legacy"}
			_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
			u.Object["status"] = map[string]any{"dockerImageRepository": "x"}
		}), false},
		{"user-added tag", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			tags = append(tags, map[string]any{"name": "mine", "from": map[string]any{"kind": "DockerImage", "name": "x/y:z"}})
			_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
		}), false},
		{"foreign label", same(func(u *unstructured.Unstructured) {
			l := u.GetLabels()
			l["team"] = "a"
			u.SetLabels(l)
		}), false},
		{"version annotation removed", same(func(u *unstructured.Unstructured) {
			a := u.GetAnnotations()
			delete(a, "samples.operator.openshift.io/version")
			u.SetAnnotations(a)
		}), true},
		{"old version", same(func(u *unstructured.Unstructured) {
			a := u.GetAnnotations()
			a["samples.operator.openshift.io/version"] = "4.21.0"
			u.SetAnnotations(a)
		}), true},
		{"skipped label", same(func(u *unstructured.Unstructured) {
			u.SetLabels(map[string]string{"samples.operator.openshift.io/managed": "false"})
		}), true},
		{"tag image changed", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			tags[0].(map[string]any)["from"] = map[string]any{"kind": "DockerImage", "name": "elsewhere/ruby:1"}
			_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
		}), true},
		{"content tag deleted", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			_ = unstructured.SetNestedSlice(u.Object, tags[1:], "spec", "tags")
		}), true},
		{"no spec", same(func(u *unstructured.Unstructured) { delete(u.Object, "spec") }), true},
	} {
		if got := NeedsUpdate(desired, tc.actual); got != tc.want {
			t.Errorf("%s: NeedsUpdate = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNeedsUpdateTemplateLists(t *testing.T) {
	tpl := `{"kind":"Template","metadata":{"name":"t"},"objects":[{"kind":"Service","metadata":{"name":"a"}},{"kind":"Route"}],
	  "parameters":[{"name":"NAME","value":"x"}]}`
	desired := Desired(parse(t, tpl), "", "v")
	if NeedsUpdate(desired, desired.DeepCopy()) {
		t.Error("identical template needs an update")
	}
	fewer := desired.DeepCopy()
	_ = unstructured.SetNestedSlice(fewer.Object, []any{map[string]any{"kind": "Service", "metadata": map[string]any{"name": "a"}}}, "objects")
	if !NeedsUpdate(desired, fewer) {
		t.Error("a template missing an object does not need an update")
	}
	more := desired.DeepCopy()
	objs, _, _ := unstructured.NestedSlice(more.Object, "objects")
	_ = unstructured.SetNestedSlice(more.Object, append(objs, map[string]any{"kind": "Secret"}), "objects")
	if !NeedsUpdate(desired, more) {
		t.Error("a template with an extra object does not need an update")
	}
}

func TestForUpdateKeepsClusterOnlyTags(t *testing.T) {
	desired := Desired(parse(t, ruby), "", "4.22.0")
	actual := desired.DeepCopy()
	actual.SetResourceVersion("42")
	actual.SetLabels(map[string]string{"team": "a", "samples.operator.openshift.io/managed": "false"})
	tags, _, _ := unstructured.NestedSlice(actual.Object, "spec", "tags")
	tags = append(tags, map[string]any{"name": "2.7", "from": map[string]any{"kind": "DockerImage", "name": "old/ruby:2.7"}})
	_ = unstructured.SetNestedSlice(actual.Object, tags, "spec", "tags")

	out := ForUpdate(desired, actual)
	if out.GetResourceVersion() != "42" {
		t.Errorf("resourceVersion = %q", out.GetResourceVersion())
	}
	if l := out.GetLabels(); l["team"] != "a" || l["samples.operator.openshift.io/managed"] != "true" {
		t.Errorf("labels = %v", l)
	}
	got, _, _ := unstructured.NestedSlice(out.Object, "spec", "tags")
	if len(got) != 3 || got[2].(map[string]any)["name"] != "2.7" {
		t.Errorf("tags = %v", got)
	}
	if NeedsUpdate(desired, out) {
		t.Error("the written object still needs an update")
	}
}
