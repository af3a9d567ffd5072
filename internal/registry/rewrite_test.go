package registry

import "testing"

func TestRewrite(t *testing.T) {
	for _, tc := range []struct{ ref, reg, want string }{
		{"registry.redhat.io/ubi9/ruby-33:latest", "", "registry.redhat.io/ubi9/ruby-33:latest"},
		{"registry.redhat.io/ubi9/ruby-33:latest", "mirror.example.com", "mirror.example.com/ubi9/ruby-33:latest"},
		{"registry.redhat.io/ubi9/ruby-33:latest", "mirror.example.com:5000", "mirror.example.com:5000/ubi9/ruby-33:latest"},
		{"registry.redhat.io/ubi9/ruby-33:latest", "mirror.example.com:5000/samples", "mirror.example.com:5000/samples/ubi9/ruby-33:latest"},
		{"registry.redhat.io/ubi9/ruby-33:latest", "mirror.example.com/", "mirror.example.com/ubi9/ruby-33:latest"},
		{"registry.access.redhat.com/ubi8/openjdk-11:latest", "m.io", "m.io/ubi8/openjdk-11:latest"},
		{"quay.io/org/img@sha256:abc", "m.io", "m.io/org/img@sha256:abc"},
		{"docker.io/library/busybox", "m.io", "m.io/library/busybox"},
		{"registry.svc.ci.openshift.org/ocp/4.1:jenkins", "m.io", "m.io/ocp/4.1:jenkins"},
		{"registry.redhat.io/a/b/c:1", "m.io", "m.io/a/b/c:1"},
		{"other.example.com/repo/image:1", "m.io", "m.io/repo/image:1"},
		{"other.example.com:443/repo/image", "m.io", "m.io/repo/image"},
		{"repo/image:1", "m.io", "m.io/repo/image:1"},
		{"busybox", "m.io", "m.io/busybox"},
		{"other.example.com/a/b/c", "m.io", "m.io/other.example.com/a/b/c"},
		{"m.io/ubi9/ruby-33:latest", "m.io", "m.io/ubi9/ruby-33:latest"},
		{"m.io.evil/ubi9/ruby:1", "m.io", "m.io/ubi9/ruby:1"},
		{"", "m.io", ""},
	} {
		if got := Rewrite(tc.ref, tc.reg); got != tc.want {
			t.Errorf("Rewrite(%q, %q) = %q, want %q", tc.ref, tc.reg, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, ok := range []string{"", "mirror.example.com", "mirror.example.com:5000", "mirror.example.com:5000/samples",
		"Mirror.Example.com/a/b-c_d.e", "10.0.0.1:5000/x", "[fd00::1]:5000/samples", "localhost"} {
		if err := Validate(ok); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"https://mirror.example.com", "mirror.example.com/Samples", "mirror example.com",
		"mirror.example.com/", "-mirror.example.com", "mirror.example.com:port", "mirror.example.com/a//b", "mirror.example.com/ruby:1"} {
		if err := Validate(bad); err == nil {
			t.Errorf("Validate(%q) = nil, want an error", bad)
		}
	}
}
