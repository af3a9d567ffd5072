package shipped

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	configv1 "github.com/openshift/api/config/v1"
	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/mirror"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// The guide the journey follows, and what its commands stand for: the test puts its
// own mirror, credentials and media in their place.
const (
	guide         = "docs/disconnected.md"
	guideMirror   = "mirror.example.com:5000"
	guideLogin    = "user:password"
	guideMedia    = "/media/usb"
	mirrorUser    = "mirror-user"
	mirrorSecret  = "mirror-s3cret"
	mirrorPrefix  = "/samples"
	statusHealthy = "Nothing to do: the samples are installed and import."
)

// TestDisconnectedJourney follows docs/disconnected.md as an administrator would, on the
// shipped install (both replicas), running the guide's own shell blocks: `oc` is a
// stand-in (kubectl for get, patch and create; named Go stand-ins for image extract,
// image mirror, registry login and set data, see ocStandIn) and `cluster-samples-operator`
// is the binary step 0 extracts from the operator image. The cluster reaches only the
// mirror: the importer pulls from it over TLS with the mirror's own CA and basic auth,
// honouring the pull secret and the image configuration's additionalTrustedCA as
// openshift-apiserver does, and reaches no other registry.
//
// First a fresh cluster on an air-gapped site: it bootstraps Removed; the images are
// listed from a saved ConfigMap, carried on removable media and pushed to the mirror,
// some left out on purpose; the cluster is made to trust the mirror and given its
// credentials; the check's patch is applied twice; Managed installs every sample not
// skipped from the mirror, no alert fires and status says the samples are healthy; then
// back to registry.redhat.io. Then the same cluster, connected since, loses the
// internet: the images are mirrored from a host that sees both, and the same steps end
// the same way.
func TestDisconnectedJourney(t *testing.T) {
	promtool := os.Getenv("PROMTOOL")
	if promtool == "" {
		t.Skip("PROMTOOL is not set: run `make test`, or PROMTOOL=$(hack/promtool.sh) go test ./test/shipped")
	}
	m := newMatrix(t, promtool, true)
	j := newJourney(t, m)

	// Step 1: a fresh cluster that cannot reach registry.redhat.io starts Removed and
	// says so (the info alert is for exactly this).
	m.state("1. fresh cluster, no internet: Removed", []string{verdict.AlertTBRInaccessible}, m.bootstrapRemoved)

	// Step 0: the binary, from the operator image (the `go install` block needs the
	// internet and is not run).
	j.run("0", 0)

	// Air-gapped: the list from a saved copy of the ConfigMap (step 2, jenkins
	// included), to the media on the connected side and from it to the mirror on the
	// cluster's side (step 3); the nginx images do not make it.
	mirror1 := j.mirrorTheSamples("air-gapped", "nginx", j.block("2", 1), j.block("3", 2), j.block("3", 3))

	// Connected at install (now), disconnected later: the site retires the first
	// mirror (its CA and credentials go), the cluster loses the internet, and the images
	// are mirrored from a host that sees both.
	j.forget(mirror1)
	importer.Disconnect(true)
	j.mirrorTheSamples("disconnected later", "golang", j.block("2", 0), j.block("3", 0))

	// The oc-mirror image set (step 3, for sites that mirror with oc-mirror): every image.
	j.run("3", 1)
	set, err := os.ReadFile(filepath.Join(j.work, "samples-imageset.yaml"))
	must(t, err)
	for _, img := range j.images {
		if !strings.Contains(string(set), "- name: "+img+"\n") {
			t.Errorf("samples-imageset.yaml has no additionalImages entry for %s", img)
		}
	}
	m.print()
}

