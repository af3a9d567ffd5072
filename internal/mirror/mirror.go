// Package mirror computes the mirroring work for a disconnected cluster: which images the
// samples need, where they go on a mirror (by the very rewrite the operator applies), and
// which of them a mirror already has.
package mirror

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/openshift/cluster-samples-operator/internal/registry"
)

// Entry is one image stream tag and its source image.
type Entry struct {
	Stream, Tag, Image string
}

// FromMap turns imagestreamtag-to-image data ("<stream>_<tag>" keys) into entries,
// leaving out skipped streams, sorted by stream and tag.
func FromMap(data map[string]string, skipped []string) []Entry {
	skip := map[string]bool{}
	for _, s := range skipped {
		skip[s] = true
	}
	var out []Entry
	for k, v := range data {
		// Stream names are DNS labels, which cannot hold "_": the first one separates.
		stream, tag, ok := strings.Cut(k, "_")
		if !ok || skip[stream] {
			continue
		}
		out = append(out, Entry{Stream: stream, Tag: tag, Image: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Stream != out[j].Stream {
			return out[i].Stream < out[j].Stream
		}
		return out[i].Tag < out[j].Tag
	})
	return out
}

// Images are the distinct source images of entries, sorted.
func Images(entries []Entry) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		if !seen[e.Image] {
			seen[e.Image] = true
			out = append(out, e.Image)
		}
	}
	sort.Strings(out)
	return out
}

// Destination is where an image goes on mirror to: exactly the reference the operator
// writes into image streams when samplesRegistry is to.
func Destination(image, to string) string { return registry.Rewrite(image, to) }

// DiskScheme marks a side of a mapping that is removable media rather than a registry:
// file://NAME, the repository tree oc image mirror writes under --dir and reads under
// --from-dir, for a site where no host sees both the internet and the cluster.
const DiskScheme = "file://"

// ValidateEndpoint accepts a registry[:port][/path] (as ValidateRegistry) or file://NAME.
func ValidateEndpoint(e string) error {
	n, ok := strings.CutPrefix(e, DiskScheme)
	if !ok {
		return ValidateRegistry(e)
	}
	n = strings.Trim(n, "/")
	if n == "" {
		return fmt.Errorf("%q names no directory after %s", e, DiskScheme)
	}
	// The path under the media follows the rules of a registry's path: the same check.
	if err := registry.Validate("disk.invalid/" + n); err != nil {
		return fmt.Errorf("%q is not %sNAME[/PATH] (lowercase letters, digits, '.', '_', '-' and '/'): %v", e, DiskScheme, err)
	}
	return nil
}

// Located is where image is at e: its Destination on a registry, or the same path
// under file://NAME on removable media, so that a mapping to disk and the one from disk
// to the mirror meet.
func Located(image, e string) string {
	if n, ok := strings.CutPrefix(e, DiskScheme); ok {
		return DiskScheme + registry.Rewrite(image, strings.Trim(n, "/"))
	}
	return Destination(image, e)
}

// ValidateRegistry rejects a malformed registry[:port][/path]: exactly what the Config's
// samplesRegistry rejects (registry.Validate, the one check), and an empty one.
func ValidateRegistry(r string) error {
	if r == "" {
		return errors.New("no registry given")
	}
	return registry.Validate(r)
}

// Result is what the mirror has for one entry.
type Result struct {
	Entry
	Destination string `json:"destination"`
	Present     bool   `json:"present"`
}

// CheckOptions tune Check.
type CheckOptions struct {
	Keychain authn.Keychain
	// Insecure skips TLS verification; it never downgrades to plain HTTP.
	Insecure bool
	// RootCAs, when set, are the only authorities the mirror's certificate is checked
	// against: the CA bundle the cluster trusts for it (additionalTrustedCA).
	RootCAs *x509.CertPool
	// PlainHTTP talks to the mirror over HTTP, without TLS.
	PlainHTTP   bool
	Concurrency int
	// RequestTimeout bounds one request (connect, TLS, response headers); Deadline
	// bounds the whole check. Zero takes DefaultRequestTimeout and DefaultDeadline.
	RequestTimeout, Deadline time.Duration
	// Progress, if set, is called after each image with the numbers done and missing
	// so far, out of total; calls do not overlap.
	Progress func(done, total, missing int)
}

