// Package state decides what the operator does with the samples for a given Config.
package state

import (
	"fmt"
	"slices"
	"strings"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
)

// Plan is what to do with the samples.
type Plan struct {
	// State is Managed, Unmanaged or Removed.
	State samplesv1.ManagementState
	// Arch is the Config's architecture (as the user wrote it) whose content applies.
	Arch string
	// Note is said in ConfigurationValid while the Config is otherwise valid, for
	// example when an unknown managementState is treated as Managed.
	Note string
}

// DefaultArchitecture applies when spec.architectures is empty.
const DefaultArchitecture = samplesv1.X86Architecture

// PlanFor turns the Config into a Plan. Whether the Config is valid is the
// verdict package's validation chain.
func PlanFor(cfg *samplesv1.Config) Plan {
	p := Plan{Arch: DefaultArchitecture}
	switch s := cfg.Spec.ManagementState; s {
	case samplesv1.Unmanaged, samplesv1.Removed:
		p.State = s
	case samplesv1.Managed, "":
		p.State = samplesv1.Managed
	case samplesv1.Force:
		p.State = samplesv1.Managed
		p.Note = "managementState Force is treated as Managed"
	default:
		p.State = samplesv1.Managed
		p.Note = fmt.Sprintf("managementState %q is not one of Managed, Unmanaged, Removed; it is treated as Managed", s)
	}
	if len(cfg.Spec.Architectures) > 0 {
		p.Arch = cfg.Spec.Architectures[0]
	}
	return p
}

// Skipped tells whether name is in the skip list.
func Skipped(list []string, name string) bool { return slices.Contains(list, name) }

// UnknownSkips says which skipped names are not samples of the content in effect, or
// "" when all are: a typo an administrator would want to hear about, though the Config
// stays valid.
func UnknownSkips(cfg *samplesv1.Config, set *content.Set) string {
	var parts []string
	for _, l := range []struct {
		field string
		names []string
		known map[string]content.Raw
	}{
		{"spec.skippedImagestreams", cfg.Spec.SkippedImagestreams, set.ImageStreams},
		{"spec.skippedTemplates", cfg.Spec.SkippedTemplates, set.Templates},
	} {
		var unknown []string
		for _, n := range l.names {
			if _, ok := l.known[n]; !ok {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 5 {
			unknown = append(unknown[:5], fmt.Sprintf("and %d more", len(unknown)-5))
		}
		if len(unknown) > 0 {
			parts = append(parts, fmt.Sprintf("%s names %s, which are not samples of this architecture", l.field, strings.Join(unknown, ", ")))
		}
	}
	return strings.Join(parts, "; ")
}