// mirrorTheSamples follows the guide from listing the images (list, a block of step 2)
// and mirroring them (mirroring, blocks of step 3; the images of the stream leftOut do
// not make it) to the samples installed from the mirror and back to registry.redhat.io:
// CA trust and credentials (3a, 3b), the check and its patch twice (4), Managed (5),
// every sample not skipped from the mirror with no alert and status healthy (6, 7), and
// the way back once the registries are reachable again (8).
func (j *journey) mirrorTheSamples(site, leftOut, list string, mirroring ...string) *siteMirror {
	j.t.Helper()
	j.wantImages(j.script(site+": "+guide+" step 2", list))
	mi := j.newMirror(leftOut)
	for i, b := range mirroring {
		j.script(fmt.Sprintf("%s: %s step 3, part %d", site, guide, i+1), b)
	}
	j.trustAndCheck(mi)
	j.run("5", 0)
	j.verify("6-7. "+site+": samples from the mirror", mi)
	j.reconnect()
	j.run("8", 0)
	j.m.state("8. "+site+": back to registry.redhat.io", nil, j.installedFrom("", nil))
	return mi
}

// journey is the administrator's workstation: a home directory with a kubeconfig and
// the pull secret from console.redhat.com, a working directory, and a PATH where `oc` is
// the stand-in.
type journey struct {
	t      *testing.T
	m      *matrix
	blocks map[string][]string
	home   string
	work   string
	env    []string
	media  string
	// images are every image of the content's DockerImage tags, the jenkins ones
	// included, read from the content itself (matrix.refsOf), not through the code the
	// mirror commands and the operator's ConfigMaps share.
	images []string
	// trustFile is the workstation's trust store, leaveOutFile what the mirror
	// stand-in leaves out (standInTrust, standInLeaveOut).
	trustFile, leaveOutFile string
	// mirror is the current one.
	mirror *siteMirror
}

// siteMirror is a registry over TLS with its own CA and basic auth.
type siteMirror struct {
	srv  *httptest.Server
	host string
	// skipped are the streams with an image left out of the mirror.
	skipped []string
	// before are the skipped streams' references as they were before the check's patch
	// skipped them (nil: not installed): the operator leaves them so.
	before map[string][]string
}

func newJourney(t *testing.T, m *matrix) *journey {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	j := &journey{t: t, m: m, blocks: readGuide(t), home: filepath.Join(root, "home"), work: filepath.Join(root, "work"),
		media: filepath.Join(root, "media")}
	for _, d := range []string{j.home, j.work, j.media, filepath.Join(root, "shims"), filepath.Join(j.home, ".kube")} {
		must(t, os.MkdirAll(d, 0o755))
	}
	must(t, os.WriteFile(filepath.Join(j.home, ".kube", "config"), env.KubeConfig(), 0o600))
	// The pull secret from console.redhat.com: what the cluster was installed with.
	s := &corev1.Secret{}
	must(t, env.Client.Get(ctx, client.ObjectKey{Namespace: credentials.SecretNamespace, Name: credentials.SecretName}, s))
	must(t, os.WriteFile(filepath.Join(j.home, "pull-secret.json"), s.Data[corev1.DockerConfigJsonKey], 0o600))

	// Every OpenShift cluster has the image configuration step 3a patches.
	img := &configv1.Image{ObjectMeta: metav1.ObjectMeta{Name: "cluster"}}
	must(t, env.Client.Create(ctx, img))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), img) })

	self, err := os.Executable()
	must(t, err)
	shim := filepath.Join(root, "shims", "oc")
	must(t, os.WriteFile(shim, []byte("#!/bin/sh\nexec env "+standInEnv+"=oc '"+self+"' \"$@\"\n"), 0o755))
	c := m.in.deployment.Spec.Template.Spec.Containers[0]
	j.trustFile, j.leaveOutFile = filepath.Join(root, "workstation-ca.pem"), filepath.Join(root, "left-out.txt")
	j.env = []string{
		"HOME=" + j.home,
		"PATH=" + filepath.Join(root, "shims") + ":" + filepath.Join(j.home, "bin") + ":/usr/local/bin:/usr/bin:/bin",
		standInKubectl + "=" + filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"),
		standInImage + "=" + c.Image,
		standInImageBinary + "=" + binary,
		standInImagePath + "=" + imageBinaryPath(t),
		standInUpstream + "=" + images.Host(),
		standInTrust + "=" + j.trustFile,
		standInLeaveOut + "=" + j.leaveOutFile,
	}
	all := map[string]bool{}
	for _, name := range m.inv.ImageStreamNames() {
		for _, ref := range m.refsOf(name, "") {
			all[ref] = true
		}
	}
	j.images = slices.Sorted(maps.Keys(all))
	// The internet has every image of the samples.
	for _, ref := range j.images {
		_, err := images.Resolve(ctx, ref)
		must(t, err)
	}
	return j
}

