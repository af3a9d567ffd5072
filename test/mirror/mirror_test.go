// Package mirror tests the `mirror` subcommands against an in-process registry on
// loopback and a real API server.
package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	corev1 "k8s.io/api/core/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/cli"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/mirror"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Mirror(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// authRegistry is an OCI registry on loopback that demands basic auth user:secret.
func authRegistry(t *testing.T) string {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "secret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func push(t *testing.T, ref string) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := random.Image(32, 1)
	if err := remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: "user", Password: "secret"})); err != nil {
		t.Fatal(err)
	}
}

func embeddedEntries(t *testing.T) []mirror.Entry {
	t.Helper()
	inv, err := content.Load(content.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	set, _ := inv.For("x86_64")
	return mirror.FromMap(imports.AllImages(testenv.Parsed(t, set.ImageStreams)), nil)
}

func TestImagesAndMapping(t *testing.T) {
	code, out, _ := run(t, "images", "--arch", "x86_64")
	lines := strings.Fields(out)
	if code != 0 || len(lines) < 30 || !slices.IsSorted(lines) || len(slices.Compact(slices.Clone(lines))) != len(lines) {
		t.Fatalf("images: exit %d, %d lines", code, len(lines))
	}
	code, out, _ = run(t, "mapping", "--arch", "x86_64", "--to", "mirror.example.com:5000/samples")
	for _, l := range strings.Fields(out) {
		src, dst, ok := strings.Cut(l, "=")
		if !ok || dst != mirror.Destination(src, "mirror.example.com:5000/samples") || !strings.HasPrefix(dst, "mirror.example.com:5000/samples/") {
			t.Errorf("mapping line %q", l)
		}
	}
	if code != 0 {
		t.Errorf("mapping exit %d", code)
	}
	dir := filepath.Join(testenv.RepoRoot(), "..", "shared", "corpus", "ocp")
	if _, err := os.Stat(dir); err == nil {
		code, out, _ = run(t, "images", "--assets-dir", dir, "--arch", "x86_64")
		if code != 0 || len(strings.Fields(out)) < 200 {
			t.Errorf("real content: exit %d, %d images", code, len(strings.Fields(out)))
		}
	}
	for _, bad := range [][]string{{"mapping"}, {"mapping", "--to", "not a registry"}, {"nope"}, {"images", "--arch", "mips"}, {"images", "stray"}} {
		if code, _, errOut := run(t, bad...); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want one error line", bad, code, errOut)
		}
	}
	if code, out, _ := run(t, "check", "--help"); code != 0 || !strings.Contains(out, "Examples:") {
		t.Errorf("--help: exit %d", code)
	}
}

