// Package netfixture provides loopback network peers for tests: a TLS listener standing
// in for a registry, a closed port, and an HTTP CONNECT proxy.
package netfixture

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TLSRegistry starts a TLS listener on loopback and returns its host:port.
func TLSRegistry(t testing.TB) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	// Probes hang up after the handshake; that is not worth a log line.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

// Proxy is an HTTP CONNECT proxy on loopback.
type Proxy struct {
	URL     string
	tunnels atomic.Int32
}

// Tunnels is how many tunnels the proxy opened.
func (p *Proxy) Tunnels() int { return int(p.tunnels.Load()) }

// ConnectProxy starts a CONNECT proxy on loopback.
func ConnectProxy(t testing.TB) *Proxy { return ConnectProxyTo(t, "") }

// ConnectProxyTo starts a CONNECT proxy on loopback that tunnels every request to
// target instead of the host asked for (empty: the host asked for), standing in for a
// cluster proxy in front of a registry this machine cannot reach.
func ConnectProxyTo(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		dest := r.Host
		if target != "" {
			dest = target
		}
		upstream, err := net.Dial("tcp", dest)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		p.tunnels.Add(1)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() { _, _ = io.Copy(upstream, buf); upstream.Close() }()
		go func() { _, _ = io.Copy(conn, upstream); conn.Close() }()
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}