// imageBinaryPath is where the operator image holds the binary (the Dockerfile's
// ENTRYPOINT).
func imageBinaryPath(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "Dockerfile"))
	must(t, err)
	match := regexp.MustCompile(`(?m)^ENTRYPOINT \["([^"]+)"\]`).FindSubmatch(data)
	if match == nil {
		t.Fatal("the Dockerfile has no ENTRYPOINT")
	}
	return string(match[1])
}

// readGuide returns the ```sh blocks of the guide by section: "## 3a. ..." is "3a".
func readGuide(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), guide))
	must(t, err)
	out := map[string][]string{}
	section, block, in := "", []string(nil), false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.HasPrefix(line, "## "):
			section, _, _ = strings.Cut(strings.TrimPrefix(line, "## "), ".")
		case !in && line == "```sh":
			in, block = true, nil
		case in && line == "```":
			in = false
			out[section] = append(out[section], strings.Join(block, "\n"))
		case in:
			block = append(block, line)
		}
	}
	return out
}

// newMirror starts a mirror the site's images go to; the images of the streams named
// are left out of it, as if they could not be mirrored. The workstation trusts its CA
// and ca.crt is that CA, as the admin has it.
func (j *journey) newMirror(leaveOut ...string) *siteMirror {
	j.t.Helper()
	srv := fakeimporter.NewAuthTLSServer(mirrorUser, mirrorSecret)
	j.t.Cleanup(srv.Close)
	mi := &siteMirror{srv: srv, host: strings.TrimPrefix(srv.URL, "https://")}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	must(j.t, os.WriteFile(filepath.Join(j.work, "ca.crt"), ca, 0o644))
	must(j.t, os.WriteFile(j.trustFile, ca, 0o644))
	// What is left out, and so which streams the check must skip: each whose tags use
	// one of those images.
	left := map[string]bool{}
	for _, s := range leaveOut {
		for _, ref := range j.m.refsOf(s, "") {
			left[mirror.Destination(ref, mi.host+mirrorPrefix)] = true
		}
	}
	skip := map[string]bool{}
	for _, name := range j.m.inv.ImageStreamNames() {
		for _, ref := range j.m.refsOf(name, "") {
			if left[mirror.Destination(ref, mi.host+mirrorPrefix)] {
				skip[name] = true
			}
		}
	}
	mi.skipped = slices.Sorted(maps.Keys(skip))
	if len(mi.skipped) == 0 {
		j.t.Fatalf("leaving out %v skips no stream", leaveOut)
	}
	must(j.t, os.WriteFile(j.leaveOutFile, []byte(strings.Join(slices.Sorted(maps.Keys(left)), "\n")), 0o644))
	importer.PullFromHosts(mi.host)
	j.t.Cleanup(func() { importer.PullFromHosts() })
	j.mirror = mi
	return mi
}

// script runs a shell script on the workstation, with the guide's names replaced by the
// journey's, and returns its standard output; it fails the test when the script does.
func (j *journey) script(what, script string) string {
	j.t.Helper()
	host := j.mirror.hostOrGuide()
	script = strings.NewReplacer(guideMirror, host, strings.Replace(guideMirror, ":", "..", 1), strings.Replace(host, ":", "..", 1), guideLogin, mirrorUser+":"+mirrorSecret, guideMedia, j.media).Replace(script)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = j.work, j.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		j.t.Fatalf("%s failed (%v):\n%s\nstdout:\n%s\nstderr:\n%s", what, err, script, stdout.String(), stderr.String())
	}
	j.t.Logf("%s:\n%s\n%s", what, script, tail(stderr.String(), 5))
	return stdout.String()
}

func (mi *siteMirror) hostOrGuide() string {
	if mi == nil {
		return guideMirror
	}
	return mi.host
}

// block is block n of the guide's section.
func (j *journey) block(section string, n int) string {
	j.t.Helper()
	if len(j.blocks[section]) <= n {
		j.t.Fatalf("%s has no block %d in section %s (it has %d)", guide, n, section, len(j.blocks[section]))
	}
	return j.blocks[section][n]
}