// Check asks the mirror whether each destination manifest exists, with at most
// Concurrency requests in flight. A missing manifest is a result; anything else (the
// mirror unreachable, credentials refused) is an error.
func Check(ctx context.Context, entries []Entry, to string, o CheckOptions) ([]Result, error) {
	if err := ValidateRegistry(to); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	ctx, stop := context.WithTimeout(ctx, o.Deadline)
	defer stop()
	var tr http.RoundTripper = transportFor(o)
	if !o.PlainHTTP {
		tr = httpsOnly{tr}
	}
	results, byDest, order := byDestination(entries, to)
	return results, checkDestinations(ctx, order, byDest, results, o, tr)
}

// withDefaults returns o with the defaults of what it leaves unset.
func (o CheckOptions) withDefaults() CheckOptions {
	if o.Concurrency < 1 {
		o.Concurrency = 8
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Deadline <= 0 {
		o.Deadline = DefaultDeadline
	}
	if o.Keychain == nil {
		o.Keychain = authn.DefaultKeychain
	}
	return o
}

// byDestination returns a result per entry (its destination on the mirror set, not yet
// looked up), the indexes of the results of each destination, and the destinations in
// the order of their first entry.
func byDestination(entries []Entry, to string) (results []Result, byDest map[string][]int, order []string) {
	results = make([]Result, len(entries))
	// Several tags often share an image: ask once per destination.
	byDest = map[string][]int{}
	for i, e := range entries {
		d := Destination(e.Image, to)
		results[i] = Result{Entry: e, Destination: d}
		if _, ok := byDest[d]; !ok {
			order = append(order, d)
		}
		byDest[d] = append(byDest[d], i)
	}
	return results, byDest, order
}

// checkDestinations looks each destination of order up, at most o.Concurrency at once,
// and sets Present in the results of byDest. The first error stops the others and is
// returned.
func checkDestinations(ctx context.Context, order []string, byDest map[string][]int, results []Result, o CheckOptions, tr http.RoundTripper) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		done     int
		missing  int
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, o.Concurrency)
	for _, d := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(d string) {
			defer wg.Done()
			defer func() { <-sem }()
			present, err := exists(ctx, d, o, tr)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
			for _, i := range byDest[d] {
				results[i].Present = present
			}
			done++
			if err == nil && !present {
				missing++
			}
			if o.Progress != nil {
				o.Progress(done, len(order), missing)
			}
		}(d)
	}
	wg.Wait()
	if firstErr != nil && errors.Is(firstErr, context.DeadlineExceeded) && ctx.Err() != nil {
		firstErr = fmt.Errorf("the check did not finish within %s (--deadline): %w", o.Deadline, firstErr)
	}
	return firstErr
}

// Defaults of CheckOptions.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultDeadline       = 10 * time.Minute
)

// transportFor builds the HTTP transport of a check: bounded at every step, TLS
// verification skipped only when asked.
func transportFor(o CheckOptions) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: o.RequestTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = o.RequestTimeout
	tr.ResponseHeaderTimeout = o.RequestTimeout
	if tr.TLSClientConfig == nil {
		// nil when HTTP/2 is not configured (GODEBUG=http2client=0, for one).
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if o.Insecure {
		tr.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // --insecure asks for it
	}
	if o.RootCAs != nil {
		tr.TLSClientConfig.RootCAs = o.RootCAs
	}
	return tr
}

