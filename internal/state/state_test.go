package state

import (
	"strings"
	"testing"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
)

func TestDecide(t *testing.T) {
	cfg := func(state samplesv1.ManagementState, archs []string, statusState samplesv1.ManagementState, statusArchs []string) *samplesv1.Config {
		return &samplesv1.Config{
			Spec:   samplesv1.ConfigSpec{ManagementState: state, Architectures: archs},
			Status: samplesv1.ConfigStatus{ManagementState: statusState, Architectures: statusArchs},
		}
	}
	for _, tc := range []struct {
		name       string
		cfg        *samplesv1.Config
		state      samplesv1.ManagementState
		arch, note string
	}{
		{"managed default arch", cfg("Managed", nil, "", nil), "Managed", "x86_64", ""},
		{"empty state", cfg("", []string{"s390x"}, "", nil), "Managed", "s390x", ""},
		{"force", cfg("Force", nil, "", nil), "Managed", "x86_64", "Force is treated as Managed"},
		{"unknown state", cfg("Bogus", nil, "", nil), "Managed", "x86_64", `"Bogus" is not one of`},
		{"removed", cfg("Removed", nil, "", nil), "Removed", "x86_64", ""},
		{"unmanaged", cfg("Unmanaged", nil, "", nil), "Unmanaged", "x86_64", ""},
		{"amd64 alias", cfg("Managed", []string{"amd64"}, "Managed", []string{"x86_64"}), "Managed", "amd64", ""},
		{"arm64", cfg("Managed", []string{"arm64"}, "", nil), "Managed", "arm64", ""},
		{"unsupported arch", cfg("Managed", []string{"mips"}, "", nil), "Managed", "mips", ""},
		{"unsupported arch while removed", cfg("Removed", []string{"mips"}, "", nil), "Removed", "mips", ""},
		{"two arches", cfg("Managed", []string{"x86_64", "s390x"}, "", nil), "Managed", "x86_64", ""},
		{"arch change while managed", cfg("Managed", []string{"s390x"}, "Managed", []string{"x86_64"}), "Managed", "s390x", ""},
		{"arch change while unmanaged samples", cfg("Managed", []string{"s390x"}, "Unmanaged", []string{"x86_64"}), "Managed", "s390x", ""},
		{"arch change after removal", cfg("Managed", []string{"s390x"}, "Removed", nil), "Managed", "s390x", ""},
		{"arch change while removed", cfg("Removed", []string{"s390x"}, "Managed", []string{"x86_64"}), "Removed", "s390x", ""},
	} {
		p := PlanFor(tc.cfg)
		if p.State != tc.state || p.Arch != tc.arch {
			t.Errorf("%s: state %s arch %s, want %s %s", tc.name, p.State, p.Arch, tc.state, tc.arch)
		}
		if (tc.note == "") != (p.Note == "") || !strings.Contains(p.Note, tc.note) {
			t.Errorf("%s: note %q, want it to say %q", tc.name, p.Note, tc.note)
		}
	}
}

func TestUnknownSkips(t *testing.T) {
	set := &content.Set{
		ImageStreams: map[string]content.Raw{"ruby": nil},
		Templates:    map[string]content.Raw{"rails-postgresql-example": nil},
	}
	cfg := &samplesv1.Config{Spec: samplesv1.ConfigSpec{SkippedImagestreams: []string{"ruby", "rubby"}, SkippedTemplates: []string{"rails-postgresql-example"}}}
	if got := UnknownSkips(cfg, set); got != "spec.skippedImagestreams names rubby, which are not samples of this architecture" {
		t.Errorf("UnknownSkips = %q", got)
	}
	cfg.Spec.SkippedImagestreams = []string{"ruby"}
	if got := UnknownSkips(cfg, set); got != "" {
		t.Errorf("all known: %q", got)
	}
}