// run runs block n of the guide's section.
func (j *journey) run(section string, n int) string {
	j.t.Helper()
	return j.script(fmt.Sprintf("%s step %s, block %d", guide, section, n), j.block(section, n))
}

// wantImages: the list is every image of the content, the jenkins ones included.
func (j *journey) wantImages(out string) {
	j.t.Helper()
	if got := strings.Fields(out); !slices.Equal(got, j.images) {
		j.t.Errorf("mirror images listed %d images, the content has %d:\n%v\nwant\n%v", len(got), len(j.images), got, j.images)
	}
	for _, ref := range j.m.refsOf("jenkins", "") {
		if !strings.Contains(out, ref+"\n") {
			j.t.Errorf("the list leaves out jenkins's %s", ref)
		}
	}
}

// trustAndCheck: steps 3a and 3b, then the check of step 4 twice, each time applying the
// patch it prints; the skips must be the streams left out, and survive the second
// round.
func (j *journey) trustAndCheck(mi *siteMirror) {
	j.t.Helper()
	j.run("3a", 0)
	j.run("3b", 0)
	mi.before = map[string][]string{}
	for _, name := range mi.skipped {
		is := &imagev1.ImageStream{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: name}, is); err == nil {
			mi.before[name] = tagSources(is)
		} else {
			must(j.t, client.IgnoreNotFound(err)) // not installed: no entry
		}
	}
	for round := 1; round <= 2; round++ {
		out := j.run("4", 0)
		var patches []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "oc patch ") {
				patches = append(patches, strings.TrimSpace(l))
			}
		}
		if len(patches) != 1 {
			j.t.Fatalf("check round %d printed %d oc patch commands:\n%s", round, len(patches), out)
		}
		j.script(fmt.Sprintf("the patch check round %d printed", round), patches[0])
		cfg := &samplesv1.Config{}
		must(j.t, env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg))
		got := slices.Sorted(slices.Values(cfg.Spec.SkippedImagestreams))
		if !slices.Equal(got, mi.skipped) || cfg.Spec.SamplesRegistry != mi.host+mirrorPrefix {
			j.t.Errorf("after check round %d: samplesRegistry %q, skippedImagestreams %v; want %q, %v",
				round, cfg.Spec.SamplesRegistry, got, mi.host+mirrorPrefix, mi.skipped)
		}
	}
}

// verify: every sample not skipped imports from the mirror, the skipped ones are not
// installed, no alert fires (the shipped rules over both replicas' metrics), and status
// (step 7, as the guide runs it) says the samples are healthy.
func (j *journey) verify(row string, mi *siteMirror) {
	j.t.Helper()
	j.m.state(row, nil, j.installedFrom(mi.host+mirrorPrefix, mi.before))
	if out := j.run("7", 0); !strings.Contains(out, statusHealthy) {
		j.t.Errorf("status after %s:\n%s\nwant %q", row, out, statusHealthy)
	}
}

// installedFrom is ready when the samples are installed and healthy (matrix.settled) and
// every content image stream but the Config's skipped ones exists with each DockerImage
// tag at its image on registry ("": the content's own) and imported; each skipped one
// is as it was before it was skipped (before: its tags' sources, nil when it did not
// exist).
func (j *journey) installedFrom(registry string, before map[string][]string) func(*observed) (bool, string) {
	settled := j.m.settled(nil)
	return func(o *observed) (bool, string) {
		if ok, why := settled(o); !ok {
			if len(o.failing) > 0 {
				why += fmt.Sprintf("; %s fails with %v", o.failing[0].Name, o.failing[0].Tags)
			}
			return false, why
		}
		if !slices.Equal(o.cfg.Status.SkippedImagestreams, o.cfg.Spec.SkippedImagestreams) || o.cfg.Status.SamplesRegistry != registry {
			return false, fmt.Sprintf("status: registry %q, skipped %v", o.cfg.Status.SamplesRegistry, o.cfg.Status.SkippedImagestreams)
		}
		list := &imagev1.ImageStreamList{}
		if err := env.Client.List(context.Background(), list, client.InNamespace(samplesv1.SamplesNamespace)); err != nil {
			return false, err.Error()
		}
		have := map[string]*imagev1.ImageStream{}
		for i := range list.Items {
			have[list.Items[i].Name] = &list.Items[i]
		}
		var problems []string
		for _, name := range j.m.inv.ImageStreamNames() {
			is, skipped := have[name], slices.Contains(o.cfg.Spec.SkippedImagestreams, name)
			switch {
			case skipped && is == nil && before[name] != nil:
				problems = append(problems, name+" is skipped and was deleted")
			case skipped && is != nil && !slices.Equal(tagSources(is), before[name]):
				problems = append(problems, fmt.Sprintf("%s is skipped but changed: %v, before %v", name, tagSources(is), before[name]))
			case skipped:
			case is == nil:
				problems = append(problems, name+" is not installed")
			default:
				problems = append(problems, streamProblems(is, j.m.refsOf(name, ""), registry)...)
			}
		}
		sort.Strings(problems)
		return len(problems) == 0, strings.Join(problems, "; ")
	}
}