func exists(ctx context.Context, ref string, o CheckOptions, tr http.RoundTripper) (bool, error) {
	var nameOpts []name.Option
	if o.PlainHTTP {
		// name.Insecure lets go-containerregistry use HTTP; only --plain-http asks for it.
		nameOpts = append(nameOpts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return false, fmt.Errorf("%s: %v", ref, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*o.RequestTimeout) // a token exchange and the HEAD
	defer cancel()
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(o.Keychain), remote.WithTransport(tr)}
	_, err = remote.Head(r, opts...)
	if err == nil {
		return true, nil
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch terr.StatusCode {
		case http.StatusNotFound:
			return false, nil
		case http.StatusUnauthorized, http.StatusForbidden:
			return false, fmt.Errorf("the mirror %s refused the credentials (HTTP %d): check --authfile", r.Context().RegistryStr(), terr.StatusCode)
		}
	}
	if errors.Is(err, context.Canceled) {
		return false, err
	}
	return false, fmt.Errorf("cannot reach the mirror %s: %v", r.Context().RegistryStr(), err)
}

// Report is the outcome of a check, per image stream, with the Config change to apply.
type Report struct {
	SamplesRegistry     string         `json:"samplesRegistry"`
	Streams             []StreamReport `json:"imagestreams"`
	SkippedImagestreams []string       `json:"skippedImagestreams"`
	Missing             int            `json:"missing"`
	Patch               string         `json:"patch"`
}

// StreamReport lists one image stream's present and missing tags.
type StreamReport struct {
	Name    string   `json:"name"`
	Present []string `json:"present"`
	Missing []string `json:"missing"`
}

// NewReport groups results by stream; streams with a missing image are to be skipped.
func NewReport(results []Result, to string, skipped []string) Report {
	rep := Report{SamplesRegistry: to, SkippedImagestreams: []string{}}
	idx := map[string]int{}
	for _, r := range results {
		i, ok := idx[r.Stream]
		if !ok {
			i = len(rep.Streams)
			idx[r.Stream] = i
			rep.Streams = append(rep.Streams, StreamReport{Name: r.Stream, Present: []string{}, Missing: []string{}})
		}
		if r.Present {
			rep.Streams[i].Present = append(rep.Streams[i].Present, r.Tag)
		} else {
			rep.Streams[i].Missing = append(rep.Streams[i].Missing, r.Tag)
			rep.Missing++
		}
	}
	// The patch replaces the whole list, so it keeps every stream skipped already and
	// adds those with missing images: applying it again never un-skips one.
	skip := map[string]bool{}
	for _, s := range skipped {
		skip[s] = true
	}
	for _, s := range rep.Streams {
		if len(s.Missing) > 0 {
			skip[s.Name] = true
		}
	}
	rep.SkippedImagestreams = append(rep.SkippedImagestreams, slices.Sorted(maps.Keys(skip))...)
	list, _ := jsonList(rep.SkippedImagestreams)
	rep.Patch = fmt.Sprintf(`oc patch configs.samples.operator.openshift.io cluster --type merge -p '{"spec":{"samplesRegistry":%q,"skippedImagestreams":%s}}'`, to, list)
	return rep
}

// httpsOnly sends every request over TLS. go-containerregistry talks plain HTTP to
// loopback, link-local and private (RFC 1918) registries on its own; a mirror on a
// private address would then receive the credentials in clear. Only --plain-http
// allows HTTP.
type httpsOnly struct{ next http.RoundTripper }

func (h httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" {
		req = req.Clone(req.Context())
		req.URL.Scheme = "https"
	}
	return h.next.RoundTrip(req)
}

// CertPool reads a PEM bundle of CA certificates (the file given to
// --certificate-authority, the bundle the cluster's additionalTrustedCA holds).
func CertPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the CA bundle: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// ImageSetConfiguration is the part of oc-mirror v2's ImageSetConfiguration
// (apiVersion mirror.openshift.io/v2alpha1) the samples fill: their images as
// additionalImages, so that a site that mirrors with oc-mirror adds them to its workflow.
type ImageSetConfiguration struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Mirror     struct {
		AdditionalImages []AdditionalImage `json:"additionalImages"`
	} `json:"mirror"`
}

// AdditionalImage is one image of ImageSetConfiguration.mirror.additionalImages.
type AdditionalImage struct {
	Name string `json:"name"`
}

// ImageSet is the ImageSetConfiguration of images.
func ImageSet(images []string) ImageSetConfiguration {
	c := ImageSetConfiguration{Kind: "ImageSetConfiguration", APIVersion: "mirror.openshift.io/v2alpha1"}
	c.Mirror.AdditionalImages = []AdditionalImage{}
	for _, img := range images {
		c.Mirror.AdditionalImages = append(c.Mirror.AdditionalImages, AdditionalImage{Name: img})
	}
	return c
}
