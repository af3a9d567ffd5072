// Package cli holds the subcommands of the cluster-samples-operator binary that talk to
// a user: they parse flags, read files or a cluster, and print; the decisions stay in
// internal/.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/mirror"
)

const usageHead = `Mirroring guidance for disconnected clusters.

Usage:
  cluster-samples-operator mirror images  [source flags]
  cluster-samples-operator mirror mapping --to REGISTRY[:PORT][/PATH]|file://NAME [--from file://NAME] [source flags]
  cluster-samples-operator mirror check   --registry REGISTRY[:PORT][/PATH] [check flags] [source flags]
  cluster-samples-operator mirror imageset [source flags]   an oc-mirror v2 ImageSetConfiguration
                                                          with the images as additionalImages

Source (default: the content built into this operator, for this machine's architecture):
--from-cluster reads the cluster's imagestreamtag-to-image-all ConfigMap and skippedImagestreams;
--from-file reads a copy of that ConfigMap saved with
  oc get configmap imagestreamtag-to-image-all -n openshift-cluster-samples-operator -o yaml > cm.yaml
for a site where no host sees both the cluster and the internet. Every source includes the
jenkins streams: samplesRegistry rewrites them too. (imagestreamtag-to-image, the stock
operator's ConfigMap, leaves them out; it is read when the -all one is absent.)

Flags:
`

const usageTail = `
Exit codes: 0 done; 1 the content, the cluster or the mirror could not be read;
2 a usage error; 3 images are missing (check --fail-on-missing).

Examples:
  # What to mirror, one image per line
  cluster-samples-operator mirror images --from-cluster > images.txt
  # Mirror it: the destinations are exactly what the operator will use
  cluster-samples-operator mirror mapping --to mirror.example.com:5000/samples > mapping.txt
  oc image mirror -f mapping.txt
  # Air-gapped: to removable media on the connected side, from it on the cluster's side
  cluster-samples-operator mirror mapping --from-file images.yaml --to file://samples > to-disk.txt
  oc image mirror --dir /media/usb -f to-disk.txt
  cluster-samples-operator mirror mapping --from-file images.yaml --from file://samples --to mirror.example.com:5000/samples > from-disk.txt
  oc image mirror --from-dir /media/usb -f from-disk.txt
  # Sites that mirror with oc-mirror v2: add the samples to the image set
  cluster-samples-operator mirror imageset --from-cluster > samples-imageset.yaml
  # What made it, and the Config change to apply (it keeps the streams skipped already)
  cluster-samples-operator mirror check --registry mirror.example.com:5000/samples --authfile ~/.docker/config.json
`

// mirrorUsage is the help: the synopsis, every flag with its help (from the flag set
// itself, so that it cannot drift), the exit codes and examples.
func mirrorUsage() string {
	var b strings.Builder
	b.WriteString(usageHead)
	fs, _ := mirrorFlags("check")
	fs.VisitAll(func(f *flag.Flag) {
		name, help := flag.UnquoteUsage(f)
		arg := "-" + f.Name
		if len(f.Name) > 1 {
			arg = "-" + arg
		}
		if name != "" {
			arg += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			help += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(&b, "  %-26s %s\n", arg, help)
	})
	b.WriteString(usageTail)
	return b.String()
}

// Mirror is `cluster-samples-operator mirror ARGS...`; it returns the exit code.
func Mirror(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := &output{w: stdout}
	code := mirrorCmd(ctx, args, out, stderr)
	if out.err != nil && code == 0 {
		_, _ = fmt.Fprintf(stderr, "cluster-samples-operator mirror: writing the output: %v\n", out.err)
		return 1
	}
	return code
}

// failFunc reports a failure of a mirror subcommand on standard error and returns the
// exit code to end with.
type failFunc func(code int, format string, a ...any) int

func mirrorCmd(ctx context.Context, args []string, stdout *output, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		stdout.print(mirrorUsage())
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub := args[0]
	fail := func(code int, format string, a ...any) int {
		_, _ = fmt.Fprintf(stderr, "cluster-samples-operator mirror %s: %s\n", sub, fmt.Sprintf(format, a...))
		return code
	}
	f, code, ok := parseMirror(sub, args[1:], stdout, fail)
	if !ok {
		return code
	}
	prog := newProgress(stderr, f.quiet)
	entries, skipped, err := load(ctx, f)
	if err != nil {
		return fail(1, "%v", err)
	}
	switch sub {
	case "images":
		mirrorImages(stdout, entries, prog)
	case "imageset":
		return mirrorImageSet(stdout, entries, prog, fail)
	case "mapping":
		return mirrorMapping(stdout, f, entries, prog, fail)
	case "check":
		return mirrorCheck(ctx, stdout, f, entries, skipped, prog, fail)
	}
	return 0
}

// parseMirror parses and validates the flags of subcommand sub. ok is false when the
// command ends here (help asked for, a usage error), with exit code code.
func parseMirror(sub string, args []string, stdout *output, fail failFunc) (f *mirrorOptions, code int, ok bool) {
	fs, f := mirrorFlags(sub)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		stdout.print(mirrorUsage())
		return nil, 0, false
	} else if err != nil {
		return nil, fail(2, "%v (see --help)", err), false
	}
	if fs.NArg() > 0 {
		return nil, fail(2, "unexpected argument %q (see --help)", fs.Arg(0)), false
	}
	switch sub {
	case "images", "mapping", "check", "imageset":
	default:
		return nil, fail(2, "unknown subcommand (images, mapping, check or imageset; see --help)"), false
	}
	if f.fromCluster && f.fromFile != "" {
		return nil, fail(2, "--from-cluster and --from-file are two sources; give one"), false
	}
	return f, 0, true
}

