package credentials

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestHasTBR(t *testing.T) {
	for _, tc := range []struct {
		json string
		want bool
		err  bool
	}{
		{`{"auths":{"registry.redhat.io":{"auth":"eDp5"}}}`, true, false},
		{`{"auths":{"https://registry.redhat.io":{"auth":"eDp5"}}}`, true, false},
		{`{"auths":{"quay.io":{"auth":"eDp5"},"cloud.openshift.com":{}}}`, false, false},
		{`{"auths":{"registry.redhat.io.evil.com":{}}}`, false, false},
		{`{}`, false, false},
		{`not json`, false, true},
	} {
		got, err := HasTBR([]byte(tc.json))
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("HasTBR(%s) = %v, %v", tc.json, got, err)
		}
	}
}

func TestGated(t *testing.T) {
	for reg, want := range map[string]bool{
		"": true, "registry.redhat.io": true, "registry.access.redhat.com/x": true,
		"mirror.example.com:5000/samples": false, "quay.io": false,
	} {
		if Gated(reg) != want {
			t.Errorf("Gated(%q) = %v", reg, !want)
		}
	}
}

func TestFromTBR(t *testing.T) {
	is := func(ref string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"tags": []any{
			map[string]any{"name": "a", "from": map[string]any{"kind": "DockerImage", "name": ref}},
			map[string]any{"name": "latest", "from": map[string]any{"kind": "ImageStreamTag", "name": "a"}},
		}}}}
	}
	if !FromTBR(is("registry.redhat.io/ubi9/ruby-33:latest")) || FromTBR(is("quay.io/x/y:1")) || FromTBR(is("registry.access.redhat.com/ubi9/x")) {
		t.Error("FromTBR")
	}
}
