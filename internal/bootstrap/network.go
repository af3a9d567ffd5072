package bootstrap

import (
	"bufio"
	"io"
	"net"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
)

// IPv6Only tells whether every cluster network of the Network config is IPv6, reading
// status first and spec when status has none. known is false when the config says nothing.
func IPv6Only(n *configv1.Network) (ipv6, known bool) {
	if n == nil {
		return false, false
	}
	var cidrs []string
	for _, e := range n.Status.ClusterNetwork {
		cidrs = append(cidrs, e.CIDR)
	}
	if len(cidrs) == 0 {
		for _, e := range n.Spec.ClusterNetwork {
			cidrs = append(cidrs, e.CIDR)
		}
	}
	if len(cidrs) == 0 {
		return false, false
	}
	for _, c := range cidrs {
		ip, _, err := net.ParseCIDR(c)
		if err != nil || ip.To4() != nil {
			return false, true
		}
	}
	return true, true
}

// DefaultRouteIPv6Only tells, from /proc/net/route and /proc/net/ipv6_route, whether
// the pod's only default route is an IPv6 one.
func DefaultRouteIPv6Only(route4, route6 io.Reader) bool {
	return !hasDefault(route4, 1, "00000000") && hasDefault(route6, 0, strings.Repeat("0", 32))
}

// hasDefault scans a route table for a destination of all zeroes in column col (for the
// IPv6 table also a prefix length of 0).
func hasDefault(r io.Reader, col int, zero string) bool {
	if r == nil {
		return false
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) <= col+1 || f[col] != zero {
			continue
		}
		if col == 0 && f[1] != "00" { // IPv6: destination ::/0
			continue
		}
		return true
	}
	return false
}
