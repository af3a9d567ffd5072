// Package registry points image references at another registry (spec.samplesRegistry).
package registry

import "strings"

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