// tagSources are the DockerImage sources of is's tags, "tag=image".
func tagSources(is *imagev1.ImageStream) []string {
	out := []string{}
	for _, tag := range is.Spec.Tags {
		if tag.From != nil && tag.From.Kind == "DockerImage" {
			out = append(out, tag.Name+"="+tag.From.Name)
		}
	}
	return out
}

// streamProblems says how is differs from its content's references rewritten for
// registry, all imported.
func streamProblems(is *imagev1.ImageStream, refs []string, registry string) []string {
	want := map[string]bool{}
	for _, r := range refs {
		want[mirror.Destination(r, registry)] = true
	}
	var out []string
	for _, tag := range is.Spec.Tags {
		if tag.From == nil || tag.From.Kind != "DockerImage" {
			continue
		}
		if !want[tag.From.Name] {
			out = append(out, fmt.Sprintf("%s:%s is at %s", is.Name, tag.Name, tag.From.Name))
		}
		imported := false
		for _, st := range is.Status.Tags {
			imported = imported || (st.Tag == tag.Name && len(st.Items) > 0 && len(st.Conditions) == 0)
		}
		if !imported {
			out = append(out, fmt.Sprintf("%s:%s is not imported", is.Name, tag.Name))
		}
	}
	return out
}

// reconnect: the cluster reaches the registries again.
func (j *journey) reconnect() {
	importer.Disconnect(false)
	j.m.setClusterProxy(j.m.proxyURL)
}