// mirrorImages is `mirror images`: what to mirror, one image per line.
func mirrorImages(stdout *output, entries []mirror.Entry, prog *progress) {
	imgs := mirror.Images(entries)
	for _, img := range imgs {
		stdout.printf("%s\n", img)
	}
	prog.finish("%d images for %d image stream tags", len(imgs), len(entries))
}

// mirrorImageSet is `mirror imageset`: an oc-mirror v2 ImageSetConfiguration with the
// images as additionalImages.
func mirrorImageSet(stdout *output, entries []mirror.Entry, prog *progress, fail failFunc) int {
	imgs := mirror.Images(entries)
	data, err := yaml.Marshal(mirror.ImageSet(imgs))
	if err != nil {
		return fail(1, "%v", err)
	}
	stdout.print(string(data))
	prog.finish("%d images as the additionalImages of an oc-mirror ImageSetConfiguration", len(imgs))
	return 0
}

// mirrorMapping is `mirror mapping`: the source=destination lines of oc image mirror -f,
// from the images' registries (or the media of --from) to --to.
func mirrorMapping(stdout *output, f *mirrorOptions, entries []mirror.Entry, prog *progress, fail failFunc) int {
	if err := mirror.ValidateEndpoint(f.to); err != nil {
		return fail(2, "--to: %v", err)
	}
	if f.from != "" {
		if !strings.HasPrefix(f.from, mirror.DiskScheme) {
			return fail(2, "--from takes %sNAME, the media a mapping --to %sNAME filled", mirror.DiskScheme, mirror.DiskScheme)
		}
		if err := mirror.ValidateEndpoint(f.from); err != nil {
			return fail(2, "--from: %v", err)
		}
	}
	imgs := mirror.Images(entries)
	for _, img := range imgs {
		src := img
		if f.from != "" {
			src = mirror.Located(img, f.from)
		}
		stdout.printf("%s=%s\n", src, mirror.Located(img, f.to))
	}
	prog.finish("%d images to mirror to %s", len(imgs), f.to)
	return 0
}

// mirrorCheck is `mirror check`: which images the mirror --registry has, and the Config
// change to apply.
func mirrorCheck(ctx context.Context, stdout *output, f *mirrorOptions, entries []mirror.Entry, skipped []string, prog *progress, fail failFunc) int {
	if err := mirror.ValidateRegistry(f.registry); err != nil {
		return fail(2, "--registry: %v", err)
	}
	if f.output != "text" && f.output != "json" && f.output != "yaml" {
		return fail(2, "-o must be text, json or yaml")
	}
	opts, code, ok := checkOptions(f, prog, fail)
	if !ok {
		return code
	}
	results, err := mirror.Check(ctx, entries, f.registry, opts)
	if err != nil {
		prog.clear()
		return fail(1, "%v", err)
	}
	rep := mirror.NewReport(results, f.registry, skipped)
	prog.finish("checked %d image stream tags on %s: %d present, %d missing", len(results), f.registry, len(results)-rep.Missing, rep.Missing)
	if err := printReport(stdout, rep, f.output); err != nil {
		return fail(1, "%v", err)
	}
	if f.failOnMissing && rep.Missing > 0 {
		return 3
	}
	return 0
}