func TestCheck(t *testing.T) {
	host := authRegistry(t)
	to := host + "/mirror"
	entries := embeddedEntries(t)
	// Mirror everything but the images of two streams.
	missingStreams := map[string]bool{"ruby": true, "mysql": true}
	for _, img := range mirror.Images(entries) {
		stream := ""
		for _, e := range entries {
			if e.Image == img {
				stream = e.Stream
			}
		}
		if !missingStreams[stream] {
			push(t, mirror.Destination(img, to))
		}
	}
	auth := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(auth, []byte(fmt.Sprintf(`{"auths":{%q:{"auth":"dXNlcjpzZWNyZXQ="}}}`, host)), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := run(t, "check", "--arch", "x86_64", "--registry", to, "--authfile", auth, "--plain-http", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Standard error is not a terminal here: no progress line, only the summary.
	if strings.Contains(errOut, "\r") || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "checked ") {
		t.Errorf("stderr %q; want only the summary line", errOut)
	}
	var rep mirror.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !slices.Equal(rep.SkippedImagestreams, []string{"mysql", "ruby"}) {
		t.Errorf("skip list %v", rep.SkippedImagestreams)
	}
	want := 0
	for _, e := range entries {
		if missingStreams[e.Stream] {
			want++
		}
	}
	if rep.Missing != want {
		t.Errorf("%d missing, want %d", rep.Missing, want)
	}
	if summary := fmt.Sprintf("%d present, %d missing in ", len(entries)-want, want); !strings.Contains(errOut, summary) {
		t.Errorf("summary %q; want it to say %q", errOut, summary)
	}
	if !strings.Contains(rep.Patch, `"samplesRegistry":"`+to+`"`) || !strings.Contains(rep.Patch, `"skippedImagestreams":["mysql","ruby"]`) {
		t.Errorf("patch %s", rep.Patch)
	}
	if code, _, _ := run(t, "check", "--arch", "x86_64", "--registry", to, "--authfile", auth, "--plain-http", "--fail-on-missing"); code == 0 {
		t.Error("--fail-on-missing exited 0")
	}
	// Without the credentials: one clear line.
	code, _, errOut = run(t, "check", "--arch", "x86_64", "--registry", to, "--plain-http")
	if code != 1 || !strings.Contains(errOut, "refused the credentials") {
		t.Errorf("no credentials: exit %d, %q", code, errOut)
	}
}

func TestFromCluster(t *testing.T) {
	ctx := context.Background()
	cm := &corev1.ConfigMap{Data: map[string]string{
		"ruby_3.3": "registry.redhat.io/ubi9/ruby-33:latest", "perl_5.32": "registry.redhat.io/ubi9/perl-532:latest",
		"python_3.12": "registry.redhat.io/ubi9/python-312:latest",
	}}
	cm.Namespace, cm.Name = samplesv1.OperatorNamespace, "imagestreamtag-to-image"
	if err := env.Client.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	cfg := &samplesv1.Config{Spec: samplesv1.ConfigSpec{ManagementState: samplesv1.Removed, SkippedImagestreams: []string{"perl"}}}
	cfg.Name = "cluster"
	if err := env.Client.Create(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "images", "--from-cluster", "--kubeconfig", kubeconfig)
	if code != 0 || out != "registry.redhat.io/ubi9/python-312:latest\nregistry.redhat.io/ubi9/ruby-33:latest\n" {
		t.Errorf("exit %d, out %q, err %q", code, out, errOut)
	}
}

// hangingRegistry accepts connections and never answers.
func hangingRegistry(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// A mirror that accepts TCP and never answers: the check ends within its deadline,
// with TLS and with plain HTTP, and says why.
func TestCheckAgainstAHangingMirror(t *testing.T) {
	host := hangingRegistry(t)
	for _, mode := range []string{"--insecure", "--plain-http"} {
		start := time.Now()
		code, _, errOut := run(t, "check", "--arch", "x86_64", "--registry", host+"/m", mode, "--timeout", "500ms", "--deadline", "3s")
		if took := time.Since(start); code != 1 || took > 20*time.Second {
			t.Errorf("%s: exit %d after %s: %s", mode, code, took, errOut)
		}
		if !strings.Contains(errOut, "cannot reach the mirror") && !strings.Contains(errOut, "deadline") {
			t.Errorf("%s: %q does not say the mirror did not answer", mode, errOut)
		}
	}
}

// --insecure skips certificate verification over TLS and never falls back to plain
// HTTP; without it an unknown certificate is refused. The credentials come from a
// credential helper named by the auth file's credsStore, run as docker runs it.
func TestCheckTLSAndCredentialHelpers(t *testing.T) {
	tlsSrv := fakeimporter.NewAuthTLSServer("helper-user", "helper-secret")
	t.Cleanup(tlsSrv.Close)
	host := strings.TrimPrefix(tlsSrv.URL, "https://")

	bin := t.TempDir()
	helper := "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'$server'\",\"Username\":\"helper-user\",\"Secret\":\"helper-secret\"}'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-testhelper"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	auth := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(auth, []byte(`{"auths":{},"credsStore":"testhelper"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := run(t, "check", "--arch", "x86_64", "--registry", host+"/m", "--authfile", auth, "--insecure", "-o", "json")
	var rep mirror.Report
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Missing == 0 {
		t.Errorf("--insecure over TLS with a credential helper: exit %d, %d missing: %s", code, rep.Missing, errOut)
	}
	code, _, errOut = run(t, "check", "--arch", "x86_64", "--registry", host+"/m", "--authfile", auth)
	if code != 1 || !strings.Contains(errOut, "certificate") {
		t.Errorf("an unknown certificate without --insecure: exit %d: %s", code, errOut)
	}
	// The CA the cluster trusts for the mirror: verified, no --insecure needed.
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "check", "--arch", "x86_64", "--registry", host+"/m", "--authfile", auth, "--certificate-authority", caFile, "-o", "json")
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Missing == 0 {
		t.Errorf("--certificate-authority: exit %d: %s", code, errOut)
	}
	if code, _, errOut := run(t, "check", "--arch", "x86_64", "--registry", host+"/m", "--certificate-authority", auth); code != 1 || !strings.Contains(errOut, "holds no PEM certificate") {
		t.Errorf("a file that is no CA bundle: exit %d: %s", code, errOut)
	}
	// A plain-HTTP mirror with --insecure: refused, not downgraded.
	plain := authRegistry(t)
	code, _, errOut = run(t, "check", "--arch", "x86_64", "--registry", plain+"/m", "--insecure", "--timeout", "2s")
	if code != 1 || !strings.Contains(errOut, "cannot reach the mirror") {
		t.Errorf("--insecure against plain HTTP: exit %d: %s", code, errOut)
	}
	// A helper that is not installed: a message that says so.
	if err := os.WriteFile(auth, []byte(`{"credsStore":"nosuchhelper"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "check", "--arch", "x86_64", "--registry", host+"/m", "--authfile", auth, "--insecure")
	if code != 1 || !strings.Contains(errOut, "docker-credential-nosuchhelper is not on PATH") {
		t.Errorf("a missing credential helper: exit %d: %s", code, errOut)
	}
}