// forget retires a mirror: the cluster no longer trusts its CA or has its credentials,
// as on a cluster that never had one.
func (j *journey) forget(mi *siteMirror) {
	j.t.Helper()
	ctx := context.Background()
	must(j.t, client.IgnoreNotFound(env.Client.Delete(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-config", Name: "mirror-ca"}})))
	img := &configv1.Image{}
	must(j.t, env.Client.Get(ctx, client.ObjectKey{Name: "cluster"}, img))
	img.Spec.AdditionalTrustedCA = configv1.ConfigMapNameReference{}
	must(j.t, env.Client.Update(ctx, img))
	testenv.SetPullSecret(j.t, env.Client, true)
	mi.srv.Close()
	for _, f := range []string{"pull-secret.json", "mapping.txt", "ca.crt"} {
		_ = os.Remove(filepath.Join(j.work, f))
	}
}

// The journey's `oc` is this test binary run again with standInEnv set (a shell script
// named oc on the journey's PATH execs it). What kubectl can do, it runs kubectl for
// (envtest's, at standInKubectl); each oc-only command the guide uses has a named Go
// stand-in below. The environment tells the stand-ins what the test set up:
const (
	standInEnv = "JOURNEY_STANDIN"
	// standInKubectl: the kubectl binary.
	standInKubectl = "JOURNEY_KUBECTL"
	// standInImage, standInImageBinary, standInImagePath: the operator image the
	// Deployment runs, the binary it holds, and that binary's path in it (Dockerfile).
	standInImage, standInImageBinary, standInImagePath = "JOURNEY_IMAGE", "JOURNEY_IMAGE_BINARY", "JOURNEY_IMAGE_PATH"
	// standInUpstream: host:port of the plain-HTTP registry that plays the internet's
	// registries (registry.redhat.io, quay.io, ...), by repository path.
	standInUpstream = "JOURNEY_UPSTREAM"
	// standInTrust: the PEM file the workstation's system trust store holds.
	standInTrust = "JOURNEY_WORKSTATION_CA"
	// standInLeaveOut: a file of mirror destinations, one per line, that the mirror
	// stand-in does not copy (images left out on purpose, as if they failed).
	standInLeaveOut = "JOURNEY_LEAVE_OUT"
)

// ocStandIn runs `oc args...` and returns its exit code.
func ocStandIn(args []string) int {
	var err error
	switch {
	case len(args) >= 2 && args[0] == "image" && args[1] == "extract":
		err = ocImageExtract(args[2:])
	case len(args) >= 2 && args[0] == "image" && args[1] == "mirror":
		err = ocImageMirror(args[2:])
	case len(args) >= 2 && args[0] == "registry" && args[1] == "login":
		err = ocRegistryLogin(args[2:])
	case len(args) >= 2 && args[0] == "set" && args[1] == "data":
		err = ocSetData(args[2:])
	case len(args) >= 1 && (args[0] == "get" || args[0] == "patch" || args[0] == "create" || args[0] == "delete" || args[0] == "apply"):
		cmd := exec.Command(os.Getenv(standInKubectl), args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return ee.ExitCode()
			}
			fmt.Fprintln(os.Stderr, "oc (kubectl):", err)
			return 1
		}
		return 0
	default:
		err = fmt.Errorf("the journey has no stand-in for oc %s", strings.Join(args, " "))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

// parseInterspersed parses flags that may follow positional arguments, as oc's do.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// ocImageExtract: `oc image extract IMAGE --path SRC:DIR --confirm` copies the file SRC of
// the operator image into DIR; the image holds only the operator's binary.
func ocImageExtract(args []string) error {
	fs := flag.NewFlagSet("oc image extract", flag.ContinueOnError)
	path := fs.String("path", "", "")
	fs.Bool("confirm", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != os.Getenv(standInImage) {
		return fmt.Errorf("image %v not found (the operator image is %s)", pos, os.Getenv(standInImage))
	}
	src, dir, ok := strings.Cut(*path, ":")
	if !ok || src != os.Getenv(standInImagePath) {
		return fmt.Errorf("--path %q: the image has no such file (it has %s)", *path, os.Getenv(standInImagePath))
	}
	data, err := os.ReadFile(os.Getenv(standInImageBinary))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, filepath.Base(src)), data, 0o644)
}

// ocImageMirror: `oc image mirror -a AUTHFILE [--dir DIR | --from-dir DIR] -f MAPPING`
// copies each source=destination line with go-containerregistry. A registry source is
// read from the upstream stand-in; file://P is the tarball DIR/P.tar (--from-dir on the
// source side, --dir on the destination side); a registry destination is written with
// the auth file's credentials for its host, over TLS trusting the workstation's CAs.
func ocImageMirror(args []string) error {
	fs := flag.NewFlagSet("oc image mirror", flag.ContinueOnError)
	authfile := fs.String("a", "", "")
	mapping := fs.String("f", "", "")
	dir := fs.String("dir", "", "")
	fromDir := fs.String("from-dir", "", "")
	if pos, err := parseInterspersed(fs, args); err != nil || len(pos) > 0 || *mapping == "" {
		return fmt.Errorf("usage: oc image mirror -a AUTHFILE [--dir DIR|--from-dir DIR] -f MAPPING (%v %v)", err, pos)
	}
	// The auth file as oc reads it: docker's config package, as the mirror commands do.
	keys, err := mirror.AuthFileKeychain(*authfile)
	if err != nil {
		return err
	}
	leaveOut := map[string]bool{}
	if f := os.Getenv(standInLeaveOut); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, l := range strings.Fields(string(data)) {
			leaveOut[l] = true
		}
	}
	pool, err := mirror.CertPool(os.Getenv(standInTrust))
	if err != nil {
		return fmt.Errorf("the workstation's trust store: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	f, err := os.Open(*mapping)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	copied := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		src, dst, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("mapping line %q is not SRC=DST", line)
		}
		if leaveOut[dst] {
			fmt.Fprintf(os.Stderr, "info: %s left out\n", dst)
			continue
		}
		img, err := readImage(src, *fromDir)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		if err := writeImage(dst, *dir, img, keys, tr); err != nil {
			return fmt.Errorf("%s: %w", dst, err)
		}
		copied++
	}
	fmt.Fprintf(os.Stderr, "info: mirrored %d images\n", copied)
	return sc.Err()
}

func diskPath(dir, ref string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("%s is on disk, but no --dir or --from-dir was given", ref)
	}
	return filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(ref, "file://"))) + ".tar", nil
}