// checkOptions are the mirror.CheckOptions of the check flags: the credentials of
// --authfile and the CAs of --certificate-authority read. ok is false when one could
// not be read, with exit code code.
func checkOptions(f *mirrorOptions, prog *progress, fail failFunc) (opts mirror.CheckOptions, code int, ok bool) {
	opts = mirror.CheckOptions{Insecure: f.insecure, PlainHTTP: f.plainHTTP, RequestTimeout: f.timeout, Deadline: f.deadline,
		Concurrency: f.concurrency, Progress: prog.update}
	var err error
	if f.authfile != "" {
		if opts.Keychain, err = mirror.AuthFileKeychain(f.authfile); err != nil {
			return opts, fail(1, "%v", err), false
		}
	}
	if f.caFile != "" {
		if opts.RootCAs, err = mirror.CertPool(f.caFile); err != nil {
			return opts, fail(1, "--certificate-authority: %v", err), false
		}
	}
	return opts, 0, true
}

// mirrorOptions are the flags of the mirror subcommands (usage lists them).
type mirrorOptions struct {
	arch, assets, fromFile, kubeconfig, opNamespace, to, from, registry, authfile, output, caFile string
	fromCluster, insecure, plainHTTP, failOnMissing, quiet                                        bool
	timeout, deadline                                                                             time.Duration
	concurrency                                                                                   int
}

