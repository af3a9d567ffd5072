// Package registry holds everything about the registries the samples come from: the
// syntax of a samplesRegistry value (Validate, the one check the operator and the mirror
// commands share), pointing image references at it (Rewrite), the default registries of
// the content, and whether the cluster's image policy lets them be imported
// (ImportForbidden).
package registry

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// knownHosts are the registries whose host is replaced wherever it appears first.
var knownHosts = map[string]bool{
	"docker.io":                     true,
	"registry.redhat.io":            true,
	"registry.access.redhat.com":    true,
	"quay.io":                       true,
	"registry.svc.ci.openshift.org": true,
}

// Rewrite points ref at registry r (which may carry a port and a path):
//   - empty r, or a ref already starting with r: unchanged;
//   - a ref whose host is a known public registry: that host replaced by r;
//   - any other host/repo/image[:tag]: its first segment replaced by r;
//   - a ref with fewer or more segments: r/ prepended.
func Rewrite(ref, r string) string {
	r = strings.TrimSuffix(r, "/")
	if r == "" || ref == "" || strings.HasPrefix(ref, r+"/") || ref == r {
		return ref
	}
	segs := strings.Split(ref, "/")
	if (len(segs) > 1 && knownHosts[segs[0]]) || len(segs) == 3 {
		return r + "/" + strings.Join(segs[1:], "/")
	}
	return r + "/" + ref
}

// Pattern is what spec.samplesRegistry may hold: a host (a DNS name, an IPv4 address or
// a bracketed IPv6 address) with an optional port and an optional path of lower-case
// repository components; no scheme, no spaces, no tag. The CRD enforces it too.
const Pattern = `^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?)(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$`

var pattern = regexp.MustCompile(Pattern)

// Validate says what is wrong with a samplesRegistry value, or nil ("" is valid: no
// mirror).
func Validate(r string) error {
	switch {
	case r == "":
		return nil
	case strings.Contains(r, "://"):
		return fmt.Errorf("%q has a scheme; give the registry as host[:port][/path], for example mirror.example.com:5000/samples", r)
	case len(r) > 256:
		return fmt.Errorf("%q is longer than 256 characters", r[:40]+"...")
	case !pattern.MatchString(r):
		return fmt.Errorf("%q is not host[:port][/path] (a lower-case path without spaces), for example mirror.example.com:5000/samples", r)
	}
	// What the pattern lets through must also make image references the registry
	// client can parse.
	if _, err := name.NewRepository(strings.TrimSuffix(r, "/")+"/probe", name.StrictValidation); err != nil {
		return fmt.Errorf("%q is not a registry[:port][/path]: %v", r, err)
	}
	return nil
}
