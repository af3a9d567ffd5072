package imagestream

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

func stream(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := utiljson.Unmarshal([]byte(s), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestTags(t *testing.T) {
	is := stream(t, `{"kind":"ImageStream","spec":{"tags":[
		{"name":"a","from":{"kind":"DockerImage","name":"quay.io/x/a"}},
		"not a tag", {"from":{"kind":"DockerImage","name":"nameless"}},
		{"name":"b","from":{"kind":"ImageStreamTag","name":"a"}},
		{"name":"c"}]}}`)
	var got []Tag
	for tag := range Tags(is) {
		tag.obj = nil
		got = append(got, tag)
	}
	want := []Tag{{Name: "a", FromKind: "DockerImage", FromName: "quay.io/x/a"}, {Name: "b", FromKind: "ImageStreamTag", FromName: "a"}, {Name: "c"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tags = %+v, want %+v", got, want)
	}
	for tag := range Tags(is) {
		tag.SetFromName("mirror/" + tag.FromName)
	}
	if n, _, _ := unstructured.NestedSlice(is.Object, "spec", "tags"); n[0].(map[string]any)["from"].(map[string]any)["name"] != "mirror/quay.io/x/a" || len(n[4].(map[string]any)) != 1 {
		t.Errorf("SetFromName: %v", n)
	}
	for range Tags(stream(t, `{"kind":"ImageStream","spec":{"tags":{}}}`)) {
		t.Error("a tag from a spec.tags that is no list")
	}
}

func TestTagsDoNotAllocate(t *testing.T) {
	is := stream(t, `{"kind":"ImageStream","spec":{"tags":[{"name":"a","from":{"kind":"DockerImage","name":"quay.io/x/a"}},{"name":"b"}]}}`)
	n := 0
	if allocs := testing.AllocsPerRun(100, func() {
		for tag := range Tags(is) {
			n += len(tag.FromName)
		}
	}); allocs != 0 {
		t.Errorf("Tags allocates %v times per walk", allocs)
	}
}

func TestCheck(t *testing.T) {
	for s, want := range map[string]string{
		`{"spec":{"tags":[{"name":"a","from":{"kind":"DockerImage","name":"x"}}]}}`: "",
		`{}`:                              "",
		`{"spec":[]}`:                     "spec is a []interface {}, want an object",
		`{"spec":{"tags":{}}}`:            "spec.tags is a map[string]interface {}, want a list",
		`{"spec":{"tags":[1]}}`:           "spec.tags[0] is a int64, want an object",
		`{"spec":{"tags":[{"name":""}]}}`: "spec.tags[0] has no name",
		`{"spec":{"tags":[{"name":"a","from":1}]}}`:                      "spec.tags[0].from is a int64, want an object",
		`{"spec":{"tags":[{"name":"a","from":{"name":"x"}}]}}`:           "spec.tags[0].from has no kind",
		`{"spec":{"tags":[{"name":"a","from":{"kind":"DockerImage"}}]}}`: "spec.tags[0].from has no name",
	} {
		err := Check(stream(t, s))
		if got := ""; err != nil {
			got = err.Error()
			if got != want {
				t.Errorf("%s: %q, want %q", s, got, want)
			}
		} else if want != "" {
			t.Errorf("%s: no error, want %q", s, want)
		}
	}
}
