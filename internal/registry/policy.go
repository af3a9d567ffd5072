package registry

import (
	"fmt"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
)

// DefaultRegistries are where the default content's images come from.
var DefaultRegistries = []string{"registry.redhat.io", "quay.io"}

// registryHost is the host (with any port) of a samplesRegistry value, which may carry a
// path.
func registryHost(r string) string {
	host, _, _ := strings.Cut(strings.TrimSuffix(r, "/"), "/")
	return host
}

// matches tells whether a registry pattern of the image config (a domain, a "*.domain"
// wildcard, or a domain suffix) covers host.
func matches(pattern, host string) bool {
	pattern = strings.TrimPrefix(strings.TrimSuffix(pattern, "/"), "*.")
	pattern = registryHost(pattern)
	if pattern == "" {
		return false
	}
	bare, _, _ := strings.Cut(host, ":")
	for _, h := range []string{host, bare} {
		if h == pattern || strings.HasSuffix(h, "."+pattern) {
			return true
		}
	}
	return false
}

func anyMatches(patterns []string, host string) bool {
	for _, p := range patterns {
		if matches(p, host) {
			return true
		}
	}
	return false
}

// ImportForbidden tells whether the cluster image configuration forbids importing the
// samples from samplesRegistry (empty: the default content's registries), and if so
// returns a message naming the image config field that forbids it.
func ImportForbidden(img *configv1.Image, samplesRegistry string) string {
	if img == nil {
		return ""
	}
	hosts := DefaultRegistries
	if samplesRegistry != "" {
		hosts = []string{registryHost(samplesRegistry)}
	}
	what := strings.Join(hosts, " and ")

	if allowed := img.Spec.AllowedRegistriesForImport; len(allowed) > 0 {
		var domains []string
		for _, a := range allowed {
			domains = append(domains, a.DomainName)
		}
		for _, h := range hosts {
			if !anyMatches(domains, h) {
				return fmt.Sprintf("images.config.openshift.io/cluster spec.allowedRegistriesForImport (%s) does not allow importing from %s", strings.Join(domains, ", "), h)
			}
		}
	}
	if allowed := img.Spec.RegistrySources.AllowedRegistries; len(allowed) > 0 {
		found := false
		for _, h := range hosts {
			found = found || anyMatches(allowed, h)
		}
		if !found {
			return fmt.Sprintf("images.config.openshift.io/cluster spec.registrySources.allowedRegistries (%s) does not include %s", strings.Join(allowed, ", "), what)
		}
	}
	for _, h := range hosts {
		if anyMatches(img.Spec.RegistrySources.BlockedRegistries, h) {
			return fmt.Sprintf("images.config.openshift.io/cluster spec.registrySources.blockedRegistries blocks %s", h)
		}
	}
	return ""
}