func readImage(src, fromDir string) (v1.Image, error) {
	if strings.HasPrefix(src, "file://") {
		p, err := diskPath(fromDir, src)
		if err != nil {
			return nil, err
		}
		return tarball.ImageFromPath(p, nil)
	}
	r, err := name.ParseReference(src)
	if err != nil {
		return nil, err
	}
	sep := ":"
	if _, ok := r.(name.Digest); ok {
		sep = "@"
	}
	up, err := name.ParseReference(os.Getenv(standInUpstream)+"/"+r.Context().RepositoryStr()+sep+r.Identifier(), name.Insecure)
	if err != nil {
		return nil, err
	}
	return remote.Image(up)
}

func writeImage(dst, dir string, img v1.Image, keys authn.Keychain, tr http.RoundTripper) error {
	if strings.HasPrefix(dst, "file://") {
		p, err := diskPath(dir, dst)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		tag, err := name.ParseReference("disk.invalid/" + strings.TrimPrefix(dst, "file://"))
		if err != nil {
			return err
		}
		return tarball.WriteToFile(p, tag, img)
	}
	r, err := name.ParseReference(dst)
	if err != nil {
		return err
	}
	return remote.Write(r, img, remote.WithAuthFromKeychain(keys), remote.WithTransport(tr))
}

// ocRegistryLogin: `oc registry login --registry HOST --auth-basic USER:PASS --to FILE`
// adds (or replaces) HOST's entry in the auth file FILE, keeping the others.
func ocRegistryLogin(args []string) error {
	fs := flag.NewFlagSet("oc registry login", flag.ContinueOnError)
	reg := fs.String("registry", "", "")
	basic := fs.String("auth-basic", "", "")
	to := fs.String("to", "", "")
	if pos, err := parseInterspersed(fs, args); err != nil || len(pos) > 0 || *reg == "" || *to == "" || !strings.Contains(*basic, ":") {
		return fmt.Errorf("usage: oc registry login --registry HOST --auth-basic USER:PASS --to FILE (%v)", err)
	}
	doc := map[string]any{}
	if data, err := os.ReadFile(*to); err == nil {
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s: %w", *to, err)
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	auths, _ := doc["auths"].(map[string]any)
	if auths == nil {
		auths = map[string]any{}
	}
	auths[*reg] = map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte(*basic))}
	doc["auths"] = auths
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(*to, data, 0o600)
}

// ocSetData: `oc set data secret/NAME -n NS --from-file=KEY=FILE` sets the key of the
// Secret to the file's bytes, keeping its other keys and its type.
func ocSetData(args []string) error {
	fs := flag.NewFlagSet("oc set data", flag.ContinueOnError)
	ns := fs.String("n", "", "")
	fromFile := fs.String("from-file", "", "")
	pos, err := parseInterspersed(fs, args)
	if err != nil || len(pos) != 1 || !strings.HasPrefix(pos[0], "secret/") {
		return fmt.Errorf("usage: oc set data secret/NAME -n NS --from-file=KEY=FILE (%v %v)", err, pos)
	}
	key, file, ok := strings.Cut(*fromFile, "=")
	if !ok {
		return fmt.Errorf("--from-file=%s: want KEY=FILE", *fromFile)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	ctx := context.Background()
	s := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: *ns, Name: strings.TrimPrefix(pos[0], "secret/")}, s); err != nil {
		return err
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	s.Data[key] = data
	if err := c.Update(ctx, s); err != nil {
		return err
	}
	fmt.Printf("secret/%s data updated\n", s.Name)
	return nil
}
