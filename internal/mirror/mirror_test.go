package mirror

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/openshift/cluster-samples-operator/internal/registry"
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

// The mirror commands accept a registry exactly when the Config would: a patch they
// print is one the API server takes.
func TestValidateRegistryAgreesWithTheConfig(t *testing.T) {
	for _, r := range []string{"mirror.example.com", "mirror.example.com:5000/samples", "10.0.0.1:5000", "mirror.example.com/",
		"https://mirror.example.com", "Mirror.Example.com", "mirror.example.com/Samples", "", "mirror .example.com"} {
		mirrorErr, configErr := ValidateRegistry(r), registry.Validate(r)
		if r == "" {
			if mirrorErr == nil {
				t.Error("an empty registry was accepted")
			}
			continue
		}
		if (mirrorErr == nil) != (configErr == nil) {
			t.Errorf("%q: mirror says %v, the Config says %v", r, mirrorErr, configErr)
		}
	}
}

// The printed patch keeps the streams skipped already and adds those with missing
// images; applying it and checking again gives the same patch (no skip is undone).
func TestPatchKeepsTheSkips(t *testing.T) {
	results := []Result{{Entry: Entry{Stream: "ruby", Tag: "3.3"}}, {Entry: Entry{Stream: "perl", Tag: "5.32"}, Present: true}}
	rep := NewReport(results, "m.example.com", []string{"mysql", "ruby"})
	if got := rep.SkippedImagestreams; len(got) != 2 || got[0] != "mysql" || got[1] != "ruby" {
		t.Errorf("skip list %v, want [mysql ruby]", got)
	}
	if !strings.Contains(rep.Patch, `"skippedImagestreams":["mysql","ruby"]`) {
		t.Errorf("patch %s", rep.Patch)
	}
	again := NewReport(results, "m.example.com", rep.SkippedImagestreams)
	if again.Patch != rep.Patch {
		t.Errorf("a second check changes the patch: %s", again.Patch)
	}
	if none := NewReport([]Result{{Entry: Entry{Stream: "perl", Tag: "5.32"}, Present: true}}, "m.example.com", nil); !strings.Contains(none.Patch, `"skippedImagestreams":[]`) {
		t.Errorf("nothing missing, nothing skipped: %s", none.Patch)
	}
}

// The auth file is read as docker reads it (docker/cli's config package), with podman's
// per-repository entries on top.
func TestAuthFileKeychain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.json")
	// dXNlcjpwYXNz is user:pass, b3RoZXI6c2VjcmV0 other:secret.
	if err := os.WriteFile(path, []byte(`{"auths":{
		"https://mirror.example.com":{"auth":"dXNlcjpwYXNz"},
		"mirror.example.com/team/app":{"auth":"b3RoZXI6c2VjcmV0"},
		"plain.example.com:5000":{"username":"u","password":"p"}},
		"credHelpers":{"helped.example.com":"nosuchhelper-test"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := AuthFileKeychain(path)
	if err != nil {
		t.Fatal(err)
	}
	auth := func(ref string) (string, error) {
		repo, err := name.NewRepository(ref)
		if err != nil {
			t.Fatal(err)
		}
		a, err := k.Resolve(repo)
		if err != nil {
			return "", err
		}
		cfg, err := a.Authorization()
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Username + ":" + cfg.Password, nil
	}
	for ref, want := range map[string]string{
		"mirror.example.com/ubi9/ruby-33": "user:pass",
		"mirror.example.com/team/app":     "other:secret",
		"plain.example.com:5000/a/b":      "u:p",
		"elsewhere.example.com/a/b":       ":",
	} {
		if got, err := auth(ref); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", ref, got, err, want)
		}
	}
	if _, err := auth("helped.example.com/a/b"); err == nil || !strings.Contains(err.Error(), "docker-credential-nosuchhelper-test is not on PATH") {
		t.Errorf("a missing helper: %v", err)
	}
	if err := os.WriteFile(path, []byte(`not json`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := AuthFileKeychain(path); err == nil || !strings.Contains(err.Error(), "is not a docker/podman auth file") {
		t.Errorf("a broken file: %v", err)
	}
}

// The air-gapped path: the mapping to removable media and the one from it to the
// mirror meet at the same file:// reference, and the second ends where the operator
// will look (Destination).
func TestLocatedOnDisk(t *testing.T) {
	const img = "registry.redhat.io/ubi9/ruby-33:latest"
	onDisk := Located(img, "file://samples/")
	if onDisk != "file://samples/ubi9/ruby-33:latest" {
		t.Errorf("on disk: %s", onDisk)
	}
	if got, want := Located(img, "mirror.example.com:5000/samples"), Destination(img, "mirror.example.com:5000/samples"); got != want {
		t.Errorf("on a registry: %s, want %s", got, want)
	}
	for e, ok := range map[string]bool{"file://samples": true, "file://samples/ocp": true, "file://": false, "file://Samples": false,
		"file://a b": false, "mirror.example.com:5000/samples": true, "https://mirror.example.com": false} {
		if err := ValidateEndpoint(e); (err == nil) != ok {
			t.Errorf("ValidateEndpoint(%q) = %v, want ok %v", e, err, ok)
		}
	}
}
