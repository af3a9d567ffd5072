package mirror

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The transport is bounded at every step and never dereferences a TLS configuration
// the default transport may not have (it has none while HTTP/2 is not set up).
func TestTransportFor(t *testing.T) {
	tr := transportFor(CheckOptions{Insecure: true, RequestTimeout: 3 * time.Second})
	if tr.TLSClientConfig == nil || !tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("--insecure: TLS config %+v", tr.TLSClientConfig)
	}
	if tr.ResponseHeaderTimeout != 3*time.Second || tr.TLSHandshakeTimeout != 3*time.Second {
		t.Errorf("timeouts %s %s", tr.ResponseHeaderTimeout, tr.TLSHandshakeTimeout)
	}
	if tr := transportFor(CheckOptions{RequestTimeout: time.Second}); tr.TLSClientConfig == nil || tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("verification skipped without --insecure: %+v", tr.TLSClientConfig)
	}
}

func TestHTTPSOnlyUpgradesPlainRequests(t *testing.T) {
	var seen string
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r.URL.Scheme
		return httptest.NewRecorder().Result(), nil
	})
	req := httptest.NewRequest(http.MethodHead, "http://10.0.0.5:5000/v2/", nil)
	if _, err := (httpsOnly{next}).RoundTrip(req); err != nil || seen != "https" {
		t.Errorf("a plain HTTP request went out as %q (%v)", seen, err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
