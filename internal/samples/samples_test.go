package samples

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	imagev1 "github.com/openshift/api/image/v1"
	templatev1 "github.com/openshift/api/template/v1"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
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
	if got, _, _ := unstructured.NestedSlice(Desired(parse(t, ruby), "", "v").Object, "spec", "tags"); got[0].(map[string]any)["from"].(map[string]any)["name"] != "registry.redhat.io/ubi9/ruby-33:latest" {
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
		name            string
		actual          *unstructured.Unstructured
		registryChanged bool
		want            bool
	}{
		{"identical", same(func(*unstructured.Unstructured) {}), false, false},
		{"server defaults and status", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			tags[0].(map[string]any)["generation"] = int64(2)
			tags[0].(map[string]any)["importPolicy"] = map[string]any{"importMode": "Legacy"}
			_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
			u.Object["status"] = map[string]any{"dockerImageRepository": "x"}
		}), false, false},
		{"user-added tag", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			tags = append(tags, map[string]any{"name": "mine", "from": map[string]any{"kind": "DockerImage", "name": "x/y:z"}})
			_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
		}), false, false},
		{"foreign label", same(func(u *unstructured.Unstructured) {
			l := u.GetLabels()
			l["team"] = "a"
			u.SetLabels(l)
		}), false, false},
		// An administrator's edits that keep the version annotation stay.
		{"tag pointed at a mirror", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			tags[0].(map[string]any)["from"] = map[string]any{"kind": "DockerImage", "name": "mirror.internal/ruby:1"}
			_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
		}), false, false},
		{"content tag deleted (oc tag -d)", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			_ = unstructured.SetNestedSlice(u.Object, tags[1:], "spec", "tags")
		}), false, false},
		{"scheduled import", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			tags[0].(map[string]any)["importPolicy"] = map[string]any{"scheduled": true}
			_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
		}), false, false},
		// What the documentation says is reverted.
		{"version annotation removed", same(func(u *unstructured.Unstructured) {
			a := u.GetAnnotations()
			delete(a, "samples.operator.openshift.io/version")
			u.SetAnnotations(a)
		}), false, true},
		{"old version (release change)", same(func(u *unstructured.Unstructured) {
			a := u.GetAnnotations()
			a["samples.operator.openshift.io/version"] = "4.21.0"
			u.SetAnnotations(a)
		}), false, true},
		{"skipped before", same(func(u *unstructured.Unstructured) {
			u.SetLabels(map[string]string{"samples.operator.openshift.io/managed": "false"})
		}), false, true},
		{"samplesRegistry changed, references not yet rewritten", same(func(u *unstructured.Unstructured) {
			tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
			tags[0].(map[string]any)["from"] = map[string]any{"kind": "DockerImage", "name": "old.mirror/ruby:1"}
			_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
		}), true, true},
		{"samplesRegistry changed, references already rewritten", same(func(*unstructured.Unstructured) {}), true, false},
	} {
		if got := NeedsUpdate(desired, tc.actual, tc.registryChanged); got != tc.want {
			t.Errorf("%s: NeedsUpdate = %v, want %v", tc.name, got, tc.want)
		}
		// The reconciler's shortcut skips building the desired sample when Current: it
		// must never skip one that needs an update.
		version := desired.GetAnnotations()["samples.operator.openshift.io/version"]
		if !tc.registryChanged && Current(tc.actual, version) && tc.want {
			t.Errorf("%s: Current with registry unchanged, yet it needs an update", tc.name)
		}
	}
}

func TestForUpdateKeepsClusterOnlyTags(t *testing.T) {
	desired := Desired(parse(t, ruby), "", "4.22.0")
	actual := desired.DeepCopy()
	actual.SetResourceVersion("42")
	actual.SetLabels(map[string]string{"team": "a", "samples.operator.openshift.io/managed": "false"})
	actual.SetFinalizers([]string{"example.com/keep"})
	actual.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: "u1"}})
	actual.SetAnnotations(map[string]string{"team.example.com/note": "ours", "samples.operator.openshift.io/version": "4.21.0"})
	tags, _, _ := unstructured.NestedSlice(actual.Object, "spec", "tags")
	tags = append(tags, map[string]any{"name": "2.7", "from": map[string]any{"kind": "DockerImage", "name": "old/ruby:2.7"}})
	_ = unstructured.SetNestedSlice(actual.Object, tags, "spec", "tags")

	before := actual.DeepCopy()
	out := ForUpdate(desired, actual)
	// actual is the cache's own object (config_managed.go reads it without a copy).
	if !reflect.DeepEqual(actual.Object, before.Object) {
		t.Error("ForUpdate changed the cluster's object")
	}
	out.SetLabels(map[string]string{"changed": "after"})
	if tags, _, _ := unstructured.NestedSlice(out.Object, "spec", "tags"); len(tags) > 2 {
		tags[2].(map[string]any)["name"] = "changed"
	}
	if !reflect.DeepEqual(actual.Object, before.Object) {
		t.Error("the object ForUpdate returned shares maps with the cluster's object")
	}
	out = ForUpdate(desired, actual)
	if out.GetResourceVersion() != "42" {
		t.Errorf("resourceVersion = %q", out.GetResourceVersion())
	}
	if l := out.GetLabels(); l["team"] != "a" || l["samples.operator.openshift.io/managed"] != "true" {
		t.Errorf("labels = %v", l)
	}
	if a := out.GetAnnotations(); a["team.example.com/note"] != "ours" || a["samples.operator.openshift.io/version"] != "4.22.0" {
		t.Errorf("annotations = %v", a)
	}
	if len(out.GetFinalizers()) != 1 || len(out.GetOwnerReferences()) != 1 {
		t.Errorf("finalizers %v, owner references %v: what other tools put on the sample was dropped", out.GetFinalizers(), out.GetOwnerReferences())
	}
	got, _, _ := unstructured.NestedSlice(out.Object, "spec", "tags")
	if len(got) != 3 || got[2].(map[string]any)["name"] != "2.7" {
		t.Errorf("tags = %v", got)
	}
	if NeedsUpdate(desired, out, false) {
		t.Error("the written object still needs an update")
	}
}

