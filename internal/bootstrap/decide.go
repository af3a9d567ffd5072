package bootstrap

import (
	"fmt"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// Reasons for a Removed bootstrap.
const (
	ReasonIPv6                = "IPv6"
	ReasonImageConfig         = "ImageConfigForbidsImport"
	ReasonRegistryUnreachable = "TermsBasedRegistryUnreachable"
)

// Decision is the management state a new Config starts with, and why.
type Decision struct {
	State   samplesv1.ManagementState
	Reason  string
	Message string
}

// HowToManage tells an administrator how to install the samples after a Removed
// bootstrap.
const HowToManage = "to install the samples, run `oc edit configs.samples.operator.openshift.io cluster` and set managementState: Managed (on a restricted network, first mirror the images and set samplesRegistry to the mirror)"

// InitialState applies the bootstrap rules in order: an IPv6-only cluster, an image
// configuration that forbids importing from the samples registry, then an unreachable
// registry start Removed; anything else starts Managed. reach is only called when the
// earlier rules did not decide, since it may take minutes.
func InitialState(ipv6Only bool, imageForbidden string, reach func() error) Decision {
	if ipv6Only {
		return Decision{samplesv1.Removed, ReasonIPv6, "the cluster network is IPv6-only, and the samples registry cannot be reached over IPv6"}
	}
	if imageForbidden != "" {
		return Decision{samplesv1.Removed, ReasonImageConfig, imageForbidden}
	}
	if err := reach(); err != nil {
		return Decision{samplesv1.Removed, ReasonRegistryUnreachable, fmt.Sprintf("the samples registry could not be reached: %v", err)}
	}
	return Decision{State: samplesv1.Managed}
}

// TBRInaccessible tells whether cfg is a Config bootstrapped Removed because the
// terms-based registry was unreachable and not yet switched to another state.
func TBRInaccessible(cfg *samplesv1.Config) bool {
	return cfg != nil && cfg.Annotations[samplesv1.BootstrapRemovedReasonAnnotation] == ReasonRegistryUnreachable &&
		cfg.Spec.ManagementState == samplesv1.Removed
}