func mirrorFlags(sub string) (*flag.FlagSet, *mirrorOptions) {
	o := &mirrorOptions{}
	fs := flag.NewFlagSet("mirror "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.arch, "arch", defaultArch(), "the `architecture` of the built-in or --assets-dir content: x86_64, aarch64 (arm64), ppc64le or s390x")
	fs.StringVar(&o.assets, "assets-dir", "", "a content tree to read (`dir`/<arch>/<group>/imagestreams/*.json) instead of the built-in content")
	fs.BoolVar(&o.fromCluster, "from-cluster", false, "read the images from the cluster's imagestreamtag-to-image-all ConfigMap, and its skippedImagestreams")
	fs.StringVar(&o.fromFile, "from-file", "", "read the images from a saved imagestreamtag-to-image-all (or imagestreamtag-to-image) ConfigMap (`file`, YAML or JSON as oc get -o writes it)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "the cluster of --from-cluster (`file`; default $KUBECONFIG, else ~/.kube/config, as oc)")
	fs.StringVar(&o.opNamespace, "operator-namespace", samplesv1.OperatorNamespace, "the `namespace` of the operator's ConfigMaps, for --from-cluster")
	fs.StringVar(&o.to, "to", "", "mapping: the mirror (`registry`[:port][/path]) the images go to, or file://NAME for removable media (oc image mirror --dir)")
	fs.StringVar(&o.from, "from", "", "mapping: take the images from removable media (`file://NAME`, filled by a mapping --to file://NAME; oc image mirror --from-dir) instead of their registries")
	fs.StringVar(&o.registry, "registry", "", "check: the mirror (`registry`[:port][/path]) to look the images up in, as samplesRegistry will be")
	fs.StringVar(&o.authfile, "authfile", "", "check: a docker/podman auth `file`; its auths, credHelpers and credsStore are used")
	fs.StringVar(&o.caFile, "certificate-authority", "", "check: a PEM `file` of the CAs to trust for the mirror, the bundle the cluster trusts (images.config.openshift.io/cluster spec.additionalTrustedCA) instead of the system's")
	fs.BoolVar(&o.insecure, "insecure", false, "check: do not verify the mirror's TLS certificate (TLS is still used)")
	fs.BoolVar(&o.plainHTTP, "plain-http", false, "check: talk to the mirror over HTTP, without TLS (credentials travel in clear)")
	fs.DurationVar(&o.timeout, "timeout", mirror.DefaultRequestTimeout, "check: bound of one request: connect, TLS handshake, response")
	fs.DurationVar(&o.deadline, "deadline", mirror.DefaultDeadline, "check: bound of the whole check")
	fs.StringVar(&o.output, "o", "text", "check: the report's `format`: text, json or yaml")
	fs.BoolVar(&o.failOnMissing, "fail-on-missing", false, "check: exit 3 when an image is missing")
	fs.IntVar(&o.concurrency, "concurrency", 8, "check: requests in flight at once")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line (shown only when standard error is a terminal); the summary line is written either way")
	return fs, o
}

// FlagNames lists the flags of a command: "mirror images", "mirror mapping",
// "mirror check" or "status" (the runbooks' test checks the flags they use).
func FlagNames(command string) []string {
	var fs *flag.FlagSet
	switch {
	case command == "status":
		fs, _ = statusFlags()
	case strings.HasPrefix(command, "mirror "):
		fs, _ = mirrorFlags(strings.TrimPrefix(command, "mirror "))
	default:
		return nil
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

func defaultArch() string { return bootstrap.ArchitectureForGOARCH(runtime.GOARCH) }

// load returns the entries of the source the flags name, and the streams the cluster
// skips already (from the Config, with --from-cluster).
func load(ctx context.Context, f *mirrorOptions) ([]mirror.Entry, []string, error) {
	if f.fromCluster {
		return loadFromCluster(ctx, f.kubeconfig, f.opNamespace)
	}
	if f.fromFile != "" {
		entries, err := loadFromFile(f.fromFile)
		return entries, nil, err
	}
	// The operator's way into the content; where it would serve the built-in samples
	// instead of the directory named, the mirror commands say why.
	src := content.Open(f.assets, content.FlavorOCP)
	if src.Unusable != nil {
		return nil, nil, src.Unusable
	}
	set, err := src.SetFor(f.arch)
	var missing *content.MissingArchError
	if errors.As(err, &missing) {
		return nil, nil, fmt.Errorf("no content for architecture %q (%s)", f.arch, content.SupportedArchitectures)
	} else if err != nil {
		return nil, nil, err
	}
	imageStreams, err := content.Objects(set.ImageStreams)
	if err != nil {
		return nil, nil, err
	}
	return mirror.FromMap(imports.AllImages(imageStreams), nil), nil, nil
}

// loadFromFile reads a saved ConfigMap: YAML or JSON, as `oc get configmap -o yaml` or
// `-o json` writes it.
func loadFromFile(path string) ([]mirror.Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.UnmarshalStrict(data, cm); err != nil {
		return nil, fmt.Errorf("%s is no ConfigMap: %v", path, err)
	}
	if cm.Kind != "ConfigMap" || (cm.Name != samplesv1.MirrorConfigMap && cm.Name != samplesv1.AllImagesConfigMap) {
		return nil, fmt.Errorf("%s holds %s %q, not the ConfigMap %s or %s", path, orNone(cm.Kind), cm.Name, samplesv1.AllImagesConfigMap, samplesv1.MirrorConfigMap)
	}
	if len(cm.Data) == 0 {
		return nil, fmt.Errorf("ConfigMap %s in %s lists no image", cm.Name, path)
	}
	return mirror.FromMap(cm.Data, nil), nil
}

func loadFromCluster(ctx context.Context, kubeconfig, opNamespace string) ([]mirror.Entry, []string, error) {
	c, err := kubeClient(kubeconfig)
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig %s: %v", kubeconfig, err)
	}
	// Every image, jenkins included; a cluster run by the stock operator has only the
	// ConfigMap without them.
	cm, read := &corev1.ConfigMap{}, samplesv1.AllImagesConfigMap
	err = c.Get(ctx, client.ObjectKey{Namespace: opNamespace, Name: read}, cm)
	if apierrors.IsNotFound(err) {
		read = samplesv1.MirrorConfigMap
		err = c.Get(ctx, client.ObjectKey{Namespace: opNamespace, Name: read}, cm)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading ConfigMap %s/%s: %v", opNamespace, read, err)
	}
	var skipped []string
	samples := &samplesv1.Config{}
	if err := c.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, samples); err == nil {
		skipped = samples.Spec.SkippedImagestreams
	} else if !apierrors.IsNotFound(err) {
		return nil, nil, fmt.Errorf("reading configs.samples.operator.openshift.io/cluster: %v", err)
	}
	return mirror.FromMap(cm.Data, skipped), skipped, nil
}

func printReport(w *output, rep mirror.Report, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "yaml":
		b, err := yaml.Marshal(rep)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	for _, s := range rep.Streams {
		w.printf("%s:\n", s.Name)
		if len(s.Present) > 0 {
			w.printf("  present: %s\n", strings.Join(s.Present, ", "))
		}
		if len(s.Missing) > 0 {
			w.printf("  missing: %s\n", strings.Join(s.Missing, ", "))
		}
	}
	w.printf("\n%d image stream tags have no image on %s. Apply:\n%s\n", rep.Missing, rep.SamplesRegistry, rep.Patch)
	return nil
}

// output writes to the command's standard output and keeps the first write error, which
// Mirror reports once at the end (a closed pipe, a full disk).
type output struct {
	w   io.Writer
	err error
}

func (o *output) print(s string) { o.printf("%s", s) }

// Write lets encoders write through o; after the first error it writes nothing more.
func (o *output) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	var n int
	n, o.err = o.w.Write(p)
	return n, o.err
}

func (o *output) printf(format string, a ...any) {
	if o.err == nil {
		_, o.err = fmt.Fprintf(o.w, format, a...)
	}
}