// roundTrip stores obj the way openshift-apiserver does: through the typed structs,
// whose omitempty fields drop empty values, and back.
func roundTrip(t *testing.T, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	var typed any
	switch obj.GetKind() {
	case "ImageStream":
		typed = &imagev1.ImageStream{}
	case "Template":
		typed = &templatev1.Template{}
	default:
		t.Fatalf("kind %s", obj.GetKind())
	}
	data, err := json.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, typed); err != nil {
		t.Fatalf("%s %s: %v", obj.GetKind(), obj.GetName(), err)
	}
	if data, err = json.Marshal(typed); err != nil {
		t.Fatal(err)
	}
	out := &unstructured.Unstructured{}
	if err := utiljson.Unmarshal(data, &out.Object); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every sample of the real tree, stored as openshift-apiserver stores it, needs no
// write on the next pass: no write loop on a real cluster.
func TestRealSamplesStoredByTheServerNeedNoUpdate(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "ocp")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the real OpenShift samples tree is not at %s: %v", dir, err)
	}
	inv, err := content.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	n, changed := 0, 0
	for arch, set := range inv.Arches {
		for _, raws := range []map[string]content.Raw{set.ImageStreams, set.Templates} {
			objs, err := content.Objects(raws)
			if err != nil {
				t.Fatal(err)
			}
			for name, src := range objs {
				desired := Desired(src, "", "4.22.0")
				stored := roundTrip(t, desired)
				if !reflect.DeepEqual(stored.Object, desired.Object) {
					changed++ // the server drops empty values: a full comparison would loop
				}
				if NeedsUpdate(desired, stored, false) {
					t.Errorf("%s %s %s: stored as the server stores it, it still needs an update", arch, src.GetKind(), name)
				}
				n++
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d samples checked", n)
	}
	t.Logf("%d samples round-tripped through openshift/api types, %d of them stored differently from what was sent; none needs a write", n, changed)
}

func TestTrimKeepsWhatTheOperatorReads(t *testing.T) {
	tpl := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "t", UID: "u", ResourceVersion: "7", Labels: map[string]string{"a": "b"},
		Annotations:   map[string]string{"description": "long", samplesv1.SamplesVersionAnnotation: "4.22.0"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "x"}}}}
	Trim(tpl)
	want := metav1.ObjectMeta{Name: "t", UID: "u", ResourceVersion: "7", Labels: map[string]string{"a": "b"},
		Annotations: map[string]string{samplesv1.SamplesVersionAnnotation: "4.22.0"}}
	if !reflect.DeepEqual(tpl.ObjectMeta, want) {
		t.Errorf("trimmed template metadata = %+v, want %+v", tpl.ObjectMeta, want)
	}
	policy := imagev1.TagImportPolicy{ImportMode: imagev1.ImportModePreserveOriginal}
	from := &corev1.ObjectReference{Kind: "DockerImage", Name: "q.io/r:1"}
	is := &imagev1.ImageStream{
		ObjectMeta: metav1.ObjectMeta{Name: "r", Annotations: map[string]string{"openshift.io/display-name": "R"}},
		Spec: imagev1.ImageStreamSpec{Tags: []imagev1.TagReference{{Name: "a", Annotations: map[string]string{"description": "long"},
			From: from, ImportPolicy: policy}}},
		Status: imagev1.ImageStreamStatus{Tags: []imagev1.NamedTagEventList{{Tag: "a",
			Items:      []imagev1.TagEvent{{Generation: 3}, {Generation: 2}, {Generation: 1}},
			Conditions: []imagev1.TagEventCondition{{Type: imagev1.ImportSuccess, Status: corev1.ConditionFalse, Generation: 4}}}}},
	}
	Trim(is)
	tag := is.Status.Tags[0]
	if len(tag.Items) != 1 || tag.Items[0].Generation != 3 {
		t.Errorf("items = %v; want the newest only", tag.Items)
	}
	if len(tag.Conditions) != 1 {
		t.Errorf("conditions = %v", tag.Conditions)
	}
	if wantTag := (imagev1.TagReference{Name: "a", From: from, ImportPolicy: policy}); len(is.Spec.Tags) != 1 || !reflect.DeepEqual(is.Spec.Tags[0], wantTag) {
		t.Errorf("spec tags = %+v, want [%+v]", is.Spec.Tags, wantTag)
	}
	if is.Annotations != nil {
		t.Errorf("annotations = %v, want none", is.Annotations)
	}
}

// The cache keeps image streams typed: a registry change is seen on them as on the
// server's unstructured copy.
func TestNeedsUpdateReadsTypedStreams(t *testing.T) {
	desired := Desired(parse(t, ruby), "", "4.22.0")
	typed := &imagev1.ImageStream{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(desired.Object, typed); err != nil {
		t.Fatal(err)
	}
	if NeedsUpdate(desired, typed, true) {
		t.Error("a stream already at the registry needs an update")
	}
	moved := Desired(parse(t, ruby), "mirror.example.com:5000", "4.22.0")
	if !NeedsUpdate(moved, typed, true) || !NeedsUpdate(moved, desired, true) {
		t.Error("a registry change is not seen")
	}
	if NeedsUpdate(moved, typed, false) {
		t.Error("without a registry change, a current stream needs an update")
	}
}
