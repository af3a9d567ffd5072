package bootstrap

import (
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
)

func network(status, spec []string) *configv1.Network {
	n := &configv1.Network{}
	for _, c := range status {
		n.Status.ClusterNetwork = append(n.Status.ClusterNetwork, configv1.ClusterNetworkEntry{CIDR: c})
	}
	for _, c := range spec {
		n.Spec.ClusterNetwork = append(n.Spec.ClusterNetwork, configv1.ClusterNetworkEntry{CIDR: c})
	}
	return n
}

func TestIPv6Only(t *testing.T) {
	for _, tc := range []struct {
		name        string
		n           *configv1.Network
		ipv6, known bool
	}{
		{"absent", nil, false, false},
		{"empty", network(nil, nil), false, false},
		{"ipv4", network([]string{"10.128.0.0/14"}, nil), false, true},
		{"ipv6", network([]string{"fd01::/48"}, nil), true, true},
		{"dual stack", network([]string{"10.128.0.0/14", "fd01::/48"}, nil), false, true},
		{"spec fallback ipv6", network(nil, []string{"fd01::/48"}), true, true},
		{"status wins over spec", network([]string{"10.128.0.0/14"}, []string{"fd01::/48"}), false, true},
		{"garbage", network([]string{"not-a-cidr"}, nil), false, true},
	} {
		ipv6, known := IPv6Only(tc.n)
		if ipv6 != tc.ipv6 || known != tc.known {
			t.Errorf("%s: IPv6Only = %v, %v; want %v, %v", tc.name, ipv6, known, tc.ipv6, tc.known)
		}
	}
}

const route4 = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	0100A8C0	0003	0	0	0	00000000	0	0	0
eth0	0000A8C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
`
const route4NoDefault = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	0000A8C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
`
const route6 = `fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003 eth0
`

func TestDefaultRouteIPv6Only(t *testing.T) {
	if DefaultRouteIPv6Only(strings.NewReader(route4), strings.NewReader(route6)) {
		t.Error("dual stack pod counted as IPv6-only")
	}
	if !DefaultRouteIPv6Only(strings.NewReader(route4NoDefault), strings.NewReader(route6)) {
		t.Error("IPv6-only pod not detected")
	}
	if DefaultRouteIPv6Only(strings.NewReader(route4), nil) {
		t.Error("IPv4 pod counted as IPv6-only")
	}
}
