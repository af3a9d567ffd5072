package registry

import (
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
)

func forImport(domains ...string) *configv1.Image {
	img := &configv1.Image{}
	for _, d := range domains {
		img.Spec.AllowedRegistriesForImport = append(img.Spec.AllowedRegistriesForImport, configv1.RegistryLocation{DomainName: d})
	}
	return img
}

func sources(allowed, blocked []string) *configv1.Image {
	img := &configv1.Image{}
	img.Spec.RegistrySources.AllowedRegistries = allowed
	img.Spec.RegistrySources.BlockedRegistries = blocked
	return img
}

func TestImportForbidden(t *testing.T) {
	for _, tc := range []struct {
		name     string
		img      *configv1.Image
		registry string
		field    string // "" when allowed
	}{
		{"no image config", nil, "", ""},
		{"empty image config", &configv1.Image{}, "", ""},
		{"import: both registries", forImport("registry.redhat.io", "quay.io"), "", ""},
		{"import: parent domain and quay", forImport("redhat.io", "quay.io"), "", ""},
		{"import: both plus redhat.com", forImport("registry.redhat.io", "quay.io", "redhat.com"), "", ""},
		{"import: parent plus redhat.com", forImport("redhat.io", "quay.io", "redhat.com"), "", ""},
		{"import: wildcard", forImport("*.redhat.io", "quay.io"), "", ""},
		{"import: only redhat.io", forImport("registry.redhat.io"), "", "allowedRegistriesForImport"},
		{"import: only redhat.com", forImport("redhat.com", "quay.io"), "", "allowedRegistriesForImport"},
		{"import: lookalike suffix", forImport("hat.io", "quay.io"), "", "allowedRegistriesForImport"},
		{"import: other registry", forImport("mirror.example.com"), "", "allowedRegistriesForImport"},
		{"import: mirror allowed for mirror", forImport("mirror.example.com"), "mirror.example.com:5000/samples", ""},
		{"import: mirror parent domain", forImport("example.com"), "mirror.example.com/samples", ""},
		{"import: mirror not allowed", forImport("registry.redhat.io", "quay.io"), "mirror.example.com", "allowedRegistriesForImport"},
		{"sources: both allowed", sources([]string{"registry.redhat.io", "quay.io"}, nil), "", ""},
		{"sources: one allowed", sources([]string{"quay.io"}, nil), "", ""},
		{"sources: neither allowed", sources([]string{"docker.io"}, nil), "", "allowedRegistries"},
		{"sources: wildcard allowed", sources([]string{"*.redhat.io"}, nil), "", ""},
		{"sources: mirror allowed", sources([]string{"mirror.example.com:5000"}, nil), "mirror.example.com:5000/x", ""},
		{"sources: mirror not allowed", sources([]string{"registry.redhat.io"}, nil), "mirror.example.com", "allowedRegistries"},
		{"blocked: redhat", sources(nil, []string{"registry.redhat.io"}), "", "blockedRegistries"},
		{"blocked: quay", sources(nil, []string{"quay.io"}), "", "blockedRegistries"},
		{"blocked: other", sources(nil, []string{"docker.io"}), "", ""},
		{"blocked: mirror", sources(nil, []string{"mirror.example.com"}), "mirror.example.com/samples", "blockedRegistries"},
		{"blocked: redhat but mirror used", sources(nil, []string{"registry.redhat.io"}), "mirror.example.com", ""},
		{"blocked: wildcard", sources(nil, []string{"*.redhat.io"}), "", "blockedRegistries"},
	} {
		got := ImportForbidden(tc.img, tc.registry)
		if (got == "") != (tc.field == "") || !strings.Contains(got, tc.field) {
			t.Errorf("%s: ImportForbidden = %q, want a message naming %q", tc.name, got, tc.field)
		}
		if got != "" && !strings.Contains(got, "images.config.openshift.io/cluster") {
			t.Errorf("%s: message does not name the image config: %q", tc.name, got)
		}
	}
}
