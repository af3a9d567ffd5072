package bootstrap

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"k8s.io/utils/clock"
)

// Prober checks that the samples registry answers: a TCP connection (through an HTTP
// CONNECT proxy when one applies) and a TLS handshake with the registry's server name.
// The certificate is not verified: the question is reachability, and a corporate proxy
// re-signing TLS does not make the registry unreachable.
type Prober struct {
	// Address is host:port of the registry.
	Address string
	// DialTimeout bounds one attempt (15 s by default).
	DialTimeout time.Duration
	// Proxy picks the proxy for a URL; nil means no proxy.
	Proxy func(*url.URL) (*url.URL, error)
}

// ProxyFunc is the proxy choice of an HTTPS_PROXY / NO_PROXY pair, with the usual
// NO_PROXY forms: "*", IP addresses, CIDRs, domains (with or without a leading dot,
// covering subdomains) and host:port. Unlike net/http it does not exempt loopback
// addresses: the probe target is explicit, and a proxy that is configured is used.
func ProxyFunc(httpsProxy, noProxy string) func(*url.URL) (*url.URL, error) {
	if httpsProxy == "" {
		return nil
	}
	proxy, err := url.Parse(httpsProxy)
	if err != nil || proxy.Host == "" {
		// A bare host:port, as HTTPS_PROXY often holds.
		proxy, err = url.Parse("http://" + httpsProxy)
	}
	return func(u *url.URL) (*url.URL, error) {
		if err != nil {
			// url.Error repeats the URL, user information and all: keep only its cause.
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err
			}
			return nil, fmt.Errorf("invalid proxy %s: %w", RedactURL(httpsProxy), err)
		}
		if bypass(noProxy, u) {
			return nil, nil
		}
		return proxy, nil
	}
}

func bypass(noProxy string, u *url.URL) bool {
	host, port := u.Hostname(), u.Port()
	ip := net.ParseIP(host)
	for _, e := range strings.Split(noProxy, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		switch e {
		case "":
			continue
		case "*":
			return true
		}
		if _, cidr, err := net.ParseCIDR(e); err == nil {
			if ip != nil && cidr.Contains(ip) {
				return true
			}
			continue
		}
		eHost, ePort, err := net.SplitHostPort(e)
		if err != nil {
			eHost, ePort = e, ""
		}
		if ePort != "" && ePort != port {
			continue
		}
		if eIP := net.ParseIP(eHost); eIP != nil {
			if ip != nil && eIP.Equal(ip) {
				return true
			}
			continue
		}
		eHost = strings.TrimPrefix(strings.TrimPrefix(eHost, "*"), ".")
		if h := strings.ToLower(host); h == eHost || strings.HasSuffix(h, "."+eHost) {
			return true
		}
	}
	return false
}

// Probe makes one attempt.
func (p *Prober) Probe(ctx context.Context) error {
	timeout := p.DialTimeout
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, err := net.SplitHostPort(p.Address)
	if err != nil {
		return fmt.Errorf("registry probe address %q: %w", p.Address, err)
	}
	var proxy *url.URL
	if p.Proxy != nil {
		if proxy, err = p.Proxy(&url.URL{Scheme: "https", Host: p.Address}); err != nil {
			return fmt.Errorf("choosing a proxy for %s: %w", p.Address, err)
		}
	}
	var d net.Dialer
	target := p.Address
	if proxy != nil {
		target = proxy.Host
		if proxy.Port() == "" {
			port := "80"
			if proxy.Scheme == "https" {
				port = "443"
			}
			target = net.JoinHostPort(proxy.Hostname(), port)
		}
	}
	conn, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", target, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	if proxy != nil {
		if proxy.Scheme == "https" {
			tc := tls.Client(conn, &tls.Config{ServerName: proxy.Hostname(), MinVersion: tls.VersionTLS12})
			if err := tc.HandshakeContext(ctx); err != nil {
				return fmt.Errorf("TLS to proxy %s: %w", proxy.Host, err)
			}
			conn = tc
		}
		if err := connect(conn, proxy, p.Address); err != nil {
			return err
		}
	}
	//nolint:gosec // reachability only; see the type's comment
	tc := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS handshake with %s: %w", p.Address, err)
	}
	return nil
}

// connect asks an HTTP proxy for a tunnel to addr.
func connect(conn net.Conn, proxy *url.URL, addr string) error {
	req := fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\n", addr, addr)
	if u := proxy.User; u != nil {
		pw, _ := u.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)) + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		return fmt.Errorf("asking proxy %s for %s: %w", proxy.Host, addr, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodConnect})
	if err != nil {
		return fmt.Errorf("reading proxy %s's answer: %w", proxy.Host, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("proxy %s refused a tunnel to %s: %s", proxy.Host, addr, resp.Status)
	}
	return nil
}

// WaitReachable probes every interval until a probe succeeds (nil) or timeout has
// passed since the first attempt (the last probe's error).
func WaitReachable(ctx context.Context, probe func(context.Context) error, interval, timeout time.Duration, clk clock.Clock) error {
	deadline := clk.Now().Add(timeout)
	for {
		err := probe(ctx)
		if err == nil {
			return nil
		}
		left := deadline.Sub(clk.Now())
		if left <= 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-clk.After(min(interval, left)):
		}
	}
}
