// Package verdict is the one place the operator's verdicts are decided: whether the
// Config is valid (an ordered chain of small checks), which conditions a pass sets and
// what it then does (Evaluate), and what every signal an administrator reads says
// (Read: the metrics, the alerts they raise and the status command all take it from
// the conditions the evaluation wrote, so no view decides for itself).
package verdict

import (
	"errors"
	"fmt"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/registry"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

// The reasons of a False ConfigurationValid, one per check of the chain. The stock
// operator sets none; each names what is wrong so that every view (the ClusterOperator
// among them) reads the verdict instead of working it out again.
const (
	ReasonUnsupportedArchitecture  = "UnsupportedArchitecture"
	ReasonInvalidSamplesRegistry   = "InvalidSamplesRegistry"
	ReasonMultipleArchitectures    = "MultipleArchitectures"
	ReasonArchitectureChanged      = "ArchitectureChanged"
	ReasonImportForbidden          = "ImportForbidden"
	ReasonArchitectureNotInContent = "ArchitectureNotInContent"
)

// ValidationReasons lists the reasons above, in the chain's order.
var ValidationReasons = []string{ReasonUnsupportedArchitecture, ReasonInvalidSamplesRegistry, ReasonMultipleArchitectures,
	ReasonArchitectureChanged, ReasonImportForbidden, ReasonArchitectureNotInContent}

// Check is one link of the validation chain: given what a pass gathered, it returns ""
// when the Config passes, else why not (the ConfigurationValid message).
type Check struct {
	Reason string
	// Spec tells that the check reads the Config alone: a Config failing one is not
	// acted on in any way (not even the mirror ConfigMap is published for it).
	Spec bool
	Test func(in *Inputs, plan state.Plan) string
}

// Chain is the validation of a Managed Config, in order; the first failure decides.
// Removed and Unmanaged change no sample, so only their spec is read, and nothing in it
// can make them invalid.
var Chain = []Check{
	{ReasonUnsupportedArchitecture, true, archSupported},
	{ReasonInvalidSamplesRegistry, true, registrySyntax},
	{ReasonMultipleArchitectures, true, singleArchitecture},
	{ReasonArchitectureChanged, true, architectureUnchanged},
	{ReasonImportForbidden, false, imagePolicyAllows},
	{ReasonArchitectureNotInContent, false, contentHasArchitecture},
}

// Validate runs the chain over a Managed Config and returns the first failure's
// reason and message, or "", "" when the Config is valid.
func Validate(in *Inputs, plan state.Plan) (reason, message string) {
	if plan.State != samplesv1.Managed {
		return "", ""
	}
	for _, c := range Chain {
		if msg := c.Test(in, plan); msg != "" {
			return c.Reason, msg
		}
	}
	return "", ""
}

// specValid tells whether the Config passes every check that reads it alone.
func specValid(in *Inputs, plan state.Plan) bool {
	if plan.State != samplesv1.Managed {
		return true
	}
	for _, c := range Chain {
		if c.Spec && c.Test(in, plan) != "" {
			return false
		}
	}
	return true
}

func archSupported(_ *Inputs, plan state.Plan) string {
	if _, ok := content.ArchDir(plan.Arch); ok {
		return ""
	}
	return fmt.Sprintf("architecture %q is not supported; use one of %s. To change it, set managementState to Removed, then change spec.architectures and set managementState to Managed", plan.Arch, content.SupportedArchitectures)
}

func registrySyntax(in *Inputs, _ state.Plan) string {
	if err := registry.Validate(in.Config.Spec.SamplesRegistry); err != nil {
		return "spec.samplesRegistry: " + err.Error()
	}
	return ""
}

func singleArchitecture(in *Inputs, _ state.Plan) string {
	if n := len(in.Config.Spec.Architectures); n > 1 {
		return fmt.Sprintf("spec.architectures lists %d architectures; the samples of only one can be installed", n)
	}
	return ""
}

// architectureUnchanged: samples of one architecture exist, and switching content under
// them in place would mix two sets, so the administrator removes the samples first.
func architectureUnchanged(in *Inputs, plan state.Plan) string {
	st := in.Config.Status
	if len(st.Architectures) == 0 || st.ManagementState == samplesv1.Removed || sameArch(st.Architectures[0], plan.Arch) {
		return ""
	}
	return fmt.Sprintf("spec.architectures changed from %s to %s while samples are installed; to change it, set managementState to Removed, wait for the samples to be removed, then change spec.architectures and set managementState to Managed", st.Architectures[0], plan.Arch)
}

// imagePolicyAllows: a restriction added to the cluster image configuration after
// install is reported before any import fails.
func imagePolicyAllows(in *Inputs, _ state.Plan) string {
	forbidden := registry.ImportForbidden(in.Image, in.Config.Spec.SamplesRegistry)
	if forbidden == "" {
		return ""
	}
	what := "spec.samplesRegistry " + in.Config.Spec.SamplesRegistry
	if in.Config.Spec.SamplesRegistry == "" {
		what = "the samples' default registries"
	}
	return fmt.Sprintf("%s cannot be used: %s", what, forbidden)
}

func contentHasArchitecture(in *Inputs, _ state.Plan) string {
	var missing *content.MissingArchError
	if errors.As(in.ContentErr, &missing) {
		return in.ContentErr.Error()
	}
	return ""
}

func sameArch(a, b string) bool {
	da, _ := content.ArchDir(a)
	db, _ := content.ArchDir(b)
	return da == db
}
